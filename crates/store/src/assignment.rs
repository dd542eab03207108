//! Auto-assignment's shared state: the round-robin order of an inbox's members and the
//! open conversations each one holds there. Every web and worker process reads and moves
//! the same rows, under a per-inbox lock, so turns stay fair across processes.
//!
//! The lock is the one dialect-specific statement: on PostgreSQL the inbox row is locked
//! `FOR NO KEY UPDATE` (which does not conflict with the key-share locks that inserting
//! conversations take, so two creations in one inbox queue up rather than deadlock); on
//! SQLite the write transaction (`BEGIN IMMEDIATE`) already excludes every other writer.

use switchboard_domain::UserId;

use crate::{Backend, Ex, StoreResult, exec, fetch, scalar};

/// Holds the inbox's assignment lock until the transaction ends.
pub async fn lock_inbox(mut ex: Ex<'_>, inbox: i64) -> StoreResult<()> {
    if ex.backend() == Backend::Postgres {
        exec!(
            ex.re(),
            "SELECT id FROM inboxes WHERE id = $1 FOR NO KEY UPDATE",
            inbox
        )?;
    }
    Ok(())
}

/// The inbox's members in round-robin order: whoever's last turn is oldest first (a
/// member who never had one first of all), then by membership age, as Chatwoot's queue
/// starts out.
pub async fn queue(mut ex: Ex<'_>, inbox: i64) -> StoreResult<Vec<UserId>> {
    const SQL: &str = "SELECT m.user_id FROM inbox_members m \
         LEFT JOIN round_robin_turns t ON t.inbox_id = m.inbox_id AND t.user_id = m.user_id \
         WHERE m.inbox_id = $1 ORDER BY COALESCE(t.turn, 0), m.id";
    Ok(scalar!(all, ex.re(), SQL, inbox)?)
}

/// Moves `user` to the back of the inbox's queue.
pub async fn take_turn(mut ex: Ex<'_>, inbox: i64, user: UserId) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO round_robin_turns (inbox_id, user_id, turn) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(turn), 0) + 1 FROM round_robin_turns WHERE inbox_id = $1)) \
         ON CONFLICT (inbox_id, user_id) DO UPDATE SET turn = excluded.turn";
    exec!(ex.re(), SQL, inbox, user)?;
    Ok(())
}

/// How many open conversations of the inbox each assignee holds.
pub async fn open_counts(mut ex: Ex<'_>, inbox: i64) -> StoreResult<Vec<(UserId, i64)>> {
    const SQL: &str = "SELECT assignee_id, COUNT(*) FROM conversations \
         WHERE inbox_id = $1 AND status = 0 AND assignee_id IS NOT NULL GROUP BY assignee_id";
    Ok(fetch!(all, ex.re(), SQL, inbox)?)
}
