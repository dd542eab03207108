//! The worker: claims due jobs from the `jobs` table, runs each through the use case its
//! kind names, and records the outcome (ARCHITECTURE.md §6). It wakes when a job is
//! enqueued in this process or, on PostgreSQL, in any process (`LISTEN`), and polls as a
//! fallback. At shutdown it stops claiming, lets running jobs finish for a grace period,
//! and hands back the ones still running, so nothing is lost.
//!
//! It is a module of `core` rather than its own crate: every job kind is a `core` use
//! case, and the loop is small; a crate boundary would be crossed by every new kind.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use switchboard_domain::Timestamp;
use switchboard_store::Json;
use switchboard_store::jobs::{self, Job};
use tokio::task::JoinSet;

use crate::Ctx;
use crate::metrics::JobOutcome;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// How often to look for due jobs when nothing wakes the worker.
    pub poll_interval: Duration,
    /// The first retry waits about this long; each next one twice as long...
    pub retry_base: Duration,
    /// ...up to this.
    pub retry_cap: Duration,
    /// How long a claimed job stays ours; after that another worker may take it.
    pub lease: Duration,
    /// Jobs claimed, and run side by side, at once.
    pub batch: i64,
    /// How long running jobs may go on after shutdown is asked.
    pub grace: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            retry_base: Duration::from_secs(15),
            retry_cap: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            // Jobs mostly wait on the network (webhooks, mail), so several run at once.
            batch: 16,
            grace: Duration::from_secs(10),
        }
    }
}

/// The wait before retry number `attempt` (1 after the first failure): exponential,
/// capped, with ±20% jitter so that failures at the same moment do not retry together.
pub fn backoff(opts: &WorkerOptions, attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let raw = opts
        .retry_base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(opts.retry_cap);
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    raw.mul_f64(jitter)
}

/// How often the worker looks for due schedule runs (they run a minute apart at most).
const SCHEDULE_CHECK: Duration = Duration::from_secs(5);

fn later(d: Duration) -> Timestamp {
    Timestamp::from_millis(
        Timestamp::now()
            .millis()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// Runs jobs until `shutdown` completes.
pub async fn run(ctx: Ctx, opts: WorkerOptions, shutdown: impl Future<Output = ()>) {
    let worker = format!("worker-{}", uuid::Uuid::new_v4());
    let listener = jobs::spawn_listener(&ctx.db);
    tracing::info!(%worker, "job worker started");
    tokio::pin!(shutdown);
    // Up to `batch` jobs run side by side; a slot that frees up is filled at once, so
    // one slow receiver does not hold up the others.
    let mut running: JoinSet<()> = JoinSet::new();
    let mut schedules_checked: Option<std::time::Instant> = None;
    loop {
        // Recurring work: claim the due runs (each run once across all workers).
        if schedules_checked.is_none_or(|t| t.elapsed() >= SCHEDULE_CHECK) {
            schedules_checked = Some(std::time::Instant::now());
            match crate::schedules::enqueue_due(&ctx, Timestamp::now()).await {
                Ok(claimed) if !claimed.is_empty() => {
                    tracing::debug!(?claimed, "scheduled runs enqueued");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot check the schedules"),
            }
        }
        let free = opts.batch - i64::try_from(running.len()).unwrap_or(i64::MAX);
        if free > 0 {
            let claimed =
                jobs::claim(&ctx.db, &worker, free, Timestamp::now(), later(opts.lease)).await;
            match claimed {
                Ok(batch) if !batch.is_empty() => {
                    for job in batch {
                        running.spawn(run_one(ctx.clone(), opts.clone(), worker.clone(), job));
                    }
                    // More may be due: claim again until none is, or every slot is busy.
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot claim jobs"),
            }
        }
        let nap = if free > 0 {
            match jobs::next_due(&ctx.db).await {
                Ok(Some(due)) => {
                    let ms = due.millis().saturating_sub(Timestamp::now().millis());
                    // At least a moment: a due job another worker is claiming right now
                    // must not make this one spin.
                    Duration::from_millis(u64::try_from(ms).unwrap_or(0).max(10))
                        .min(opts.poll_interval)
                }
                _ => opts.poll_interval,
            }
        } else {
            opts.poll_interval
        };
        tokio::select! {
            Some(_) = running.join_next(), if !running.is_empty() => {
                // Every slot that freed up meanwhile is filled by the same claim.
                while running.try_join_next().is_some() {}
            }
            () = jobs::WAKE.notified() => {}
            () = tokio::time::sleep(nap) => {}
            () = &mut shutdown => break,
        }
    }
    // Running jobs get a grace period; whatever is left is stopped and handed back below.
    let _ = tokio::time::timeout(opts.grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    running.abort_all();
    while running.join_next().await.is_some() {}
    if let Some(l) = listener {
        l.abort();
    }
    // Whatever is still ours goes back to the queue without using up an attempt.
    let released = async {
        let mut tx = ctx.db.begin().await?;
        let n = jobs::release(tx.ex(), &worker).await?;
        tx.commit().await?;
        Ok::<_, switchboard_store::StoreError>(n)
    }
    .await;
    match released {
        Ok(n) => tracing::info!(%worker, released = n, "job worker stopped"),
        Err(e) => tracing::warn!(%worker, error = %e, "cannot release jobs at shutdown"),
    }
}

async fn run_one(ctx: Ctx, opts: WorkerOptions, worker: String, job: Job) {
    let started = std::time::Instant::now();
    let outcome = handle(&ctx, &job).await;
    let measured = match &outcome {
        Ok(()) => JobOutcome::Succeeded,
        Err(_) if job.attempts >= job.max_attempts => JobOutcome::Dead,
        Err(_) => JobOutcome::Retried,
    };
    ctx.metrics
        .job_finished(&job.kind, measured, started.elapsed());
    let recorded = async {
        let mut tx = ctx.db.begin().await?;
        match &outcome {
            Ok(()) => jobs::complete(tx.ex(), job.id, &worker).await?,
            Err(e) => {
                let retry_at = later(backoff(&opts, job.attempts));
                jobs::fail(tx.ex(), &job, &worker, e, retry_at).await?;
            }
        }
        tx.commit().await?;
        Ok::<_, switchboard_store::StoreError>(())
    }
    .await;
    match (&outcome, recorded) {
        (_, Err(e)) => tracing::warn!(job = job.id, error = %e, "cannot record a job's outcome"),
        (Err(e), Ok(())) if job.attempts >= job.max_attempts => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed for the last time");
        }
        (Err(e), Ok(())) => {
            tracing::debug!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed; will retry");
        }
        (Ok(()), Ok(())) => {}
    }
}

/// What an attempt needs to know of its job.
pub struct Attempt<'a> {
    pub payload: &'a Value,
    pub number: i32,
    pub last: bool,
}

async fn handle(ctx: &Ctx, job: &Job) -> Result<(), String> {
    let Json(payload) = &job.payload;
    let attempt = Attempt {
        payload,
        number: job.attempts,
        last: job.attempts >= job.max_attempts,
    };
    match job.kind.as_str() {
        crate::webhooks::EVENT_JOB => crate::webhooks::fan_out(ctx, &attempt).await,
        crate::webhooks::DELIVERY_JOB => crate::webhooks::deliver(ctx, &attempt).await,
        crate::mail::DELIVERY_JOB => crate::mail::deliver(ctx, &attempt).await,
        crate::automation::JOB => crate::automation::run(ctx, &attempt).await,
        crate::macros::JOB => crate::macros::run(ctx, &attempt).await,
        crate::schedules::JOB => crate::schedules::run_job(ctx, &attempt).await,
        other => Err(format!("unknown job kind {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let opts = WorkerOptions {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(100),
            ..WorkerOptions::default()
        };
        for (attempt, nominal) in [
            (1, 10.0),
            (2, 20.0),
            (3, 40.0),
            (4, 80.0),
            (5, 100.0),
            (40, 100.0),
        ] {
            let d = backoff(&opts, attempt).as_secs_f64();
            assert!(
                d >= nominal * 0.8 - 1e-9 && d <= nominal * 1.2 + 1e-9,
                "{attempt}: {d}"
            );
        }
    }
}
