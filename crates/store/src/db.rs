use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::{StoreError, StoreResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One connection pool's use.
#[derive(Clone, Debug)]
pub struct PoolStat {
    pub name: &'static str,
    /// Connections open now, busy or idle.
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Pool sizes and timeouts.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub max_connections: u32,
    pub statement_timeout: Option<Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            statement_timeout: None,
        }
    }
}

/// The database. SQLite gets one writer connection (SQLite serialises writers anyway;
/// one connection avoids SQLITE_BUSY) and a small pool of readers, which WAL lets run
/// beside the writer.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Pg(PgPool),
}

/// A pooled connection for reads outside a transaction.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Pg(PoolConnection<Postgres>),
}

/// A write transaction (`BEGIN IMMEDIATE` on SQLite, so it holds the write lock from
/// the start and never fails to upgrade halfway).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// What every query function takes: a borrowed connection of either backend, from a
/// `Conn` or a `Tx`. Queries are written once and compiled for both.
pub enum Ex<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

impl Ex<'_> {
    /// A shorter borrow, so one function can run several queries on the same executor.
    pub fn re(&mut self) -> Ex<'_> {
        match self {
            Ex::Sqlite(c) => Ex::Sqlite(c),
            Ex::Pg(c) => Ex::Pg(c),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Ex::Sqlite(_) => Backend::Sqlite,
            Ex::Pg(_) => Backend::Postgres,
        }
    }
}

/// Runs one query expression on whichever backend `ex` holds; the body is compiled once
/// per backend with `$e` bound to that backend's connection.
#[macro_export]
macro_rules! on_db {
    ($ex:expr, |$e:ident| $body:expr) => {
        match $ex {
            $crate::Ex::Sqlite($e) => $body,
            $crate::Ex::Pg($e) => $body,
        }
    };
}

/// Runs a statement on either backend; evaluates to the number of rows it touched.
#[macro_export]
macro_rules! exec {
    ($ex:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        $crate::query_count::tick();
        match $ex {
            $crate::Ex::Sqlite(e) => sqlx::query($sql)$(.bind($bind))*.execute(e).await.map(|r| r.rows_affected()),
            $crate::Ex::Pg(e) => sqlx::query($sql)$(.bind($bind))*.execute(e).await.map(|r| r.rows_affected()),
        }
    }};
}

/// Fetches rows (`one`, `optional` or `all`) decoded with `FromRow`, on either backend.
#[macro_export]
macro_rules! fetch {
    ($how:ident, $ex:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        $crate::query_count::tick();
        $crate::on_db!($ex, |e| $crate::fetch!(@$how sqlx::query_as($sql)$(.bind($bind))*, e))
    }};
    (@one $q:expr, $e:ident) => { $q.fetch_one($e).await };
    (@optional $q:expr, $e:ident) => { $q.fetch_optional($e).await };
    (@all $q:expr, $e:ident) => { $q.fetch_all($e).await };
}

/// Fetches a single column (`one` or `optional`), on either backend.
#[macro_export]
macro_rules! scalar {
    ($how:ident, $ex:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        $crate::query_count::tick();
        $crate::on_db!($ex, |e| $crate::fetch!(@$how sqlx::query_scalar($sql)$(.bind($bind))*, e))
    }};
}

impl Conn {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Pg(c) => Ex::Pg(c),
        }
    }
}

impl Tx {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(t) => Ex::Sqlite(t),
            Tx::Pg(t) => Ex::Pg(t),
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Db {
    /// Opens (creating if needed) the SQLite file at `path`.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Db> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        Self::sqlite_pools(options).await
    }

    async fn sqlite_pools(options: SqliteConnectOptions) -> StoreResult<Db> {
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        // Readers open lazily and close when idle, so an idle server holds one
        // connection and little memory.
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Db::Sqlite { writer, reader })
    }

    pub async fn connect_postgres(url: &str, opts: &DbOptions) -> StoreResult<Db> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(t) = opts.statement_timeout {
            options = options.options([("statement_timeout", t.as_millis().to_string())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Pg(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Creates or upgrades the schema. On PostgreSQL sqlx holds an advisory lock while
    /// it migrates, so processes starting together migrate once.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Db::Pg(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// A connection for reads.
    pub async fn conn(&self) -> StoreResult<Conn> {
        Ok(match self {
            Db::Sqlite { reader, .. } => Conn::Sqlite(reader.acquire().await?),
            Db::Pg(pool) => Conn::Pg(pool.acquire().await?),
        })
    }

    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(pool) => Tx::Pg(pool.begin().await?),
        })
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        exec!(conn.ex(), "SELECT 1")?;
        Ok(())
    }

    /// Each pool's connections now, for `/metrics`.
    pub fn pool_stats(&self) -> Vec<PoolStat> {
        fn stat<D: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<D>) -> PoolStat {
            PoolStat {
                name,
                size: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match self {
            Db::Sqlite { writer, reader } => vec![stat("writer", writer), stat("reader", reader)],
            Db::Pg(pool) => vec![stat("main", pool)],
        }
    }

    /// Writes a consistent copy of the SQLite database to `path` while the server keeps
    /// running (`VACUUM INTO`, from a reader connection, so writers are not held up).
    /// The copy is compacted and needs no WAL file beside it.
    pub async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        match self {
            Db::Sqlite { reader, .. } => {
                let target = path.to_string_lossy().into_owned();
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(reader)
                    .await?;
                Ok(())
            }
            Db::Pg(_) => Err(StoreError::Unsupported(
                "PostgreSQL is backed up with its own tools (pg_dump, or CloudNativePG's backups); see docs/operations.md",
            )),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Pg(pool) => pool.close().await,
        }
    }
}
