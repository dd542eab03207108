//! `/api/v2`: Chatwoot's reports (`reports`, `summary_reports`, `live_reports`).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;
use switchboard_core::reports::{
    self, Download, Period, Range, SeriesQuery, Subject, SummaryKind, SummaryRow,
};
use switchboard_domain::AccountId;

use crate::extract::{CurrentUser, Id, Params};
use crate::{ApiResult, AppState};

pub fn routes() -> Router<AppState> {
    let r = "/accounts/{account_id}/reports";
    Router::new()
        .route(r, get(index))
        .route(&format!("{r}/summary"), get(summary))
        .route(&format!("{r}/bot_summary"), get(bot_summary))
        .route(&format!("{r}/agents"), get(agents))
        .route(&format!("{r}/inboxes"), get(inboxes))
        .route(&format!("{r}/labels"), get(labels))
        .route(&format!("{r}/teams"), get(teams))
        .route(
            &format!("{r}/conversations_summary"),
            get(conversations_summary),
        )
        .route(
            &format!("{r}/conversation_traffic"),
            get(conversation_traffic),
        )
        .route(
            "/accounts/{account_id}/summary_reports/agent",
            get(summary_agent),
        )
        .route(
            "/accounts/{account_id}/summary_reports/team",
            get(summary_team),
        )
        .route(
            "/accounts/{account_id}/summary_reports/inbox",
            get(summary_inbox),
        )
        .route(
            "/accounts/{account_id}/summary_reports/label",
            get(summary_label),
        )
        .route(
            "/accounts/{account_id}/summary_reports/channel",
            get(summary_channel),
        )
        .route(
            "/accounts/{account_id}/live_reports/conversation_metrics",
            get(conversation_metrics),
        )
        .route(
            "/accounts/{account_id}/live_reports/grouped_conversation_metrics",
            get(grouped_conversation_metrics),
        )
}

/// The query string of every report (all text, as Rails receives it).
#[derive(Deserialize, Default)]
pub struct ReportParams {
    metric: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    group_by: Option<String>,
    business_hours: Option<String>,
    timezone_offset: Option<String>,
    days_before: Option<String>,
    team_id: Option<String>,
}

impl ReportParams {
    fn range(&self) -> Result<Range, switchboard_domain::Error> {
        Range::parse(self.since.as_deref(), self.until.as_deref())
    }

    /// Rails' boolean cast: `true`, `1`, `t`, `on` are true.
    fn business_hours(&self) -> bool {
        matches!(
            self.business_hours.as_deref().map(str::trim),
            Some("true" | "1" | "t" | "T" | "TRUE" | "on")
        )
    }

    fn subject(&self) -> Subject<'_> {
        Subject {
            kind: self.kind.as_deref(),
            id: self.id.as_deref(),
        }
    }
}

/// `GET reports`: the time series of one metric.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Vec<reports::Point>>> {
    let q = SeriesQuery {
        metric: p.metric.as_deref(),
        subject: p.subject(),
        range: p.range()?,
        period: Period::parse(p.group_by.as_deref()),
        business_hours: p.business_hours(),
        offset: reports::offset_seconds(p.timezone_offset.as_deref())?,
    };
    Ok(Json(
        reports::timeseries(&state.ctx, &user, account, q).await?,
    ))
}

pub async fn summary(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Value>> {
    let range = p.range()?;
    Ok(Json(
        reports::summary(
            &state.ctx,
            &user,
            account,
            p.subject(),
            range,
            p.business_hours(),
            false,
        )
        .await?,
    ))
}

pub async fn bot_summary(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Value>> {
    let range = p.range()?;
    Ok(Json(
        reports::summary(
            &state.ctx,
            &user,
            account,
            p.subject(),
            range,
            p.business_hours(),
            true,
        )
        .await?,
    ))
}

async fn summary_of(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    p: &ReportParams,
    kind: SummaryKind,
) -> ApiResult<Json<Vec<SummaryRow>>> {
    let rows = reports::summary_rows(
        &state.ctx,
        user,
        account,
        kind,
        p.range()?,
        p.business_hours(),
    )
    .await?;
    Ok(Json(rows.into_iter().map(|n| n.row).collect()))
}

pub async fn summary_agent(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Vec<SummaryRow>>> {
    summary_of(&state, &user, account, &p, SummaryKind::Agent).await
}

pub async fn summary_team(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Vec<SummaryRow>>> {
    summary_of(&state, &user, account, &p, SummaryKind::Team).await
}

pub async fn summary_inbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Vec<SummaryRow>>> {
    summary_of(&state, &user, account, &p, SummaryKind::Inbox).await
}

pub async fn summary_label(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Vec<SummaryRow>>> {
    summary_of(&state, &user, account, &p, SummaryKind::Label).await
}

pub async fn summary_channel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        reports::channel_summary(&state.ctx, &user, account, p.range()?).await?,
    ))
}

pub async fn conversation_metrics(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        reports::live(&state.ctx, &user, account, p.team_id.as_deref()).await?,
    ))
}

pub async fn grouped_conversation_metrics(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        reports::live_grouped(
            &state.ctx,
            &user,
            account,
            p.team_id.as_deref(),
            p.group_by.as_deref(),
        )
        .await?,
    ))
}

/// A CSV attachment named as Chatwoot names it.
fn csv_file(name: &str, body: String) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename={name}.csv"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn download(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    p: &ReportParams,
    which: Download,
    name: &str,
) -> ApiResult<Response> {
    let range = p.range()?;
    let rows =
        reports::download(&state.ctx, user, account, which, range, p.business_hours()).await?;
    let body = format!(
        "{}\n{}",
        reports::csv(&[vec![reports::period_line(range)]]),
        reports::csv(&rows)
    );
    Ok(csv_file(name, body))
}

pub async fn agents(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    download(
        &state,
        &user,
        account,
        &p,
        Download::Agents,
        "agents_report",
    )
    .await
}

pub async fn inboxes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    download(
        &state,
        &user,
        account,
        &p,
        Download::Inboxes,
        "inboxes_report",
    )
    .await
}

pub async fn labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    download(
        &state,
        &user,
        account,
        &p,
        Download::Labels,
        "labels_report",
    )
    .await
}

pub async fn teams(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    download(&state, &user, account, &p, Download::Teams, "teams_report").await
}

pub async fn conversations_summary(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    download(
        &state,
        &user,
        account,
        &p,
        Download::Conversations,
        "conversations_summary_report",
    )
    .await
}

/// The heatmap CSV: `Timezone,<offset>`, then hours by dates.
pub async fn conversation_traffic(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ReportParams>,
) -> ApiResult<Response> {
    let offset = reports::offset_seconds(p.timezone_offset.as_deref())?;
    let rows =
        reports::traffic(&state.ctx, &user, account, offset, p.days_before.as_deref()).await?;
    // Chatwoot prints an ActiveSupport zone name here; we print the offset it stands for.
    let sign = if offset < 0 { '-' } else { '+' };
    let zone = format!(
        "UTC{sign}{:02}:{:02}",
        offset.abs() / 3600,
        offset.abs() % 3600 / 60
    );
    let body = format!(
        "{}\n{}",
        reports::csv(&[vec!["Timezone".into(), zone]]),
        reports::csv(&rows)
    );
    Ok(csv_file("conversation_traffic_reports", body))
}
