pub mod contacts;
pub mod conversations;
pub mod messages;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use switchboard_core::client;

use crate::extract::Id;
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::inbox::WorkingHourView;

/// `GET /public/api/v1/inboxes/:identifier`.
pub async fn show(
    State(state): State<AppState>,
    Id(identifier): Id<String>,
) -> ApiResult<Json<Value>> {
    let i = client::inbox(&state.ctx, &identifier)
        .await
        .map_err(ApiError::rails_not_found)?;
    let hours: Vec<WorkingHourView> = i.working_hours.iter().map(WorkingHourView::new).collect();
    Ok(Json(json!({
        "identifier": identifier,
        "identity_validation_enabled": i.channel.hmac_mandatory.unwrap_or(false),
        "name": i.inbox.name,
        "timezone": i.inbox.timezone,
        "working_hours": hours,
        "working_hours_enabled": i.inbox.working_hours_enabled.unwrap_or(false),
        "csat_survey_enabled": i.inbox.csat_survey_enabled.unwrap_or(false),
        "greeting_enabled": i.inbox.greeting_enabled.unwrap_or(false),
    })))
}
