//! Contact CSV imports (`POST /contacts/import`), as Chatwoot's DataImportJob and
//! DataImport::ContactManager read them: a header row; `name`, `email`, `phone_number`
//! and `identifier` fill those fields; `company` and `city` also go into
//! `additional_attributes`; every column but the first four is merged into
//! `custom_attributes`. A row updates the contact it matches by identifier, then email,
//! then phone number, or creates one; a row that fails validation is skipped and
//! counted.
//!
//! Chatwoot records the `data_imports` row and processes the file a minute later in a
//! background job. Until the jobs issue brings our job system, the file is processed
//! here, during the request, in batches of `BATCH` rows with one transaction each; the
//! row records the final status and counts. With the jobs issue this moves into a job
//! enqueued in the transaction that records the import (and the file into blob storage).

use serde_json::{Map, Value};
use switchboard_domain::{AccountId, DataImportStatus, Error, Result, Timestamp};
use switchboard_store::Tx;
use switchboard_store::contacts::{self, Contact};
use switchboard_store::data_imports::{self, DataImport, Progress};
use switchboard_store::users::User;

use crate::Ctx;
use crate::auth::administrator;
use crate::contacts::{
    ContactInput, apply_input, blank_fields, check_unique_in, fields_of, unique,
};

/// Chatwoot's `data_type` for contact imports.
pub const DATA_TYPE: &str = "contacts";
/// Rows per transaction, so a large file does not hold SQLite's write lock for long.
const BATCH: usize = 500;
/// How many rejected rows `processing_errors` describes.
const MAX_REPORTED: usize = 100;

/// The columns that are contact fields; every other one is a custom attribute.
const FIELDS: [&str; 4] = ["identifier", "email", "name", "phone_number"];

/// One CSV record: its line in the file and its non-blank cells by column name.
#[derive(Debug, PartialEq)]
struct Row {
    line: u64,
    cells: Vec<(String, String)>,
}

impl Row {
    fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(k, _)| k == column)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the whole file before anything is written, so a file that is not CSV imports
/// nothing. Bytes that are not UTF-8 are replaced, as Chatwoot drops them; a NUL byte
/// means a binary file (a spreadsheet, say), which Chatwoot's stricter parser rejects.
fn parse(bytes: &[u8]) -> std::result::Result<Vec<Row>, String> {
    if bytes.contains(&0) {
        return Err("the file is not text".into());
    }
    read(bytes).map_err(|e| e.to_string())
}

fn read(bytes: &[u8]) -> std::result::Result<Vec<Row>, csv::Error> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let cells: Vec<(String, String)> = headers
            .iter()
            .zip(record.iter())
            .filter(|(h, v)| !h.is_empty() && !v.is_empty())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        // A row with nothing in it is no contact (Chatwoot would save a blank one).
        if !cells.is_empty() {
            let line = record.position().map_or(0, csv::Position::line);
            rows.push(Row { line, cells });
        }
    }
    Ok(rows)
}

/// Chatwoot prepends the `+` that spreadsheets tend to drop.
fn phone(raw: &str) -> String {
    if raw.starts_with('+') {
        raw.to_string()
    } else {
        format!("+{raw}")
    }
}

fn input_of(row: &Row) -> ContactInput {
    let text = |k: &str| row.get(k).map(|v| Some(v.to_string()));
    let mut additional = Map::new();
    for key in ["company", "city"] {
        if let Some(v) = row.get(key) {
            additional.insert(key.to_string(), Value::String(v.to_string()));
        }
    }
    let custom: Map<String, Value> = row
        .cells
        .iter()
        .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    ContactInput {
        name: text("name"),
        email: text("email"),
        phone_number: row.get("phone_number").map(|p| Some(phone(p))),
        identifier: text("identifier"),
        blocked: None,
        additional_attributes: Some(additional),
        custom_attributes: Some(custom),
    }
}

/// The contact a row updates: by identifier, then email, then phone number.
async fn existing(tx: &mut Tx, account: AccountId, row: &Row) -> Result<Option<Contact>> {
    let keys = [
        ("identifier", row.get("identifier").map(str::to_string)),
        ("email", row.get("email").map(str::to_string)),
        ("phone_number", row.get("phone_number").map(phone)),
    ];
    for (column, value) in keys {
        if let Some(v) = value
            && let Some(c) = contacts::find_by_identity(tx.ex(), account, column, &v).await?
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Creates or updates the row's contact; a validation failure writes nothing.
async fn import_row(tx: &mut Tx, account: AccountId, row: &Row, now: Timestamp) -> Result<()> {
    let found = existing(tx, account, row).await?;
    let mut f = found.as_ref().map_or_else(blank_fields, fields_of);
    apply_input(&mut f, input_of(row))?;
    check_unique_in(tx, account, &f, found.as_ref().map(|c| c.id)).await?;
    match found {
        Some(c) => contacts::update(tx.ex(), account, c.id, &f, now).await,
        None => contacts::insert(tx.ex(), account, &f, now).await,
    }
    .map_err(unique)?;
    Ok(())
}

/// What happened so far, for the `data_imports` row.
#[derive(Default)]
struct Tally {
    processed: i32,
    rejected: Vec<String>,
}

impl Tally {
    fn progress(&self, status: DataImportStatus) -> (Progress<'static>, Option<String>) {
        let mut errors: Vec<String> = self.rejected.iter().take(MAX_REPORTED).cloned().collect();
        if self.rejected.len() > MAX_REPORTED {
            errors.push(format!("and {} more", self.rejected.len() - MAX_REPORTED));
        }
        let total = self.processed + i32::try_from(self.rejected.len()).unwrap_or(i32::MAX);
        (
            Progress {
                status,
                total_records: total,
                processed_records: self.processed,
                processing_errors: None,
            },
            (!errors.is_empty()).then(|| errors.join("\n")),
        )
    }
}

async fn record(
    ctx: &Ctx,
    id: i64,
    tally: &Tally,
    status: DataImportStatus,
    error: Option<String>,
) -> Result<DataImport> {
    let (mut p, errors) = tally.progress(status);
    let text = error.or(errors);
    p.processing_errors = text.as_deref();
    let mut tx = ctx.db.begin().await?;
    let row = data_imports::record(tx.ex(), id, &p, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(row)
}

/// Imports contacts from a CSV file (administrators only, as in Chatwoot). A missing or
/// empty file is Chatwoot's 422 "File is blank"; a file that is not CSV is recorded as
/// a failed import and answered with a 422.
pub async fn import_contacts(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    file: Option<&[u8]>,
) -> Result<DataImport> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let Some(bytes) = file.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) else {
        return Err(Error::Unprocessable("File is blank".into()));
    };
    let now = Timestamp::now();
    let import = data_imports::insert(
        tx.ex(),
        account,
        DATA_TYPE,
        DataImportStatus::Processing,
        now,
    )
    .await?;
    tx.commit().await?;

    let mut tally = Tally::default();
    let rows = match parse(bytes) {
        Ok(rows) => rows,
        Err(e) => {
            let message = format!("Invalid CSV file: {e}");
            record(
                ctx,
                import.id,
                &tally,
                DataImportStatus::Failed,
                Some(message.clone()),
            )
            .await?;
            return Err(Error::Unprocessable(message));
        }
    };
    for batch in rows.chunks(BATCH) {
        let mut tx = ctx.db.begin().await?;
        for row in batch {
            match import_row(&mut tx, account, row, now).await {
                Ok(()) => tally.processed += 1,
                Err(Error::Invalid { message, .. }) => {
                    tally.rejected.push(format!("line {}: {message}", row.line));
                }
                Err(e) => {
                    // The batch rolls back; earlier batches stay, and the row says so.
                    drop(tx);
                    let _ = record(ctx, import.id, &tally, DataImportStatus::Failed, None).await;
                    return Err(e);
                }
            }
        }
        tx.commit().await?;
    }
    record(ctx, import.id, &tally, DataImportStatus::Completed, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_non_blank_cells_by_header() {
        let rows = parse(
            b"\xef\xbb\xbfname,email, phone_number ,ip\nAnn, ann@x.io ,,1.2.3.4\n\n,,,\nBo,bo@x.io,4155550100\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("name"), Some("Ann"));
        assert_eq!(rows[0].get("email"), Some("ann@x.io"));
        assert_eq!(rows[0].get("phone_number"), None);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].get("phone_number"), Some("4155550100"));
        assert_eq!(rows[1].line, 5);
    }

    #[test]
    fn other_columns_become_custom_attributes() {
        let rows = parse(b"name,company,city,plan\nAnn,Acme,Berlin,pro\n").unwrap();
        let input = input_of(&rows[0]);
        let custom = input.custom_attributes.unwrap();
        assert_eq!(custom.len(), 3);
        assert_eq!(custom["company"], "Acme");
        let additional = input.additional_attributes.unwrap();
        assert_eq!(additional["city"], "Berlin");
        assert_eq!(phone("4155550100"), "+4155550100");
        assert_eq!(phone("+4155550100"), "+4155550100");
    }

    #[test]
    fn binary_files_are_refused_and_bad_utf8_is_replaced() {
        assert!(parse(b"PK\x03\x04\x00\x00").is_err());
        let rows = parse(b"name\nA\xffn\n").unwrap();
        assert_eq!(rows[0].get("name"), Some("A\u{fffd}n"));
    }
}
