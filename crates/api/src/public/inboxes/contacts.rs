use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::client::{self, ClientContact, ContactIdentity};
use switchboard_domain::ContactType;
use switchboard_store::contacts::Contact;

use crate::extract::{Body, Id, Params, Payload};
use crate::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct ContactParams {
    source_id: Option<String>,
    identifier: Option<String>,
    identifier_hash: Option<String>,
    email: Option<String>,
    name: Option<String>,
    phone_number: Option<String>,
    custom_attributes: Option<Map<String, Value>>,
}

impl Payload for ContactParams {}

impl From<ContactParams> for ContactIdentity {
    fn from(p: ContactParams) -> Self {
        ContactIdentity {
            source_id: p.source_id,
            identifier: p.identifier,
            identifier_hash: p.identifier_hash,
            email: p.email,
            name: p.name,
            phone_number: p.phone_number,
            custom_attributes: p.custom_attributes,
        }
    }
}

fn identity(c: &ClientContact) -> Value {
    json!({
        "source_id": c.contact_inbox.source_id, "pubsub_token": c.contact_inbox.pubsub_token,
        "id": c.contact.id, "name": c.contact.name, "email": c.contact.email, "phone_number": c.contact.phone_number,
    })
}

/// The raw contact record, as Chatwoot renders it after an update.
pub fn raw(c: &Contact, labels: Vec<String>) -> Value {
    let attrs =
        |v: &Option<switchboard_store::Json<Value>>| v.as_ref().map_or(json!({}), |j| j.0.clone());
    json!({
        "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone_number, "account_id": c.account_id,
        "created_at": c.created_at.iso8601(), "updated_at": c.updated_at.iso8601(),
        "additional_attributes": attrs(&c.additional_attributes), "identifier": c.identifier,
        "custom_attributes": attrs(&c.custom_attributes), "last_activity_at": c.last_activity_at.map(|t| t.iso8601()),
        "contact_type": ContactType::from_value(c.contact_type.unwrap_or(0)).unwrap_or(ContactType::Visitor).as_str(),
        "blocked": c.blocked, "label_list": labels,
    })
}

pub async fn create(
    State(state): State<AppState>,
    Id(identifier): Id<String>,
    Body(p): Body<ContactParams>,
) -> ApiResult<Json<Value>> {
    let c = client::create_contact(&state.ctx, &identifier, p.into())
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(identity(&c)))
}

#[derive(Deserialize)]
pub struct HmacParams {
    identifier: Option<String>,
    identifier_hash: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Id((identifier, source_id)): Id<(String, String)>,
    Params(q): Params<HmacParams>,
) -> ApiResult<Json<Value>> {
    let c = client::contact(
        &state.ctx,
        &identifier,
        &source_id,
        (q.identifier.as_deref(), q.identifier_hash.as_deref()),
    )
    .await
    .map_err(ApiError::rails_not_found)?;
    Ok(Json(identity(&c)))
}

pub async fn update(
    State(state): State<AppState>,
    Id((identifier, source_id)): Id<(String, String)>,
    Body(p): Body<ContactParams>,
) -> ApiResult<Json<Value>> {
    let c = client::update_contact(&state.ctx, &identifier, &source_id, p.into())
        .await
        .map_err(ApiError::rails_not_found)?;
    let mut conn = state.ctx.db.conn().await?;
    let labels = switchboard_store::labels::on(
        conn.ex(),
        switchboard_store::labels::Taggable::Contact(c.id),
    )
    .await?;
    Ok(Json(raw(&c, labels)))
}
