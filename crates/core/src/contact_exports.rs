//! Contact CSV exports (`POST /contacts/export`), with the columns and rows of Chatwoot's
//! Account::ContactsExportJob: the requested `column_names` that are columns of
//! `contacts` (default `id, name, email, phone_number`), over the resolved contacts, the
//! result of a filter `payload`, or the contacts carrying `label`.
//!
//! Chatwoot builds the file in a job and mails a link to it; with neither jobs nor mail
//! yet, the file is built during the request and returned (see docs/api-compatibility.md).

use serde_json::Value;
use switchboard_domain::{AccountId, ContactType, Result};
use switchboard_store::accounts;
use switchboard_store::contacts::{self, COLUMN_NAMES, ContactRow};
use switchboard_store::users::User;
use time::macros::format_description;

use crate::Ctx;
use crate::auth::administrator;
use crate::filters::{self, Model, RawCondition};

const DEFAULT_COLUMNS: [&str; 4] = ["id", "name", "email", "phone_number"];

/// What to export.
#[derive(Default)]
pub struct ExportQuery {
    pub column_names: Vec<String>,
    pub payload: Vec<RawCondition>,
    pub label: Option<String>,
}

/// A finished CSV file.
pub struct Export {
    pub filename: String,
    pub csv: Vec<u8>,
}

/// The requested columns that exist, in the requested order without repeats (Ruby's `&`).
fn headers(requested: &[String]) -> Vec<&'static str> {
    let wanted: Vec<&str> = if requested.is_empty() {
        DEFAULT_COLUMNS.to_vec()
    } else {
        requested.iter().map(String::as_str).collect()
    };
    let mut out: Vec<&'static str> = Vec::new();
    for w in wanted {
        if let Some(c) = COLUMN_NAMES.iter().find(|c| **c == w)
            && !out.contains(c)
        {
            out.push(c);
        }
    }
    out
}

/// A cell as Rails prints the attribute: times as `2025-01-19 10:15:30 UTC`, enums by
/// name, nothing for null. JSON columns are written as JSON (Ruby would print its hash
/// syntax, which nothing can read back).
fn cell(row: &ContactRow, column: &str) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |t: Option<switchboard_domain::Timestamp>| {
        t.and_then(|t| {
            t.datetime()
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .ok()
        })
        .unwrap_or_default()
    };
    let json = |v: &Option<switchboard_store::Json<Value>>| {
        v.as_ref().map(|j| j.0.to_string()).unwrap_or_default()
    };
    match column {
        "id" => row.id.to_string(),
        "name" => text(&row.name),
        "email" => text(&row.email),
        "phone_number" => text(&row.phone_number),
        "account_id" => row.account_id.0.to_string(),
        "created_at" => time(Some(row.created_at)),
        "updated_at" => time(Some(row.updated_at)),
        "additional_attributes" => json(&row.additional_attributes),
        "identifier" => text(&row.identifier),
        "custom_attributes" => json(&row.custom_attributes),
        "last_activity_at" => time(row.last_activity_at),
        "contact_type" => row
            .contact_type
            .and_then(ContactType::from_value)
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        "middle_name" => text(&row.middle_name),
        "last_name" => text(&row.last_name),
        "location" => text(&row.location),
        "country_code" => text(&row.country_code),
        "blocked" => row.blocked.to_string(),
        "company_id" => row.company_id.map(|c| c.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// Chatwoot names the file `<account name>_<account id>_contacts.csv`; the name is kept
/// to characters that are safe in a header and a file system.
fn filename(account_name: &str, account: AccountId) -> String {
    let name: String = account_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}_{}_contacts.csv", account.0)
}

/// Administrators only, as in Chatwoot.
pub async fn export_contacts(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    q: ExportQuery,
) -> Result<Export> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let (conditions, labels) = if !q.payload.is_empty() {
        (
            filters::conditions(conn.ex(), account, Model::Contact, &q.payload).await?,
            Vec::new(),
        )
    } else {
        let labels = q
            .label
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        (Vec::new(), labels)
    };
    let rows = contacts::export(conn.ex(), account, &conditions, &labels).await?;
    let name = accounts::find(conn.ex(), account).await?.name;
    let columns = headers(&q.column_names);
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| switchboard_domain::Error::Internal(e.into());
    w.write_record(&columns).map_err(io)?;
    for row in &rows {
        w.write_record(columns.iter().map(|c| cell(row, c)))
            .map_err(io)?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| switchboard_domain::Error::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Export {
        filename: filename(&name, account),
        csv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_columns_in_the_order_asked() {
        let asked = ["email", "password", "id", "email"].map(String::from);
        assert_eq!(headers(&asked), vec!["email", "id"]);
        assert_eq!(headers(&[]), DEFAULT_COLUMNS.to_vec());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            filename("Acme \"Inc\"\r\n", AccountId(7)),
            "Acme__Inc____7_contacts.csv"
        );
    }
}
