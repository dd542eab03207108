//! Prometheus metrics (`GET /metrics`). Each server has its own registry, not the
//! process-wide one of the `metrics` facade, so several servers in one process (the
//! tests) count apart, and a use case records into the registry of the `Ctx` it runs in.
//!
//! On the hot paths (each HTTP request, each frame sent to a socket) recording is an
//! atomic add after one lookup in a sharded map; the numbers that live in the database
//! (queue depth and age) are read only when Prometheus scrapes.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics::{Counter, Gauge, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use switchboard_domain::Timestamp;
use switchboard_store::jobs;

use crate::Ctx;

pub const HTTP_REQUESTS: &str = "switchboard_http_requests_total";
pub const HTTP_DURATION: &str = "switchboard_http_request_duration_seconds";
pub const CABLE_SOCKETS: &str = "switchboard_cable_sockets";
pub const CABLE_EVENTS: &str = "switchboard_cable_events_sent_total";
pub const JOBS_FINISHED: &str = "switchboard_jobs_finished_total";
pub const JOB_DURATION: &str = "switchboard_job_duration_seconds";
pub const JOBS_QUEUED: &str = "switchboard_jobs_queued";
pub const JOBS_RUNNING: &str = "switchboard_jobs_running";
pub const JOBS_DEAD: &str = "switchboard_jobs_dead";
pub const JOBS_OLDEST_DUE: &str = "switchboard_jobs_oldest_due_seconds";
pub const WEBHOOK_DELIVERIES: &str = "switchboard_webhook_deliveries_total";
pub const DB_POOL_CONNECTIONS: &str = "switchboard_db_pool_connections";
pub const DB_POOL_MAX: &str = "switchboard_db_pool_max_connections";

/// Request latencies from 5 ms to 10 s; the API mostly answers in a few milliseconds,
/// and the tail is what alerts watch.
const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Jobs include webhook calls that may take the receiver's whole timeout.
const JOB_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0];

/// How a job attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded,
    /// Failed, and will be tried again.
    Retried,
    /// Failed for the last time: the job is dead.
    Dead,
}

impl JobOutcome {
    fn label(self) -> &'static str {
        match self {
            JobOutcome::Succeeded => "succeeded",
            JobOutcome::Retried => "retried",
            JobOutcome::Dead => "dead",
        }
    }
}

/// This server's metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    sockets: Gauge,
    events_sent: Counter,
    /// Job kinds reported so far, so a kind whose queue emptied reads 0, not its last value.
    kinds: Mutex<BTreeSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        // Histograms with fixed buckets (not summaries), so they add up across processes.
        // The bucket lists are constants and not empty, so the builder cannot refuse them.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), JOB_BUCKETS))
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let (sockets, events_sent) = metrics::with_local_recorder(&recorder, || {
            describe();
            (
                metrics::gauge!(CABLE_SOCKETS),
                metrics::counter!(CABLE_EVENTS),
            )
        });
        let kinds = [
            crate::webhooks::EVENT_JOB,
            crate::webhooks::DELIVERY_JOB,
            crate::mail::DELIVERY_JOB,
            crate::automation::JOB,
            crate::macros::JOB,
            crate::schedules::JOB,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        Metrics {
            inner: Arc::new(Inner {
                recorder,
                handle,
                sockets,
                events_sent,
                kinds: Mutex::new(kinds),
            }),
        }
    }

    /// One HTTP request: `route` is the route's template (`/api/v1/accounts/{account_id}/…`),
    /// never the raw path, so ids do not multiply the series.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        metrics::with_local_recorder(&self.inner.recorder, || {
            let labels = [
                ("method", method.to_owned()),
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ];
            metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
            metrics::histogram!(HTTP_DURATION, &labels[..2]).record(elapsed.as_secs_f64());
        });
    }

    pub fn socket_opened(&self) {
        self.inner.sockets.increment(1.0);
    }

    pub fn socket_closed(&self) {
        self.inner.sockets.decrement(1.0);
    }

    /// One event frame queued to one socket.
    pub fn event_sent(&self) {
        self.inner.events_sent.increment(1);
    }

    pub fn job_finished(&self, kind: &str, outcome: JobOutcome, elapsed: Duration) {
        metrics::with_local_recorder(&self.inner.recorder, || {
            let kind = kind.to_owned();
            metrics::counter!(JOBS_FINISHED, "kind" => kind.clone(), "outcome" => outcome.label())
                .increment(1);
            metrics::histogram!(JOB_DURATION, "kind" => kind).record(elapsed.as_secs_f64());
        });
    }

    /// One attempt to deliver a webhook (or bot call): `delivered`, `retrying` or `failed`.
    pub fn webhook_delivery(&self, outcome: &'static str) {
        metrics::with_local_recorder(&self.inner.recorder, || {
            metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
        });
    }

    /// Moves recent histogram samples into their buckets. The server calls it every few
    /// seconds, so samples do not pile up between scrapes (or when nobody scrapes).
    pub fn upkeep(&self) {
        self.inner.handle.run_upkeep();
    }

    fn set_queue(&self, stats: &[jobs::QueueStat], now: Timestamp) {
        let mut kinds = self.inner.kinds.lock().unwrap_or_else(|e| e.into_inner());
        kinds.extend(stats.iter().map(|s| s.kind.clone()));
        metrics::with_local_recorder(&self.inner.recorder, || {
            for kind in kinds.iter() {
                let of = |status: i32| stats.iter().find(|s| &s.kind == kind && s.status == status);
                let count = |status: i32| of(status).map_or(0.0, |s| s.count as f64);
                let oldest = of(jobs::QUEUED)
                    .and_then(|s| s.oldest_due)
                    .map_or(0.0, |t| {
                        (now.millis().saturating_sub(t.millis())).max(0) as f64 / 1000.0
                    });
                let k = kind.clone();
                metrics::gauge!(JOBS_QUEUED, "kind" => k.clone()).set(count(jobs::QUEUED));
                metrics::gauge!(JOBS_RUNNING, "kind" => k.clone()).set(count(jobs::RUNNING));
                metrics::gauge!(JOBS_DEAD, "kind" => k.clone()).set(count(jobs::DEAD));
                metrics::gauge!(JOBS_OLDEST_DUE, "kind" => k).set(oldest);
            }
        });
    }

    fn set_pools(&self, pools: &[switchboard_store::PoolStat]) {
        metrics::with_local_recorder(&self.inner.recorder, || {
            for p in pools {
                let in_use = p.size.saturating_sub(p.idle);
                metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => p.name, "state" => "in_use")
                    .set(f64::from(in_use));
                metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => p.name, "state" => "idle")
                    .set(f64::from(p.idle));
                metrics::gauge!(DB_POOL_MAX, "pool" => p.name).set(f64::from(p.max));
            }
        });
    }

    fn render(&self) -> String {
        self.inner.handle.run_upkeep();
        self.inner.handle.render()
    }
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    describe_gauge!(CABLE_SOCKETS, "Open /cable websockets on this process");
    describe_counter!(
        CABLE_EVENTS,
        "Realtime events queued to this process's sockets (one per socket reached)"
    );
    describe_counter!(
        JOBS_FINISHED,
        "Job attempts run by this process, by kind and outcome (succeeded, retried, dead)"
    );
    describe_histogram!(
        JOB_DURATION,
        Unit::Seconds,
        "Time a job attempt took, by kind"
    );
    describe_gauge!(
        JOBS_QUEUED,
        "Jobs waiting in the queue, by kind (installation-wide)"
    );
    describe_gauge!(
        JOBS_RUNNING,
        "Jobs claimed by a worker now, by kind (installation-wide)"
    );
    describe_gauge!(
        JOBS_DEAD,
        "Jobs that failed their last attempt and stay for inspection, by kind (installation-wide)"
    );
    describe_gauge!(
        JOBS_OLDEST_DUE,
        Unit::Seconds,
        "How long the oldest due job of a kind has waited for a worker (installation-wide)"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook and agent bot delivery attempts by this process, by outcome"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database connections of this process, by pool and state (in_use, idle)"
    );
    describe_gauge!(
        DB_POOL_MAX,
        "The most connections a pool of this process may open"
    );
}

/// The exposition text for `GET /metrics`: the counters recorded so far, plus the
/// queue and pool numbers read now.
pub async fn render(ctx: &Ctx) -> String {
    let now = Timestamp::now();
    match jobs::stats(&ctx.db, now).await {
        Ok(stats) => ctx.metrics.set_queue(&stats, now),
        // The scrape still reports what this process knows; the queue gauges keep their
        // last values and the failure shows in the log.
        Err(e) => tracing::warn!(error = %e, "cannot read the job queue for /metrics"),
    }
    ctx.metrics.set_pools(&ctx.db.pool_stats());
    ctx.metrics.render()
}
