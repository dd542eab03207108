pub mod messages;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::agent_bots;
use switchboard_core::conversations::{self, Assigned, ListQuery, MessageInput, NewConversation};
use switchboard_core::messages::Attachable;
use switchboard_core::participants::Change;
use switchboard_domain::{AccountId, ConversationStatus, Error};
use switchboard_store::conversations::{Counts, Sort};

use crate::extract::{Body, Caller, CurrentUser, Id, Params, Payload, boolean, present};
use crate::{ApiResult, AppState};
use switchboard_core::views::agent::AgentView;
use switchboard_core::views::conversation::{ConversationView, attachment, sender};

#[derive(Deserialize)]
pub struct ListParams {
    status: Option<String>,
    assignee_type: Option<String>,
    inbox_id: Option<String>,
    team_id: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    source_id: Option<String>,
    sort_by: Option<String>,
    page: Option<String>,
    updated_within: Option<String>,
}

fn number(name: &str, v: &Option<String>) -> Result<Option<i64>, Error> {
    match v.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid(name, format!("{name} must be a number"))),
    }
}

impl ListParams {
    fn query(&self) -> Result<ListQuery, Error> {
        let status = self.status.as_deref().filter(|s| !s.is_empty());
        Ok(ListQuery {
            all_statuses: status == Some("all"),
            status: match status {
                None | Some("all") => None,
                Some(s) => Some(ConversationStatus::parse(s).ok_or_else(|| {
                    Error::invalid("status", format!("'{s}' is not a valid status"))
                })?),
            },
            assignee_type: self.assignee_type.clone().unwrap_or_default(),
            inbox_id: number("inbox_id", &self.inbox_id)?,
            team_id: number("team_id", &self.team_id)?,
            labels: self.labels.clone(),
            source_id: self.source_id.clone(),
            sort: Sort::parse(self.sort_by.as_deref().unwrap_or_default()),
            page: number("page", &self.page)?.filter(|p| *p > 0).unwrap_or(1),
            updated_within: number("updated_within", &self.updated_within)?,
        })
    }
}

fn counts(c: &Counts) -> Value {
    json!({ "mine_count": c.mine, "assigned_count": c.all - c.unassigned, "unassigned_count": c.unassigned, "all_count": c.all })
}

/// `{"data": {"meta": {counts}, "payload": [conversation…]}}`.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    let (c, rows) = conversations::list(&state.ctx, &user, account, &p.query()?).await?;
    let payload: Vec<ConversationView> = rows.iter().map(ConversationView::new).collect();
    Ok(Json(
        json!({ "data": { "meta": counts(&c), "payload": payload } }),
    ))
}

pub async fn meta(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Value>> {
    let (c, _) = conversations::list(&state.ctx, &user, account, &p.query()?).await?;
    Ok(Json(json!({ "meta": counts(&c) })))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(ConversationView::new(
        &conversations::show(&state.ctx, &user, account, id).await?,
    )))
}

#[derive(Deserialize, Default)]
pub struct MessageParams {
    content: Option<String>,
    message_type: Option<String>,
    #[serde(default, deserialize_with = "boolean")]
    private: Option<bool>,
    content_type: Option<String>,
    content_attributes: Option<Value>,
    source_id: Option<String>,
    echo_id: Option<String>,
    /// Signed blob ids of earlier uploads (files come as multipart parts instead).
    #[serde(default)]
    attachments: Vec<Value>,
}

impl Payload for MessageParams {}

impl MessageParams {
    /// `content_attributes` may arrive as an object or as JSON text (multipart forms).
    pub fn input(self) -> Result<(MessageInput, Option<String>), Error> {
        let content_attributes = match self.content_attributes {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => Some(m),
                _ => {
                    return Err(Error::invalid(
                        "content_attributes",
                        "content_attributes must be an object",
                    ));
                }
            },
            Some(_) => {
                return Err(Error::invalid(
                    "content_attributes",
                    "content_attributes must be an object",
                ));
            }
        };
        let attachments = self
            .attachments
            .into_iter()
            .map(|a| match a {
                Value::String(s) if !s.is_empty() => Ok(Attachable::Signed(s)),
                _ => Err(Error::Unprocessable(
                    "Attachment is invalid or expired".into(),
                )),
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok((
            MessageInput {
                attachments,
                content: self.content,
                message_type: self.message_type,
                private: self.private.unwrap_or(false),
                content_type: self.content_type,
                content_attributes,
                source_id: self.source_id,
            },
            self.echo_id,
        ))
    }
}

#[derive(Deserialize)]
pub struct CreateParams {
    source_id: Option<String>,
    contact_id: Option<i64>,
    inbox_id: Option<i64>,
    status: Option<String>,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    snoozed_until: Option<i64>,
    additional_attributes: Option<Map<String, Value>>,
    custom_attributes: Option<Map<String, Value>>,
    message: Option<MessageParams>,
}

impl Payload for CreateParams {}

/// Agent bots may call it too.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Id(account): Id<AccountId>,
    Body(p): Body<CreateParams>,
) -> ApiResult<Json<ConversationView>> {
    let message = p.message.map(|m| m.input()).transpose()?.map(|(m, _)| m);
    let n = NewConversation {
        source_id: p.source_id,
        contact_id: p.contact_id,
        inbox_id: p.inbox_id,
        status: p.status,
        assignee_id: p.assignee_id,
        team_id: p.team_id,
        snoozed_until: p.snoozed_until,
        additional_attributes: p.additional_attributes,
        custom_attributes: p.custom_attributes,
        message,
    };
    let d = match caller {
        Caller::User(user) => conversations::create(&state.ctx, &user, account, n).await?,
        Caller::Bot(bot) => agent_bots::create_conversation(&state.ctx, bot, account, n).await?,
    };
    Ok(Json(ConversationView::new(&d)))
}

#[derive(Deserialize)]
pub struct PriorityParams {
    priority: Option<String>,
}

impl Payload for PriorityParams {}

/// Agent bots may call it too.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<PriorityParams>,
) -> ApiResult<Json<ConversationView>> {
    let priority = p.priority.as_deref();
    let d = match caller {
        Caller::User(user) => {
            conversations::update(&state.ctx, &user, account, id, priority).await?
        }
        Caller::Bot(bot) => {
            agent_bots::update_conversation(&state.ctx, bot, account, id, priority).await?
        }
    };
    Ok(Json(ConversationView::new(&d)))
}

/// Agent bots may call it too.
pub async fn toggle_priority(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<PriorityParams>,
) -> ApiResult<()> {
    let priority = p.priority.as_deref();
    match caller {
        Caller::User(user) => {
            conversations::toggle_priority(&state.ctx, &user, account, id, priority).await?;
        }
        Caller::Bot(bot) => {
            agent_bots::toggle_priority(&state.ctx, bot, account, id, priority).await?;
        }
    }
    Ok(())
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    conversations::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct StatusParams {
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::string_or_number")]
    snoozed_until: Option<String>,
}

impl Payload for StatusParams {}

/// `{"payload": {"success", "conversation_id", "current_status", "snoozed_until"}}`.
/// Agent bots may call it too: opening a pending conversation hands it to the humans.
pub async fn toggle_status(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<StatusParams>,
) -> ApiResult<Json<Value>> {
    let until =
        match p.snoozed_until.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| {
                Error::invalid("snoozed_until", "snoozed_until must be unix seconds")
            })?),
        };
    let status = p.status.as_deref();
    let t = match caller {
        Caller::User(user) => {
            conversations::toggle_status(&state.ctx, &user, account, id, status, until).await?
        }
        Caller::Bot(bot) => {
            agent_bots::toggle_status(&state.ctx, bot, account, id, status, until).await?
        }
    };
    Ok(Json(json!({ "payload": {
        "success": true, "conversation_id": t.display_id, "current_status": t.status.as_str(),
        "snoozed_until": t.snoozed_until.map(|s| s.iso8601()),
    } })))
}

#[derive(Deserialize)]
pub struct AssignParams {
    #[serde(default, deserialize_with = "present")]
    assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    team_id: Option<Option<i64>>,
}

impl Payload for AssignParams {}

/// The agent, the team (raw record) or `null`, as Chatwoot answers. Agent bots may
/// call it too.
pub async fn assignments(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<AssignParams>,
) -> ApiResult<Json<Value>> {
    let (who, team) = (p.assignee_id, p.team_id);
    let assigned = match caller {
        Caller::User(user) => {
            conversations::assign(&state.ctx, &user, account, id, who, team).await?
        }
        Caller::Bot(bot) => agent_bots::assign(&state.ctx, bot, account, id, who, team).await?,
    };
    Ok(Json(match assigned {
        Assigned::Agent(a) => json!(AgentView::new(&a)),
        Assigned::Team(t) => json!({
            "id": t.id, "name": t.name, "description": t.description, "allow_auto_assign": t.allow_auto_assign,
            "account_id": t.account_id, "created_at": t.created_at.iso8601(), "updated_at": t.updated_at.iso8601(),
        }),
        Assigned::Nobody => Value::Null,
    }))
}

pub async fn labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "payload": conversations::labels(&state.ctx, &user, account, id).await? }),
    ))
}

#[derive(Deserialize)]
pub struct LabelsParams {
    #[serde(default)]
    labels: Vec<String>,
}

impl Payload for LabelsParams {}

pub async fn set_labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<LabelsParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "payload": conversations::set_labels(&state.ctx, &user, account, id, &p.labels).await? }),
    ))
}

#[derive(Deserialize)]
pub struct AttributesParams {
    custom_attributes: Option<Map<String, Value>>,
}

impl Payload for AttributesParams {}

/// Agent bots may call it too.
pub async fn custom_attributes(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<AttributesParams>,
) -> ApiResult<Json<Value>> {
    let given = p.custom_attributes.unwrap_or_default();
    let attrs = match caller {
        Caller::User(user) => {
            conversations::set_custom_attributes(&state.ctx, &user, account, id, given).await?
        }
        Caller::Bot(bot) => {
            agent_bots::set_custom_attributes(&state.ctx, bot, account, id, given).await?
        }
    };
    Ok(Json(json!({ "custom_attributes": attrs })))
}

pub async fn update_last_seen(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(ConversationView::new(
        &conversations::update_last_seen(&state.ctx, &user, account, id).await?,
    )))
}

#[derive(Deserialize)]
pub struct TypingParams {
    typing_status: Option<String>,
    #[serde(default, deserialize_with = "boolean")]
    is_private: Option<bool>,
}

impl Payload for TypingParams {}

/// `POST …/toggle_typing_status`: 200 with no body.
pub async fn toggle_typing_status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<TypingParams>,
) -> ApiResult<()> {
    conversations::toggle_typing(
        &state.ctx,
        &user,
        account,
        id,
        p.typing_status.as_deref(),
        p.is_private.unwrap_or(false),
    )
    .await?;
    Ok(())
}

/// `POST …/unread`: the conversation JSON, as `update_last_seen` answers.
pub async fn unread(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<ConversationView>> {
    Ok(Json(ConversationView::new(
        &conversations::mark_unread(&state.ctx, &user, account, id).await?,
    )))
}

#[derive(Deserialize)]
pub struct TranscriptParams {
    email: Option<String>,
}

impl Payload for TranscriptParams {}

/// `POST …/transcript`: mails the conversation to `email`; 200 with no body.
pub async fn transcript(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<TranscriptParams>,
) -> ApiResult<()> {
    let email = p.email.as_deref();
    switchboard_core::transcripts::send(&state.ctx, &user, account, id, email).await?;
    Ok(())
}

/// `POST …/mute`: 200 with no body.
pub async fn mute(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    conversations::set_muted(&state.ctx, &user, account, id, true).await?;
    Ok(())
}

pub async fn unmute(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    conversations::set_muted(&state.ctx, &user, account, id, false).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ParticipantsParams {
    user_ids: Vec<i64>,
}

impl Payload for ParticipantsParams {}

/// `GET …/participants`: the agents following the conversation, as a bare array.
pub async fn participants(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Vec<AgentView>>> {
    let list = switchboard_core::participants::list(&state.ctx, &user, account, id).await?;
    Ok(Json(list.iter().map(AgentView::new).collect()))
}

async fn change_participants(
    state: &AppState,
    user: &switchboard_store::users::User,
    (account, id): (AccountId, i64),
    p: ParticipantsParams,
    how: Change,
) -> ApiResult<Json<Vec<AgentView>>> {
    let list =
        switchboard_core::participants::change(&state.ctx, user, account, id, &p.user_ids, how)
            .await?;
    Ok(Json(list.iter().map(AgentView::new).collect()))
}

pub async fn add_participants(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<ParticipantsParams>,
) -> ApiResult<Json<Vec<AgentView>>> {
    change_participants(&state, &user, ids, p, Change::Add).await
}

pub async fn replace_participants(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<ParticipantsParams>,
) -> ApiResult<Json<Vec<AgentView>>> {
    change_participants(&state, &user, ids, p, Change::Replace).await
}

/// `DELETE …/participants`: 200 with no body.
pub async fn remove_participants(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<ParticipantsParams>,
) -> ApiResult<()> {
    let (account, id) = ids;
    switchboard_core::participants::change(
        &state.ctx,
        &user,
        account,
        id,
        &p.user_ids,
        Change::Remove,
    )
    .await?;
    Ok(())
}

/// `GET …/draft_messages`: `{"has_draft": false}` or `{"has_draft": true, "message": …}`.
pub async fn draft(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        match switchboard_core::drafts::show(&state.ctx, &user, account, id).await? {
            Some(m) => json!({ "has_draft": true, "message": m }),
            None => json!({ "has_draft": false }),
        },
    ))
}

#[derive(Deserialize)]
pub struct DraftParams {
    draft_message: Option<DraftMessage>,
}

#[derive(Deserialize)]
pub struct DraftMessage {
    message: Option<String>,
}

impl Payload for DraftParams {}

/// `PATCH …/draft_messages {draft_message: {message}}`: 200 with no body.
pub async fn save_draft(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<DraftParams>,
) -> ApiResult<()> {
    let message = p.draft_message.and_then(|d| d.message).unwrap_or_default();
    switchboard_core::drafts::save(&state.ctx, &user, account, id, Some(&message)).await?;
    Ok(())
}

pub async fn delete_draft(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    switchboard_core::drafts::save(&state.ctx, &user, account, id, None).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct PageParams {
    page: Option<String>,
}

/// `{"meta": {"total_count"}, "payload": [file…]}`, newest first, 100 a page.
pub async fn attachments(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Params(p): Params<PageParams>,
) -> ApiResult<Json<Value>> {
    let page = p.page.and_then(|s| s.parse().ok()).unwrap_or(1);
    let (total, files) =
        switchboard_core::messages::for_conversation(&state.ctx, &user, account, id, page).await?;
    let payload: Vec<Value> = files
        .iter()
        .map(|f| {
            let a = attachment(&f.file);
            let mut v = json!({
                "message_id": a["message_id"], "thumb_url": a["thumb_url"], "data_url": a["data_url"],
                "file_size": a["file_size"], "file_type": a["file_type"], "extension": a["extension"],
                "width": a["width"], "height": a["height"],
                "created_at": f.message.as_ref().map(|m| m.message.created_at.unix_seconds()),
            });
            if let Some(s) = f.message.as_ref().and_then(|m| m.sender.as_ref()) {
                v["sender"] = sender(s);
            }
            v
        })
        .collect();
    Ok(Json(
        json!({ "meta": { "total_count": total }, "payload": payload }),
    ))
}

/// `POST /conversations/filter`: `{"meta": {three counts}, "payload": [conversation…]}`.
pub async fn filter(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(body): Body<crate::extract::FilterBody>,
) -> ApiResult<Json<Value>> {
    let (c, rows) =
        conversations::filter(&state.ctx, &user, account, &body.conditions()?, body.page()).await?;
    let payload: Vec<ConversationView> = rows.iter().map(ConversationView::new).collect();
    Ok(Json(json!({
        "meta": { "mine_count": c.mine, "unassigned_count": c.unassigned, "all_count": c.all },
        "payload": payload,
    })))
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

/// `GET /conversations/search?q=`: Chatwoot's slim results with the matching messages.
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(p): Params<SearchParams>,
) -> ApiResult<Json<Value>> {
    let page = number("page", &p.page)?.filter(|n| *n > 0).unwrap_or(1);
    let (c, found) = conversations::search(
        &state.ctx,
        &user,
        account,
        p.q.as_deref().unwrap_or_default(),
        page,
    )
    .await?;
    let payload: Vec<Value> = found
        .iter()
        .map(|f| {
            let conv = &f.conversation.conversation;
            let messages: Vec<Value> = f
                .messages
                .iter()
                .map(|m| {
                    let mut v = json!({
                        "content": m.message.content, "id": m.message.id, "message_type": m.message.message_type,
                        "created_at": m.message.created_at.unix_seconds(),
                    });
                    let name = match &m.sender {
                        Some(switchboard_core::conversations::Sender::Contact(c)) => c.name.clone(),
                        Some(switchboard_core::conversations::Sender::User(u)) => Some(u.name.clone()),
                        Some(switchboard_core::conversations::Sender::AgentBot(b)) => b.name.clone(),
                        None => None,
                    };
                    if let Some(n) = name {
                        v["sender_name"] = json!(n);
                    }
                    v
                })
                .collect();
            json!({
                "id": conv.display_id,
                "uuid": conv.uuid.to_string(),
                "created_at": conv.created_at.unix_seconds(),
                "contact": f.conversation.contact.as_ref().map(|c| json!({"id": c.id, "name": c.name})),
                "inbox": f.conversation.inbox.as_ref().map(|i| json!({"id": i.id, "name": i.name, "channel_type": i.channel_type})),
                "messages": messages,
                "account_id": conv.account_id,
            })
        })
        .collect();
    Ok(Json(json!({
        "meta": { "mine_count": c.mine, "unassigned_count": c.unassigned, "all_count": c.all },
        "payload": payload,
    })))
}
