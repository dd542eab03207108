//! Contacts, their per-inbox identities (`contact_inboxes`) and notes.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId};

use crate::query::{self, Arg, Query};
use crate::{Ex, Json, StoreError, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Contact {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub account_id: AccountId,
    pub additional_attributes: Option<Json<Value>>,
    pub identifier: Option<String>,
    pub custom_attributes: Option<Json<Value>>,
    pub last_activity_at: Option<Timestamp>,
    pub contact_type: Option<i32>,
    pub blocked: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, name, email, phone_number, account_id, additional_attributes, identifier, custom_attributes, \
         last_activity_at, contact_type, blocked, created_at, updated_at"
    };
}

/// The writable columns.
#[derive(Clone, Debug)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub additional_attributes: Value,
    pub custom_attributes: Value,
    pub blocked: bool,
    pub contact_type: i32,
    pub location: String,
    pub country_code: String,
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Contact> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

/// The contact of `account` holding `email`, `phone_number` or `identifier`, to report
/// which unique field a change would clash on.
pub async fn find_clash(
    mut ex: Ex<'_>,
    account: AccountId,
    column: &'static str,
    value: &str,
) -> StoreResult<Option<i64>> {
    const EMAIL: &str =
        "SELECT id FROM contacts WHERE account_id = $1 AND LOWER(email) = LOWER($2)";
    const PHONE: &str = "SELECT id FROM contacts WHERE account_id = $1 AND phone_number = $2";
    const IDENTIFIER: &str = "SELECT id FROM contacts WHERE account_id = $1 AND identifier = $2";
    let sql = match column {
        "email" => EMAIL,
        "phone_number" => PHONE,
        _ => IDENTIFIER,
    };
    Ok(scalar!(optional, ex.re(), sql, account, value)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    f: &ContactFields,
    now: Timestamp,
) -> StoreResult<Contact> {
    const SQL: &str = concat!(
        "INSERT INTO contacts (name, email, phone_number, account_id, additional_attributes, identifier, \
         custom_attributes, contact_type, blocked, location, country_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &f.name,
        &f.email,
        &f.phone_number,
        account,
        Json(&f.additional_attributes),
        &f.identifier,
        Json(&f.custom_attributes),
        f.contact_type,
        f.blocked,
        &f.location,
        &f.country_code,
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &ContactFields,
    now: Timestamp,
) -> StoreResult<Contact> {
    const SQL: &str = concat!(
        "UPDATE contacts SET name = $3, email = $4, phone_number = $5, additional_attributes = $6, identifier = $7, \
         custom_attributes = $8, contact_type = $9, blocked = $10, location = $11, country_code = $12, updated_at = $13 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        &f.name,
        &f.email,
        &f.phone_number,
        Json(&f.additional_attributes),
        &f.identifier,
        Json(&f.custom_attributes),
        f.contact_type,
        f.blocked,
        &f.location,
        &f.country_code,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM contacts WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// How a contact list is sorted: Chatwoot's keys, each ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Email,
    Name,
    PhoneNumber,
    LastActivityAt,
    CreatedAt,
    Company,
    City,
    Country,
}

impl SortKey {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "email" => Self::Email,
            "name" => Self::Name,
            "phone_number" => Self::PhoneNumber,
            "last_activity_at" => Self::LastActivityAt,
            "created_at" => Self::CreatedAt,
            "company" => Self::Company,
            "city" => Self::City,
            "country" => Self::Country,
            _ => return None,
        })
    }

    /// Fixed SQL per key and direction. Email and phone keep PostgreSQL's null order
    /// (last when ascending, first when descending) on both databases.
    fn sql(self, descending: bool) -> &'static str {
        match (self, descending) {
            (Self::Email, false) => "LOWER(email) ASC NULLS LAST",
            (Self::Email, true) => "LOWER(email) DESC NULLS FIRST",
            (Self::Name, false) => "LOWER(name) ASC",
            (Self::Name, true) => "LOWER(name) DESC",
            (Self::PhoneNumber, false) => "LOWER(phone_number) ASC NULLS LAST",
            (Self::PhoneNumber, true) => "LOWER(phone_number) DESC NULLS FIRST",
            (Self::LastActivityAt, false) => "last_activity_at ASC NULLS LAST",
            (Self::LastActivityAt, true) => "last_activity_at DESC NULLS LAST",
            (Self::CreatedAt, false) => "created_at ASC NULLS LAST",
            (Self::CreatedAt, true) => "created_at DESC NULLS LAST",
            (Self::Company, false) => "additional_attributes ->> 'company_name' ASC NULLS LAST",
            (Self::Company, true) => "additional_attributes ->> 'company_name' DESC NULLS LAST",
            (Self::City, false) => "additional_attributes ->> 'city' ASC NULLS LAST",
            (Self::City, true) => "additional_attributes ->> 'city' DESC NULLS LAST",
            (Self::Country, false) => "additional_attributes ->> 'country' ASC NULLS LAST",
            (Self::Country, true) => "additional_attributes ->> 'country' DESC NULLS LAST",
        }
    }
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Contacts with any of these labels (lower-cased).
    pub labels: Vec<String>,
    /// Search text, matched in name, email, phone, identifier and company.
    pub search: Option<String>,
    pub sort: Vec<(SortKey, bool)>,
    pub page: i64,
    pub per_page: i64,
    /// Only these contacts, whether resolved or not (the ones online, for
    /// `GET /contacts/active`, as Chatwoot's `active` action lists them).
    pub only: Option<Vec<i64>>,
}

fn where_clause(q: &mut Query, account: AccountId, l: &ListQuery) {
    q.bind(Arg::Int(account.0));
    if let Some(ids) = &l.only {
        q.push(" AND id IN ");
        q.bind_list(ids.iter().map(|id| Arg::Int(*id)));
    } else {
        // Chatwoot lists only "resolved" contacts: those with an email, phone or identifier.
        q.push(
            " AND (COALESCE(email, '') <> '' OR COALESCE(phone_number, '') <> '' OR COALESCE(identifier, '') <> '')",
        );
    }
    if !l.labels.is_empty() {
        q.push(
            " AND id IN (SELECT g.taggable_id FROM taggings g JOIN tags t ON t.id = g.tag_id \
             WHERE g.taggable_type = 'Contact' AND g.context = 'labels' AND LOWER(t.name) IN ",
        );
        q.bind_list(l.labels.iter().map(|s| Arg::Text(s.to_lowercase())));
        q.push(")");
    }
    if let Some(s) = l.search.as_deref() {
        let p = Arg::Text(crate::like_pattern(s));
        q.push(" AND (LOWER(name) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\'");
        q.push(" OR LOWER(email) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\'");
        q.push(" OR LOWER(phone_number) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\'");
        q.push(" OR LOWER(identifier) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\'");
        q.push(" OR LOWER(additional_attributes ->> 'company_name') LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
}

/// One page of contacts and the total count, in two queries.
pub async fn list(
    mut ex: Ex<'_>,
    account: AccountId,
    l: &ListQuery,
) -> StoreResult<(Vec<Contact>, i64)> {
    let mut count = Query::new("SELECT COUNT(*) FROM contacts WHERE account_id = ");
    where_clause(&mut count, account, l);
    let total = query::fetch_count(ex.re(), &count).await?;

    let mut page = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = "
    ));
    where_clause(&mut page, account, l);
    page.push(" ORDER BY ");
    for (key, descending) in &l.sort {
        page.push(key.sql(*descending)).push(", ");
    }
    // A stable order for equal keys, and `id` order when none is asked for.
    page.push("id ASC LIMIT ")
        .bind(Arg::Int(l.per_page))
        .push(" OFFSET ")
        .bind(Arg::Int((l.page - 1).max(0) * l.per_page));
    let rows = query::fetch_all(ex.re(), &page).await?;
    Ok((rows, total))
}

#[derive(Clone, Debug, FromRow)]
pub struct ContactInbox {
    pub id: i64,
    pub contact_id: i64,
    pub inbox_id: i64,
    pub source_id: String,
    pub hmac_verified: Option<bool>,
    pub pubsub_token: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! ci_columns {
    () => {
        "id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at"
    };
}

/// The contact inboxes of `contacts`, in creation order.
pub async fn contact_inboxes(ex: Ex<'_>, contacts: &[i64]) -> StoreResult<Vec<ContactInbox>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        ci_columns!(),
        " FROM contact_inboxes WHERE contact_id IN "
    ));
    q.bind_list(contacts.iter().map(|id| Arg::Int(*id)))
        .push(" ORDER BY id");
    query::fetch_all(ex, &q).await
}

pub async fn find_contact_inbox(
    mut ex: Ex<'_>,
    inbox: i64,
    source_id: &str,
) -> StoreResult<Option<ContactInbox>> {
    const SQL: &str = concat!(
        "SELECT ",
        ci_columns!(),
        " FROM contact_inboxes WHERE inbox_id = $1 AND source_id = $2"
    );
    Ok(fetch!(optional, ex.re(), SQL, inbox, source_id)?)
}

pub async fn insert_contact_inbox(
    mut ex: Ex<'_>,
    contact: i64,
    inbox: i64,
    source_id: &str,
    hmac_verified: bool,
    pubsub_token: &str,
    now: Timestamp,
) -> StoreResult<ContactInbox> {
    const SQL: &str = concat!(
        "INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ",
        ci_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        contact,
        inbox,
        source_id,
        hmac_verified,
        pubsub_token,
        now
    )?)
}

/// Moves everything of `from` that belongs to a contact onto `to` (a merge).
/// Moves everything of contact `from` to contact `to` (a merge): identities, notes,
/// conversations and the messages it wrote, so deleting `from` afterwards loses nothing.
pub async fn reassign(mut ex: Ex<'_>, from: i64, to: i64) -> StoreResult<()> {
    const INBOXES: &str = "UPDATE contact_inboxes SET contact_id = $2 WHERE contact_id = $1";
    const NOTES: &str = "UPDATE notes SET contact_id = $2 WHERE contact_id = $1";
    const CONVERSATIONS: &str = "UPDATE conversations SET contact_id = $2 WHERE contact_id = $1";
    const MESSAGES: &str =
        "UPDATE messages SET sender_id = $2 WHERE sender_type = 'Contact' AND sender_id = $1";
    exec!(ex.re(), INBOXES, from, to)?;
    exec!(ex.re(), NOTES, from, to)?;
    exec!(ex.re(), CONVERSATIONS, from, to)?;
    exec!(ex.re(), MESSAGES, from, to)?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct Note {
    pub id: i64,
    pub content: String,
    pub account_id: AccountId,
    pub contact_id: i64,
    pub user_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! note_columns {
    () => {
        "id, content, account_id, contact_id, user_id, created_at, updated_at"
    };
}

pub async fn notes(mut ex: Ex<'_>, account: AccountId, contact: i64) -> StoreResult<Vec<Note>> {
    const SQL: &str = concat!(
        "SELECT ",
        note_columns!(),
        " FROM notes WHERE account_id = $1 AND contact_id = $2 ORDER BY created_at DESC, id DESC"
    );
    Ok(fetch!(all, ex.re(), SQL, account, contact)?)
}

pub async fn find_note(
    mut ex: Ex<'_>,
    account: AccountId,
    contact: i64,
    id: i64,
) -> StoreResult<Note> {
    const SQL: &str = concat!(
        "SELECT ",
        note_columns!(),
        " FROM notes WHERE account_id = $1 AND contact_id = $2 AND id = $3"
    );
    Ok(fetch!(one, ex.re(), SQL, account, contact, id)?)
}

pub async fn insert_note(
    mut ex: Ex<'_>,
    account: AccountId,
    contact: i64,
    user: UserId,
    content: &str,
    now: Timestamp,
) -> StoreResult<Note> {
    const SQL: &str = concat!(
        "INSERT INTO notes (content, account_id, contact_id, user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
        note_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        content,
        account,
        contact,
        user,
        now
    )?)
}

pub async fn update_note(
    mut ex: Ex<'_>,
    note: &Note,
    content: &str,
    now: Timestamp,
) -> StoreResult<Note> {
    const SQL: &str = concat!(
        "UPDATE notes SET content = $2, updated_at = $3 WHERE id = $1 RETURNING ",
        note_columns!()
    );
    Ok(fetch!(one, ex.re(), SQL, note.id, content, now)?)
}

pub async fn delete_note(mut ex: Ex<'_>, note: &Note) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM notes WHERE id = $1";
    exec!(ex.re(), SQL, note.id)?;
    Ok(())
}

/// The contacts of `account` with these ids, in one query.
pub async fn by_ids(ex: Ex<'_>, account: AccountId, ids: &[i64]) -> StoreResult<Vec<Contact>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = "
    ));
    q.bind(Arg::Int(account.0))
        .push(" AND id IN ")
        .bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::fetch_all(ex, &q).await
}

/// Contact inboxes by their own ids, in one query.
pub async fn contact_inboxes_by_ids(ex: Ex<'_>, ids: &[i64]) -> StoreResult<Vec<ContactInbox>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        ci_columns!(),
        " FROM contact_inboxes WHERE id IN "
    ));
    q.bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::fetch_all(ex, &q).await
}

pub async fn find_contact_inbox_by_source(
    mut ex: Ex<'_>,
    account: AccountId,
    source_id: &str,
) -> StoreResult<Option<ContactInbox>> {
    const SQL: &str = concat!(
        "SELECT ",
        ci_columns!(),
        " FROM contact_inboxes WHERE source_id = $1 AND inbox_id IN (SELECT id FROM inboxes WHERE account_id = $2) \
         ORDER BY id LIMIT 1"
    );
    Ok(fetch!(optional, ex.re(), SQL, source_id, account)?)
}

pub async fn touch(mut ex: Ex<'_>, id: i64, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "UPDATE contacts SET last_activity_at = $2 WHERE id = $1";
    exec!(ex.re(), SQL, id, now)?;
    Ok(())
}

pub async fn set_hmac_verified(mut ex: Ex<'_>, contact_inbox: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE contact_inboxes SET hmac_verified = TRUE WHERE id = $1";
    exec!(ex.re(), SQL, contact_inbox)?;
    Ok(())
}

/// Contacts matching Chatwoot's filter conditions (resolved contacts only), a page and the count.
pub async fn filter(
    mut ex: Ex<'_>,
    account: AccountId,
    conditions: &[crate::filter::Condition],
    page: i64,
    per_page: i64,
) -> StoreResult<(Vec<Contact>, i64)> {
    let base = |q: &mut Query| {
        q.bind(Arg::Int(account.0));
        q.push(" AND (COALESCE(email, '') <> '' OR COALESCE(phone_number, '') <> '' OR COALESCE(identifier, '') <> '')");
        crate::filter::push(q, conditions);
    };
    let mut count = Query::new("SELECT COUNT(*) FROM contacts WHERE account_id = ");
    base(&mut count);
    let total = query::fetch_count(ex.re(), &count).await?;
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = "
    ));
    base(&mut q);
    q.push(" ORDER BY id LIMIT ")
        .bind(Arg::Int(per_page))
        .push(" OFFSET ")
        .bind(Arg::Int((page - 1).max(0) * per_page));
    Ok((query::fetch_all(ex.re(), &q).await?, total))
}

/// The contact of `account` whose `identifier`, `email` (ignoring case) or
/// `phone_number` is `value`; the oldest when several share a phone number.
pub async fn find_by_identity(
    mut ex: Ex<'_>,
    account: AccountId,
    column: &'static str,
    value: &str,
) -> StoreResult<Option<Contact>> {
    const EMAIL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = $1 AND LOWER(email) = LOWER($2) ORDER BY id LIMIT 1"
    );
    const PHONE: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = $1 AND phone_number = $2 ORDER BY id LIMIT 1"
    );
    const IDENTIFIER: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM contacts WHERE account_id = $1 AND identifier = $2 ORDER BY id LIMIT 1"
    );
    let sql = match column {
        "email" => EMAIL,
        "phone_number" => PHONE,
        _ => IDENTIFIER,
    };
    Ok(fetch!(optional, ex.re(), sql, account, value)?)
}

/// Every column of a contact, as Chatwoot's export can name any of them.
#[derive(Clone, Debug, FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub account_id: AccountId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub additional_attributes: Option<Json<Value>>,
    pub identifier: Option<String>,
    pub custom_attributes: Option<Json<Value>>,
    pub last_activity_at: Option<Timestamp>,
    pub contact_type: Option<i32>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub location: Option<String>,
    pub country_code: Option<String>,
    pub blocked: bool,
    pub company_id: Option<i64>,
}

/// The columns of `contacts`, in table order (Rails' `Contact.column_names`).
pub const COLUMN_NAMES: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "account_id",
    "created_at",
    "updated_at",
    "additional_attributes",
    "identifier",
    "custom_attributes",
    "last_activity_at",
    "contact_type",
    "middle_name",
    "last_name",
    "location",
    "country_code",
    "blocked",
    "company_id",
];

/// The resolved contacts of `account` that match the filter `conditions` and carry any
/// of `labels` (when given), whole rows in `id` order: what a CSV export holds.
pub async fn export(
    ex: Ex<'_>,
    account: AccountId,
    conditions: &[crate::filter::Condition],
    labels: &[String],
) -> StoreResult<Vec<ContactRow>> {
    let mut q = Query::new(
        "SELECT id, name, email, phone_number, account_id, created_at, updated_at, additional_attributes, \
         identifier, custom_attributes, last_activity_at, contact_type, middle_name, last_name, location, \
         country_code, blocked, company_id FROM contacts WHERE account_id = ",
    );
    let list = ListQuery {
        labels: labels.to_vec(),
        ..ListQuery::default()
    };
    where_clause(&mut q, account, &list);
    crate::filter::push(&mut q, conditions);
    q.push(" ORDER BY id");
    query::fetch_all(ex, &q).await
}

/// Which of these contact inboxes have a conversation.
pub async fn contact_inboxes_in_use(ex: Ex<'_>, ids: &[i64]) -> StoreResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(
        "SELECT DISTINCT contact_inbox_id FROM conversations WHERE contact_inbox_id IN ",
    );
    q.bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::fetch_scalars(ex, &q).await
}

/// Marks contacts as changed (their labels changed elsewhere).
pub async fn touch_updated(ex: Ex<'_>, ids: &[i64], now: Timestamp) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut q = Query::new("UPDATE contacts SET updated_at = ");
    q.bind(Arg::Time(now))
        .push(" WHERE id IN ")
        .bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::execute(ex, &q).await?;
    Ok(())
}

/// Blocks or unblocks a contact (a muted conversation blocks its contact, as in Chatwoot).
pub async fn set_blocked(
    mut ex: Ex<'_>,
    id: i64,
    blocked: bool,
    now: Timestamp,
) -> StoreResult<()> {
    exec!(
        ex.re(),
        "UPDATE contacts SET blocked = $2, updated_at = $3 WHERE id = $1",
        id,
        blocked,
        now
    )?;
    Ok(())
}
