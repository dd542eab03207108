use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::{agents, contacts};
use switchboard_domain::AccountId;
use switchboard_store::contacts::Note;

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::agent::AgentView;
use switchboard_core::views::contact::NoteView;

async fn views(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    notes: &[Note],
) -> ApiResult<Vec<NoteView>> {
    let team = agents::list(&state.ctx, user, account).await?;
    Ok(notes
        .iter()
        .map(|n| {
            NoteView::new(
                n,
                team.iter()
                    .find(|a| Some(a.user.id) == n.user_id)
                    .map(AgentView::new),
            )
        })
        .collect())
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, contact)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Vec<NoteView>>> {
    let notes = contacts::notes(&state.ctx, &user, account, contact).await?;
    Ok(Json(views(&state, &user, account, &notes).await?))
}

async fn single(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    n: Note,
) -> ApiResult<Json<NoteView>> {
    let mut v = views(state, user, account, &[n]).await?;
    Ok(Json(v.remove(0)))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, contact, id)): Id<(AccountId, i64, i64)>,
) -> ApiResult<Json<NoteView>> {
    let n = contacts::note(&state.ctx, &user, account, contact, id).await?;
    single(&state, &user, account, n).await
}

#[derive(Deserialize)]
pub struct NoteParams {
    content: Option<String>,
}

impl Payload for NoteParams {
    const ROOT: Option<&'static str> = Some("note");
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, contact)): Id<(AccountId, i64)>,
    Body(p): Body<NoteParams>,
) -> ApiResult<Json<NoteView>> {
    let n =
        contacts::create_note(&state.ctx, &user, account, contact, p.content.as_deref()).await?;
    single(&state, &user, account, n).await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, contact, id)): Id<(AccountId, i64, i64)>,
    Body(p): Body<NoteParams>,
) -> ApiResult<Json<NoteView>> {
    let n = contacts::update_note(
        &state.ctx,
        &user,
        account,
        contact,
        id,
        p.content.as_deref(),
    )
    .await?;
    single(&state, &user, account, n).await
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, contact, id)): Id<(AccountId, i64, i64)>,
) -> ApiResult<()> {
    contacts::destroy_note(&state.ctx, &user, account, contact, id).await?;
    Ok(())
}
