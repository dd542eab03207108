//! Recurring work (ARCHITECTURE.md §6): one row per schedule with the time of its next
//! run. A run is claimed by moving `next_run_at` on in one conditional `UPDATE`: of the
//! workers that see it due at once, exactly one changes the row (on PostgreSQL the others
//! wait on the row lock and then find it no longer due; on SQLite writes are serial), and
//! the winner enqueues the run's job in the same transaction.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::{Ex, Json, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Schedule {
    pub name: String,
    pub next_run_at: Timestamp,
    pub last_run_at: Option<Timestamp>,
}

/// Adds a schedule unless it exists, first due at `first_run`.
pub async fn ensure(mut ex: Ex<'_>, name: &str, first_run: Timestamp) -> StoreResult<()> {
    exec!(
        ex.re(),
        "INSERT INTO schedules (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        first_run
    )?;
    Ok(())
}

/// Every schedule, by name.
pub async fn list(mut ex: Ex<'_>) -> StoreResult<Vec<Schedule>> {
    Ok(fetch!(
        all,
        ex.re(),
        "SELECT name, next_run_at, last_run_at FROM schedules ORDER BY name"
    )?)
}

/// Claims the run of `name` due at or before `now`, setting the next one at `next`;
/// `false` when it is not due (or another worker just claimed it).
pub async fn claim(
    mut ex: Ex<'_>,
    name: &str,
    now: Timestamp,
    next: Timestamp,
) -> StoreResult<bool> {
    let n = exec!(
        ex.re(),
        "UPDATE schedules SET next_run_at = $3, last_run_at = $2 WHERE name = $1 AND next_run_at <= $2",
        name,
        now,
        next
    )?;
    Ok(n > 0)
}

/// Snoozed conversations whose snooze has ended by `now`, oldest first: (account,
/// display id).
pub async fn snoozed_due(
    mut ex: Ex<'_>,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<(AccountId, i64)>> {
    Ok(fetch!(
        all,
        ex.re(),
        "SELECT account_id, display_id FROM conversations \
         WHERE status = 3 AND snoozed_until IS NOT NULL AND snoozed_until <= $1 \
         ORDER BY snoozed_until, id LIMIT $2",
        now,
        limit
    )?)
}

/// Accounts with auto-resolve on, and their settings (`auto_resolve_after` in minutes,
/// `auto_resolve_message`, `auto_resolve_ignore_waiting`, `auto_resolve_label`).
pub async fn auto_resolve_accounts(mut ex: Ex<'_>) -> StoreResult<Vec<(AccountId, Json<Value>)>> {
    Ok(fetch!(
        all,
        ex.re(),
        "SELECT id, settings FROM accounts WHERE settings ->> 'auto_resolve_after' IS NOT NULL \
         AND COALESCE(status, 0) = 0 ORDER BY id"
    )?)
}

/// Open conversations of `account` with no activity since `before` (and, with
/// `ignore_waiting`, none waiting for an answer), by display id, at most `limit`, as
/// Chatwoot's `resolvable_all` / `resolvable_not_waiting` scopes (minus orphans whose
/// contact is gone).
pub async fn idle_open(
    mut ex: Ex<'_>,
    account: AccountId,
    before: Timestamp,
    ignore_waiting: bool,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(scalar!(
        all,
        ex.re(),
        "SELECT display_id FROM conversations WHERE account_id = $1 AND status = 0 \
         AND last_activity_at < $2 AND contact_id IS NOT NULL AND ($3 = FALSE OR waiting_since IS NULL) \
         ORDER BY last_activity_at, id LIMIT $4",
        account,
        before,
        ignore_waiting,
        limit
    )?)
}

/// Housekeeping: dead jobs last touched before `before` (finished ones are deleted as they
/// finish).
pub async fn delete_dead_jobs(mut ex: Ex<'_>, before: Timestamp) -> StoreResult<u64> {
    Ok(exec!(
        ex.re(),
        "DELETE FROM jobs WHERE status = 3 AND updated_at < $1",
        before
    )?)
}

/// Housekeeping: webhook delivery rows that finished (delivered 1 or failed 3) before
/// `before`, so the delivery log stays readable.
pub async fn delete_old_deliveries(mut ex: Ex<'_>, before: Timestamp) -> StoreResult<u64> {
    Ok(exec!(
        ex.re(),
        "DELETE FROM webhook_deliveries WHERE status IN (1, 3) AND updated_at < $1",
        before
    )?)
}
