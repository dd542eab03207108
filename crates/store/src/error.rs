use switchboard_domain::Error;

/// What the storage layer can report. Unique-constraint failures carry the index or
/// column that failed, so callers can turn them into the right validation message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("row not found")]
    NotFound,
    #[error("unique constraint failed: {0}")]
    Conflict(String),
    #[error(transparent)]
    Database(sqlx::Error),
    /// What this database cannot do (said to an operator as it is).
    #[error("{0}")]
    Unsupported(&'static str),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                // PostgreSQL names the index; SQLite names the columns in its message.
                let what = db
                    .constraint()
                    .map_or_else(|| db.message().to_string(), str::to_string);
                StoreError::Conflict(what)
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict(what) => {
                tracing::debug!(constraint = %what, "unique constraint");
                Error::Unprocessable("Record is not unique".into())
            }
            other => Error::Internal(other.into()),
        }
    }
}
