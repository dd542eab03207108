//! `data_imports`: one row per contact CSV import, with its status and counts, as
//! Chatwoot records them.

use sqlx::FromRow;
use switchboard_domain::{AccountId, DataImportStatus, Timestamp};

use crate::{Ex, StoreResult, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct DataImport {
    pub id: i64,
    pub account_id: AccountId,
    pub data_type: String,
    pub status: i32,
    pub processing_errors: Option<String>,
    pub total_records: Option<i32>,
    pub processed_records: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, account_id, data_type, status, processing_errors, total_records, processed_records, \
         created_at, updated_at"
    };
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    data_type: &str,
    status: DataImportStatus,
    now: Timestamp,
) -> StoreResult<DataImport> {
    const SQL: &str = concat!(
        "INSERT INTO data_imports (account_id, data_type, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        data_type,
        status.value(),
        now
    )?)
}

/// Where an import stands: its status, the counts so far and the rows it rejected.
pub struct Progress<'a> {
    pub status: DataImportStatus,
    pub total_records: i32,
    pub processed_records: i32,
    pub processing_errors: Option<&'a str>,
}

pub async fn record(
    mut ex: Ex<'_>,
    id: i64,
    p: &Progress<'_>,
    now: Timestamp,
) -> StoreResult<DataImport> {
    const SQL: &str = concat!(
        "UPDATE data_imports SET status = $2, total_records = $3, processed_records = $4, \
         processing_errors = $5, updated_at = $6 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        id,
        p.status.value(),
        p.total_records,
        p.processed_records,
        p.processing_errors,
        now
    )?)
}
