//! Counts the statements a unit of work sends (one HTTP request, say), so that "a list
//! costs a fixed number of queries" can be shown by a test and seen in production.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static QUERIES: Cell<u64>;
}

/// Called by every query helper of this crate.
pub fn tick() {
    let _ = QUERIES.try_with(|c| c.set(c.get() + 1));
}

/// Runs `f`, returning its output and the number of statements it sent.
pub async fn counted<F: Future>(f: F) -> (F::Output, u64) {
    QUERIES
        .scope(Cell::new(0), async move {
            let out = f.await;
            (out, QUERIES.with(Cell::get))
        })
        .await
}
