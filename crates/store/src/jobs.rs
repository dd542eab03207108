//! The job queue (ARCHITECTURE.md §6). A job is enqueued in the transaction of the
//! change that causes it, so it exists exactly when the change does; a worker claims it
//! with a lease, and a job whose lease runs out (its worker died) is claimed again.
//! Delivery is at least once.
//!
//! The claim is the one statement that differs between the databases: PostgreSQL skips
//! rows other workers hold (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, and the
//! claim runs in its `BEGIN IMMEDIATE` transaction, so two claims never overlap.

use std::sync::LazyLock;

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::Timestamp;
use tokio::sync::Notify;

use crate::{Backend, Db, Ex, Json, StoreResult, exec, fetch, scalar};

pub const QUEUED: i32 = 0;
pub const RUNNING: i32 = 1;
pub const DEAD: i32 = 3;

/// The channel that PostgreSQL `NOTIFY`s on commit of a transaction that enqueued.
pub const CHANNEL: &str = "switchboard_jobs";

/// Wakes this process's workers when a job is enqueued. On SQLite the worker's claim
/// then waits for the single writer, that is for the enqueuing transaction to end; on
/// PostgreSQL the `NOTIFY` sent at commit wakes every worker process.
pub static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

#[derive(Clone, Debug, FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Json<Value>,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// A job row as stored, for inspection.
#[derive(Clone, Debug, FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub status: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
}

/// On PostgreSQL, a task that turns `NOTIFY`s from other processes into wake-ups.
pub fn spawn_listener(db: &Db) -> Option<tokio::task::JoinHandle<()>> {
    let Db::Pg(pool) = db else { return None };
    let pool = pool.clone();
    Some(tokio::spawn(async move {
        loop {
            let listened = async {
                let mut l = sqlx::postgres::PgListener::connect_with(&pool).await?;
                l.listen(CHANNEL).await?;
                loop {
                    l.recv().await?;
                    WAKE.notify_one();
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            }
            .await;
            if let Err(e) = listened {
                tracing::debug!(error = %e, "job listener lost; polling until it is back");
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }))
}

/// Adds a job, to run from `run_at`, inside the caller's transaction.
pub async fn enqueue(
    mut ex: Ex<'_>,
    kind: &str,
    payload: &Value,
    max_attempts: i32,
    run_at: Timestamp,
) -> StoreResult<i64> {
    let now = Timestamp::now();
    let id: i64 = scalar!(
        one,
        ex.re(),
        "INSERT INTO jobs (kind, payload, max_attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        kind,
        Json(payload),
        max_attempts,
        run_at,
        now
    )?;
    notify(ex).await?;
    Ok(id)
}

/// Wakes the workers: this process's at once, other processes' at commit.
pub async fn notify(mut ex: Ex<'_>) -> StoreResult<()> {
    if ex.backend() == Backend::Postgres {
        exec!(ex.re(), "SELECT pg_notify($1, '')", CHANNEL)?;
    }
    WAKE.notify_waiters();
    WAKE.notify_one();
    Ok(())
}

// Two index scans on (status, run_at), not one scan of an `OR` that the planner answers
// by reading and sorting the whole queue: with a backlog of 10,000 jobs that cost a few
// milliseconds per claim and capped a worker near 200 jobs a second. Jobs whose lease ran
// out come first (they are few, and must not starve behind a backlog).
const CLAIM_PG: &str = "WITH expired AS (SELECT id FROM jobs WHERE status = 1 AND locked_until < $1 \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED), \
     due AS (SELECT id FROM jobs WHERE status = 0 AND run_at <= $1 \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     UPDATE jobs SET status = 1, attempts = attempts + 1, locked_until = $2, \
     locked_by = $3, updated_at = $1 \
     WHERE id IN (SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) AS c LIMIT $4) \
     RETURNING id, kind, payload, attempts, max_attempts";

const CLAIM_SQLITE: &str = "WITH expired AS (SELECT id FROM jobs WHERE status = 1 AND locked_until < $1 \
       ORDER BY run_at LIMIT $4), \
     due AS (SELECT id FROM jobs WHERE status = 0 AND run_at <= $1 ORDER BY run_at LIMIT $4) \
     UPDATE jobs SET status = 1, attempts = attempts + 1, locked_until = $2, \
     locked_by = $3, updated_at = $1 \
     WHERE id IN (SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) LIMIT $4) \
     RETURNING id, kind, payload, attempts, max_attempts";

/// Takes up to `limit` due jobs (and jobs whose lease ran out) for `worker`, leased
/// until `lease_until`.
pub async fn claim(
    db: &Db,
    worker: &str,
    limit: i64,
    now: Timestamp,
    lease_until: Timestamp,
) -> StoreResult<Vec<Job>> {
    let mut tx = db.begin().await?;
    let sql = match db.backend() {
        Backend::Postgres => CLAIM_PG,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let jobs: Vec<Job> = fetch!(all, tx.ex(), sql, now, lease_until, worker, limit)?;
    tx.commit().await?;
    Ok(jobs)
}

/// When the next queued job falls due, if any: an idle worker sleeps until then rather
/// than a whole poll interval, so short retries happen on time.
pub async fn next_due(db: &Db) -> StoreResult<Option<Timestamp>> {
    let mut conn = db.conn().await?;
    Ok(scalar!(
        one,
        conn.ex(),
        "SELECT MIN(run_at) FROM jobs WHERE status = 0"
    )?)
}

/// A finished job leaves the queue.
pub async fn complete(mut ex: Ex<'_>, id: i64, worker: &str) -> StoreResult<()> {
    exec!(
        ex.re(),
        "DELETE FROM jobs WHERE id = $1 AND locked_by = $2",
        id,
        worker
    )?;
    Ok(())
}

/// A failed attempt: back to the queue at `retry_at`, or dead when it was the last.
pub async fn fail(
    mut ex: Ex<'_>,
    job: &Job,
    worker: &str,
    error: &str,
    retry_at: Timestamp,
) -> StoreResult<()> {
    let status = if job.attempts >= job.max_attempts {
        DEAD
    } else {
        QUEUED
    };
    exec!(
        ex.re(),
        "UPDATE jobs SET status = $3, run_at = $4, last_error = $5, locked_until = NULL, \
         locked_by = NULL, updated_at = $6 WHERE id = $1 AND locked_by = $2",
        job.id,
        worker,
        status,
        retry_at,
        error,
        Timestamp::now()
    )?;
    Ok(())
}

/// Gives back the jobs `worker` still holds (at shutdown), without counting the attempt.
pub async fn release(mut ex: Ex<'_>, worker: &str) -> StoreResult<u64> {
    Ok(exec!(
        ex.re(),
        "UPDATE jobs SET status = 0, attempts = attempts - 1, locked_until = NULL, \
         locked_by = NULL, updated_at = $2 WHERE locked_by = $1 AND status = 1",
        worker,
        Timestamp::now()
    )?)
}

/// Every job of a kind, oldest first (for tests and operators).
pub async fn list(mut ex: Ex<'_>, kind: &str) -> StoreResult<Vec<JobRow>> {
    Ok(fetch!(
        all,
        ex.re(),
        "SELECT id, kind, status, attempts, max_attempts, run_at, last_error FROM jobs \
         WHERE kind = $1 ORDER BY id",
        kind
    )?)
}

/// The queue at a glance, per kind and status, for `/metrics`.
#[derive(Clone, Debug, FromRow)]
pub struct QueueStat {
    pub kind: String,
    pub status: i32,
    pub count: i64,
    /// The earliest `run_at` among queued jobs already due at `now` (how long the queue
    /// has kept a job waiting); None when none is due.
    pub oldest_due: Option<Timestamp>,
}

/// Counts jobs by kind and status. One scan of a table that holds only pending and dead
/// jobs (finished ones are deleted), once per scrape.
pub async fn stats(db: &Db, now: Timestamp) -> StoreResult<Vec<QueueStat>> {
    let mut conn = db.conn().await?;
    Ok(fetch!(
        all,
        conn.ex(),
        "SELECT kind, status, COUNT(*) AS count, \
         MIN(CASE WHEN status = 0 AND run_at <= $1 THEN run_at END) AS oldest_due \
         FROM jobs GROUP BY kind, status ORDER BY kind, status",
        now
    )?)
}
