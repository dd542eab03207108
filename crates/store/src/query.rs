//! Queries assembled at run time (filters, sorting, IN lists): the text comes only from
//! fixed fragments chosen from allowlists, and every value from a request is a bound
//! parameter. Chatwoot's filter SQL injections (CVE-2025-21628) are the warning.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow};
use switchboard_domain::Timestamp;

use crate::{Ex, StoreResult};

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub enum Arg {
    Int(i64),
    Text(String),
    Bool(bool),
    Time(Timestamp),
}

/// SQL text with `$n` placeholders and their values.
#[derive(Clone, Debug, Default)]
pub struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends fixed SQL. Only `'static` text, so request data cannot end up here.
    pub fn push(&mut self, sql: &'static str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(p1, p2, …)`; an empty list becomes `(NULL)`, which matches nothing.
    pub fn bind_list(&mut self, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.sql.push('(');
        let mut any = false;
        for (i, a) in args.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(a);
            any = true;
        }
        if !any {
            self.sql.push_str("NULL");
        }
        self.sql.push(')');
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

macro_rules! bound {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Bool(v) => q.bind(*v),
                Arg::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

pub async fn fetch_all<T>(ex: Ex<'_>, q: &Query) -> StoreResult<Vec<T>>
where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    crate::query_count::tick();
    let sql = AssertSqlSafe(q.sql.clone());
    Ok(match ex {
        Ex::Sqlite(e) => {
            bound!(sqlx::query_as::<_, T>(sql), &q.args)
                .fetch_all(e)
                .await?
        }
        Ex::Pg(e) => {
            bound!(sqlx::query_as::<_, T>(sql), &q.args)
                .fetch_all(e)
                .await?
        }
    })
}

pub async fn fetch_count(ex: Ex<'_>, q: &Query) -> StoreResult<i64> {
    crate::query_count::tick();
    let sql = AssertSqlSafe(q.sql.clone());
    Ok(match ex {
        Ex::Sqlite(e) => {
            bound!(sqlx::query_scalar::<_, i64>(sql), &q.args)
                .fetch_one(e)
                .await?
        }
        Ex::Pg(e) => {
            bound!(sqlx::query_scalar::<_, i64>(sql), &q.args)
                .fetch_one(e)
                .await?
        }
    })
}

/// Runs a built statement; the number of rows it touched.
pub async fn execute(ex: Ex<'_>, q: &Query) -> StoreResult<u64> {
    crate::query_count::tick();
    let sql = AssertSqlSafe(q.sql.clone());
    Ok(match ex {
        Ex::Sqlite(e) => bound!(sqlx::query(sql), &q.args)
            .execute(e)
            .await?
            .rows_affected(),
        Ex::Pg(e) => bound!(sqlx::query(sql), &q.args)
            .execute(e)
            .await?
            .rows_affected(),
    })
}

/// One integer column of every row.
pub async fn fetch_scalars(ex: Ex<'_>, q: &Query) -> StoreResult<Vec<i64>> {
    crate::query_count::tick();
    let sql = AssertSqlSafe(q.sql.clone());
    Ok(match ex {
        Ex::Sqlite(e) => {
            bound!(sqlx::query_scalar::<_, i64>(sql), &q.args)
                .fetch_all(e)
                .await?
        }
        Ex::Pg(e) => {
            bound!(sqlx::query_scalar::<_, i64>(sql), &q.args)
                .fetch_all(e)
                .await?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_and_values_never_inlined() {
        let mut q = Query::new("SELECT 1 FROM t WHERE a = ");
        q.bind(Arg::Text("'; DROP TABLE t; --".into()))
            .push(" AND b IN ")
            .bind_list([Arg::Int(1), Arg::Int(2)]);
        assert_eq!(q.sql(), "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3)");
        let mut empty = Query::new("x IN ");
        empty.bind_list([]);
        assert_eq!(empty.sql(), "x IN (NULL)");
    }
}
