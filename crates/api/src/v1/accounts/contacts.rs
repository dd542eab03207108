pub mod notes;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::contacts::{self, ContactInput, PER_PAGE};
use switchboard_domain::{AccountId, Error};
use switchboard_store::contacts::{ListQuery, SortKey};

use crate::extract::{Body, CurrentUser, FilterCondition, Id, Params, Payload, WithFiles, present};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::contact::{ContactInboxView, ContactView};

#[derive(Deserialize)]
pub struct ListParams {
    page: Option<String>,
    sort: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    include_contact_inboxes: Option<String>,
    q: Option<String>,
}

impl ListParams {
    /// Chatwoot includes identities unless the parameter is given and is not "true".
    fn with_inboxes(&self) -> bool {
        self.include_contact_inboxes
            .as_deref()
            .is_none_or(|v| v.is_empty() || v == "true")
    }

    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| *p > 0)
            .unwrap_or(1)
    }

    fn query(&self, search: Option<String>) -> ListQuery {
        // Keys apply in Chatwoot's fixed order, whatever order they were given in.
        let order = [
            "email",
            "name",
            "phone_number",
            "last_activity_at",
            "created_at",
            "company",
            "city",
            "country",
        ];
        let given: Vec<(String, bool)> = self
            .sort
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('-') {
                Some(k) => (k.to_string(), true),
                None => (s.to_string(), false),
            })
            .collect();
        let sort = order
            .iter()
            .filter_map(|k| {
                given
                    .iter()
                    .find(|(g, _)| g == k)
                    .and_then(|(g, d)| SortKey::parse(g).map(|key| (key, *d)))
            })
            .collect();
        ListQuery {
            labels: self.labels.clone(),
            search,
            sort,
            page: self.page(),
            per_page: PER_PAGE,
            only: None,
        }
    }

    /// `current_page` echoes the parameter as sent (a string from a query string).
    fn current_page(&self) -> Value {
        self.page.clone().map_or(json!(1), Value::String)
    }
}

async fn page(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    p: &ListParams,
    search: Option<String>,
) -> ApiResult<Json<Value>> {
    let (rows, count) = contacts::list(&state.ctx, user, account, p.query(search)).await?;
    let payload: Vec<ContactView> = rows
        .iter()
        .map(|d| ContactView::new(d, p.with_inboxes()))
        .collect();
    Ok(Json(
        json!({ "meta": { "count": count, "current_page": p.current_page() }, "payload": payload }),
    ))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    page(&state, &user, account, &p, None).await
}

/// `GET /contacts/search?q=`: a blank `q` is the 422 Chatwoot meant to give.
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    let q =
        p.q.clone()
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
    let Some(q) = q else {
        return Err(Error::Unprocessable("Specify search string with parameter q".into()).into());
    };
    page(&state, &user, account, &p, Some(q)).await
}

/// `GET /contacts/active`: the contacts online now (a widget open on a page), paged and
/// sorted like the index.
pub async fn active(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    let (rows, count) = contacts::active(&state.ctx, &user, account, p.query(None)).await?;
    let payload: Vec<ContactView> = rows
        .iter()
        .map(|d| ContactView::new(d, p.with_inboxes()))
        .collect();
    Ok(Json(
        json!({ "meta": { "count": count, "current_page": p.current_page() }, "payload": payload }),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    let d = contacts::show(&state.ctx, &user, account, id).await?;
    Ok(Json(
        json!({ "payload": ContactView::new(&d, p.with_inboxes()) }),
    ))
}

/// Chatwoot reads contact fields at the top level; `null` clears a field.
#[derive(Deserialize)]
pub struct ContactParams {
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    identifier: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::boolean")]
    blocked: Option<bool>,
    additional_attributes: Option<Map<String, Value>>,
    custom_attributes: Option<Map<String, Value>>,
    inbox_id: Option<i64>,
    source_id: Option<String>,
}

impl Payload for ContactParams {}

impl ContactParams {
    fn input(&mut self) -> ContactInput {
        ContactInput {
            name: self.name.take(),
            email: self.email.take(),
            phone_number: self.phone_number.take(),
            identifier: self.identifier.take(),
            blocked: self.blocked.take(),
            additional_attributes: self.additional_attributes.take(),
            custom_attributes: self.custom_attributes.take(),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(mut p): Body<ContactParams>,
) -> ApiResult<Json<Value>> {
    let input = p.input();
    let inbox = p.inbox_id.map(|i| (i, p.source_id.clone()));
    let created = contacts::create(&state.ctx, &user, account, input, inbox).await?;
    let contact_inbox = match &created.contact_inbox {
        Some((ci, inbox)) => json!({ "inbox": raw_inbox(inbox), "source_id": ci.source_id }),
        None => json!({ "inbox": null, "source_id": null }),
    };
    Ok(Json(
        json!({ "payload": { "contact": ContactView::new(&created.contact, true), "contact_inbox": contact_inbox } }),
    ))
}

/// Chatwoot renders the raw inbox record here (ISO timestamps).
fn raw_inbox(i: &switchboard_store::inboxes::Inbox) -> Value {
    json!({
        "id": i.id, "channel_id": i.channel_id, "account_id": i.account_id, "name": i.name,
        "created_at": i.created_at.iso8601(), "updated_at": i.updated_at.iso8601(), "channel_type": i.channel_type,
        "enable_auto_assignment": i.enable_auto_assignment, "greeting_enabled": i.greeting_enabled,
        "greeting_message": i.greeting_message, "email_address": i.email_address,
        "working_hours_enabled": i.working_hours_enabled, "out_of_office_message": i.out_of_office_message,
        "timezone": i.timezone, "enable_email_collect": i.enable_email_collect, "csat_survey_enabled": i.csat_survey_enabled,
        "allow_messages_after_resolved": i.allow_messages_after_resolved,
        "auto_assignment_config": i.auto_assignment_config.as_ref().map(|j| j.0.clone()),
        "lock_to_single_conversation": i.lock_to_single_conversation, "portal_id": i.portal_id,
        "sender_name_type": if i.sender_name_type == 1 { "professional" } else { "friendly" },
        "business_name": i.business_name, "csat_config": i.csat_config.0,
    })
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(mut p): Body<ContactParams>,
) -> ApiResult<Json<Value>> {
    let d = contacts::update(&state.ctx, &user, account, id, p.input()).await?;
    Ok(Json(json!({ "payload": ContactView::new(&d, true) })))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    contacts::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct KeysParams {
    custom_attributes: Option<Vec<String>>,
}

impl Payload for KeysParams {}

pub async fn destroy_custom_attributes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<KeysParams>,
) -> ApiResult<Json<Value>> {
    let keys = p
        .custom_attributes
        .ok_or(ApiError::MissingParam("custom_attributes"))?;
    let d = contacts::destroy_custom_attributes(&state.ctx, &user, account, id, &keys).await?;
    Ok(Json(json!({ "payload": ContactView::new(&d, true) })))
}

pub async fn labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "payload": contacts::labels(&state.ctx, &user, account, id).await? }),
    ))
}

#[derive(Deserialize)]
pub struct LabelsParams {
    #[serde(default)]
    labels: Vec<String>,
}

impl Payload for LabelsParams {}

/// Replaces the contact's labels; a missing list clears them, as in Chatwoot.
pub async fn set_labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<LabelsParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "payload": contacts::set_labels(&state.ctx, &user, account, id, &p.labels).await? }),
    ))
}

#[derive(Deserialize)]
pub struct ContactInboxParams {
    inbox_id: Option<i64>,
    source_id: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::boolean")]
    hmac_verified: Option<bool>,
}

impl Payload for ContactInboxParams {}

pub async fn create_contact_inbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<ContactInboxParams>,
) -> ApiResult<Json<ContactInboxView>> {
    let inbox = p.inbox_id.ok_or(ApiError::MissingParam("inbox_id"))?;
    let (ci, inbox) = contacts::add_contact_inbox(
        &state.ctx,
        &user,
        account,
        id,
        inbox,
        p.source_id,
        p.hmac_verified.unwrap_or(false),
    )
    .await?;
    Ok(Json(ContactInboxView::new(&ci, &inbox)))
}

#[derive(Deserialize)]
pub struct MergeParams {
    base_contact_id: Option<i64>,
    mergee_contact_id: Option<i64>,
}

impl Payload for MergeParams {}

/// `POST /actions/contact_merge`: the bare base contact, without identities.
pub async fn merge(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<MergeParams>,
) -> ApiResult<Json<ContactView>> {
    let base = p
        .base_contact_id
        .ok_or(ApiError::MissingParam("base_contact_id"))?;
    let mergee = p
        .mergee_contact_id
        .ok_or(ApiError::MissingParam("mergee_contact_id"))?;
    let c = contacts::merge(&state.ctx, &user, account, base, mergee).await?;
    Ok(Json(ContactView::plain(&c)))
}

/// `POST /contacts/filter`: `{"meta": {"count", "current_page"}, "payload": [contact…]}`.
pub async fn filter(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(q): Params<ListParams>,
    Body(body): Body<crate::extract::FilterBody>,
) -> ApiResult<Json<Value>> {
    let (rows, count) =
        contacts::filter(&state.ctx, &user, account, &body.conditions()?, body.page()).await?;
    let payload: Vec<ContactView> = rows
        .iter()
        .map(|d| ContactView::new(d, q.with_inboxes()))
        .collect();
    Ok(Json(
        json!({ "meta": { "count": count, "current_page": body.page() }, "payload": payload }),
    ))
}

/// `GET /contacts/:id/conversations`: `{"payload": [conversation…]}`, the latest 20.
pub async fn conversations(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let list = switchboard_core::conversations::for_contact(&state.ctx, &user, account, id).await?;
    let payload: Vec<switchboard_core::views::conversation::ConversationView> = list
        .iter()
        .map(switchboard_core::views::conversation::ConversationView::new)
        .collect();
    Ok(Json(json!({ "payload": payload })))
}

/// The largest contact CSV we accept.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// `POST /contacts/import` (multipart, field `import_file`): 200 with an empty body, as
/// Chatwoot answers once it has recorded the import. We process the file before
/// answering (see `switchboard_core::data_imports`).
pub async fn import(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    WithFiles(_, files): WithFiles<NoFields>,
) -> ApiResult<()> {
    let file = files
        .into_iter()
        .find(|(name, _)| name == "import_file")
        .map(|(_, f)| f.bytes);
    switchboard_core::data_imports::import_contacts(&state.ctx, &user, account, file.as_deref())
        .await?;
    Ok(())
}

/// A body whose text fields are all ignored.
#[derive(Deserialize)]
pub struct NoFields {}

impl Payload for NoFields {}

#[derive(Deserialize, Default)]
pub struct ExportParams {
    #[serde(default)]
    column_names: Option<Vec<String>>,
    #[serde(default)]
    payload: Option<Vec<FilterCondition>>,
    label: Option<String>,
}

impl Payload for ExportParams {}

/// `POST /contacts/export`: Chatwoot mails a link to the file later; we answer with the
/// file itself (see docs/api-compatibility.md).
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<ExportParams>,
) -> ApiResult<axum::response::Response> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    let q = switchboard_core::contact_exports::ExportQuery {
        column_names: p.column_names.unwrap_or_default(),
        payload: p
            .payload
            .unwrap_or_default()
            .iter()
            .map(FilterCondition::raw)
            .collect(),
        label: p.label,
    };
    let file =
        switchboard_core::contact_exports::export_contacts(&state.ctx, &user, account, q).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.filename),
            ),
        ],
        file.csv,
    )
        .into_response())
}

/// `GET /contacts/:id/contactable_inboxes`: `{"payload": [{"source_id", "inbox"}]}`.
pub async fn contactable_inboxes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let list = contacts::contactable_inboxes(&state.ctx, &user, account, id).await?;
    let payload: Vec<Value> = list
        .iter()
        .map(|(source_id, inbox)| {
            json!({ "source_id": source_id, "inbox": switchboard_core::views::contact::InboxSlim::new(inbox) })
        })
        .collect();
    Ok(Json(json!({ "payload": payload })))
}

/// `DELETE /contacts/:id/avatar`: the contact, without its identities.
pub async fn destroy_avatar(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let c = contacts::destroy_avatar(&state.ctx, &user, account, id).await?;
    Ok(Json(json!({ "payload": ContactView::plain(&c) })))
}
