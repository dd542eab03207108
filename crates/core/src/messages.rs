//! Messages of a conversation (`…/conversations/:id/messages`): Chatwoot's windows,
//! creation with attachments, soft delete, delivery status and retry; and the
//! conversation's attachments list.

use std::collections::HashMap;

use serde_json::{Map, Value};
use switchboard_domain::{
    AccountId, ContentType, Error, FileType, MessageStatus, MessageType, Result, Timestamp, UserId,
};
use switchboard_store::attachments::{self, Attachment, NewAttachment, NewBlob};
use switchboard_store::conversations::Conversation;
use switchboard_store::inboxes::{self, Inbox};
use switchboard_store::messages::{self, Message};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, Json, Tx, contacts};

use crate::Ctx;
use crate::conversations::{
    Actor, ConversationDetails, MessageDetails, MessageInput, Sender, accessible, one, post,
    reachable,
};
use crate::files::{self, Upload};

/// Chatwoot's `NUMBER_OF_PERMITTED_ATTACHMENTS`.
pub const MAX_ATTACHMENTS: usize = 15;

/// A file to attach: one stored for this message, or an earlier upload's signed blob id
/// (`POST /upload`, or Chatwoot's direct uploads).
#[derive(Clone, Debug)]
pub enum Attachable {
    Stored(NewBlob),
    Signed(String),
}

/// A message attachment and the URL of its file.
#[derive(Clone, Debug)]
pub struct FileDetails {
    pub attachment: Attachment,
    /// Absolute URL of the file; empty when the attachment has no file.
    pub data_url: String,
}

/// `GET …/messages`: Chatwoot's window and the conversation's meta.
pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<(ConversationDetails, Vec<MessageDetails>)> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let limit = match (before, after) {
        (Some(_), Some(_)) => 1000,
        (None, Some(_)) => 100,
        _ => 20,
    };
    let rows = messages::page(tx.ex(), c.id, before, after, limit).await?;
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    let list = complete(ctx, account, &d, rows).await?;
    Ok((d, list))
}

/// Adds senders and attachments to messages of `d`, in two queries whatever their number.
async fn complete(
    ctx: &Ctx,
    account: AccountId,
    d: &ConversationDetails,
    rows: Vec<Message>,
) -> Result<Vec<MessageDetails>> {
    let mut conn = ctx.db.conn().await?;
    let people: HashMap<UserId, User> = users::list_for_account(conn.ex(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut files = files_of(ctx, attachments::for_messages(conn.ex(), &ids).await?);
    // Agent bots only when one wrote here (most conversations have none).
    let bot_ids: Vec<i64> = rows
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("AgentBot"))
        .filter_map(|m| m.sender_id)
        .collect();
    let bots: HashMap<i64, switchboard_store::agent_bots::AgentBot> =
        switchboard_store::agent_bots::by_ids(conn.ex(), &bot_ids)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
    Ok(rows
        .into_iter()
        .map(|m| {
            let mut details = message_details(d, m, &people);
            details.attachments = files.remove(&details.message.id).unwrap_or_default();
            if details.message.sender_type.as_deref() == Some("AgentBot") {
                details.sender = details
                    .message
                    .sender_id
                    .and_then(|id| bots.get(&id).cloned())
                    .map(Sender::AgentBot);
            }
            details
        })
        .collect())
}

/// Attachments grouped by message, with their URLs.
pub(crate) fn files_of(ctx: &Ctx, rows: Vec<Attachment>) -> HashMap<i64, Vec<FileDetails>> {
    let mut by_message: HashMap<i64, Vec<FileDetails>> = HashMap::new();
    for a in rows {
        by_message
            .entry(a.message_id)
            .or_default()
            .push(file_details(ctx, a));
    }
    by_message
}

fn file_details(ctx: &Ctx, a: Attachment) -> FileDetails {
    let data_url = match (a.blob_id, &a.filename) {
        (Some(blob), Some(name)) => format!(
            "{}{}",
            ctx.settings.frontend_url.trim_end_matches('/'),
            ctx.files.url_path(blob, name)
        ),
        _ => a.external_url.clone().unwrap_or_default(),
    };
    FileDetails {
        attachment: a,
        data_url,
    }
}

/// A message of `d` with its sender: the conversation's contact or one of `people`.
pub(crate) fn message_details(
    d: &ConversationDetails,
    m: Message,
    people: &HashMap<UserId, User>,
) -> MessageDetails {
    let sender = match (m.sender_type.as_deref(), m.sender_id) {
        (Some("Contact"), Some(id)) => d
            .contact
            .clone()
            .filter(|c| c.id == id)
            .map(Sender::Contact),
        (Some("User"), Some(id)) => people.get(&UserId(id)).cloned().map(Sender::User),
        _ => None,
    };
    MessageDetails {
        sender,
        display_id: d.conversation.display_id,
        conversation: d.conversation.clone(),
        source_id: d.contact_inbox.as_ref().map(|ci| ci.source_id.clone()),
        unread_count: d.unread_count,
        attachments: Vec::new(),
        message: m,
    }
}

/// One message of `c` as the API shows it, with the few rows that needs: the contact
/// (when it sent the message), the contact inbox's source id, the unread count and the
/// files (looked up only `with_files`). The full conversation is not loaded (a message create is the hottest write).
pub(crate) async fn single(
    ctx: &Ctx,
    mut ex: Ex<'_>,
    c: Conversation,
    m: Message,
    caller: Option<&User>,
    with_files: bool,
) -> Result<MessageDetails> {
    let sender = match (m.sender_type.as_deref(), m.sender_id) {
        (Some("User"), Some(id)) if caller.is_some_and(|u| u.id.0 == id) => {
            caller.cloned().map(Sender::User)
        }
        (Some("User"), Some(id)) => users::find(ex.re(), UserId(id))
            .await
            .ok()
            .map(Sender::User),
        (Some("Contact"), Some(id)) => contacts::find(ex.re(), c.account_id, id)
            .await
            .ok()
            .map(Sender::Contact),
        (Some("AgentBot"), Some(id)) => switchboard_store::agent_bots::find(ex.re(), id)
            .await
            .ok()
            .map(Sender::AgentBot),
        _ => None,
    };
    let source_id = match c.contact_inbox_id {
        Some(ci) => contacts::contact_inboxes_by_ids(ex.re(), &[ci])
            .await?
            .pop()
            .map(|ci| ci.source_id),
        None => None,
    };
    let unread_count = messages::unread_counts(ex.re(), &[c.id])
        .await?
        .first()
        .map_or(0, |u| u.unread.min(10));
    let attachments = if with_files {
        files_of(ctx, attachments::for_messages(ex.re(), &[m.id]).await?)
            .remove(&m.id)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(MessageDetails {
        sender,
        display_id: c.display_id,
        source_id,
        unread_count,
        attachments,
        conversation: c,
        message: m,
    })
}

/// Stores uploaded files ahead of the transaction that records them; when anything
/// fails, the objects stored so far are removed again.
pub(crate) async fn store_uploads(ctx: &Ctx, uploads: &[Upload]) -> Result<Vec<NewBlob>> {
    let mut stored: Vec<NewBlob> = Vec::with_capacity(uploads.len());
    for u in uploads {
        match ctx.files.put(u).await {
            Ok(b) => stored.push(b),
            Err(e) => {
                forget(ctx, &stored).await;
                return Err(e);
            }
        }
    }
    Ok(stored)
}

async fn forget(ctx: &Ctx, blobs: &[NewBlob]) {
    let keys: Vec<String> = blobs.iter().map(|b| b.key.clone()).collect();
    ctx.files.forget(&keys).await;
}

/// The keys of the files `m` carries that are not yet recorded.
pub(crate) fn pending(m: &MessageInput) -> Vec<String> {
    m.attachments
        .iter()
        .filter_map(|a| match a {
            Attachable::Stored(b) => Some(b.key.clone()),
            Attachable::Signed(_) => None,
        })
        .collect()
}

/// `POST …/messages`, with its uploads (multipart `attachments[]`).
pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    m: MessageInput,
    uploads: Vec<Upload>,
) -> Result<MessageDetails> {
    create_by(ctx, Actor::User(caller), account, display_id, m, uploads).await
}

/// `create` by anyone (automation posts replies and private notes with no sender).
pub(crate) async fn create_by(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    mut m: MessageInput,
    uploads: Vec<Upload>,
) -> Result<MessageDetails> {
    check_count(m.attachments.len() + uploads.len())?;
    let stored = store_uploads(ctx, &uploads).await?;
    m.attachments
        .extend(stored.into_iter().map(Attachable::Stored));
    let keys = pending(&m);
    let with_files = !m.attachments.is_empty();
    let created = async {
        let mut tx = ctx.db.begin().await?;
        let (c, _) = reachable(&mut tx, by, account, display_id).await?;
        let inbox = inboxes::find(tx.ex(), account, c.inbox_id).await?;
        let (msg, c) = post(ctx, &mut tx, Some(by), &inbox, c, m, Timestamp::now()).await?;
        crate::webhooks::message_event(tx.ex(), "message_created", &c, &msg).await?;
        let details = single(ctx, tx.ex(), c, msg, by.user(), with_files).await?;
        tx.commit().await?;
        Ok::<_, Error>(details)
    }
    .await;
    match created {
        Ok(d) => {
            // `post` sets the conversation's first reply time to this message's.
            let first_reply = d.conversation.first_reply_created_at == Some(d.message.created_at)
                && d.message.message_type == MessageType::Outgoing.value()
                && !d.message.private;
            crate::live::new_message(ctx, &d, first_reply).await;
            Ok(d)
        }
        Err(e) => {
            if with_files {
                ctx.files.forget(&keys).await;
            }
            Err(e)
        }
    }
}

pub(crate) fn check_count(n: usize) -> Result<()> {
    if n > MAX_ATTACHMENTS {
        return Err(Error::Unprocessable(
            "Validation failed: Attachments exceeded maximum allowed".into(),
        ));
    }
    Ok(())
}

/// Records the attachments of a new message `msg` (inside `post`'s transaction).
pub(crate) async fn attach(
    ctx: &Ctx,
    tx: &mut Tx,
    inbox: &Inbox,
    msg: &Message,
    files: Vec<Attachable>,
    now: Timestamp,
) -> Result<()> {
    check_count(files.len())?;
    for file in files {
        let blob = match file {
            Attachable::Stored(new) => attachments::insert_blob(tx.ex(), &new, now).await?,
            Attachable::Signed(signed) => {
                let invalid = || Error::Unprocessable("Attachment is invalid or expired".into());
                let id = ctx.files.verify(&signed).ok_or_else(invalid)?;
                attachments::find_blob(tx.ex(), id)
                    .await?
                    .ok_or_else(invalid)?
            }
        };
        let content_type = blob.content_type.clone().unwrap_or_default();
        // Chatwoot limits what website visitors may send, and nothing else.
        if inbox.channel_type.as_deref() == Some(inboxes::WEB_WIDGET) {
            if !files::acceptable_for_widget(&content_type) {
                return Err(Error::Unprocessable(
                    "Validation failed: File type not supported".into(),
                ));
            }
            if blob.byte_size as usize > ctx.files.max_upload_bytes {
                return Err(Error::Unprocessable(
                    "Validation failed: File size is too big".into(),
                ));
            }
        }
        let extension = files::extension(&blob.filename);
        let id = attachments::insert(
            tx.ex(),
            &NewAttachment {
                account_id: msg.account_id,
                message_id: msg.id,
                file_type: FileType::of_content_type(&content_type).value(),
                extension: extension.as_deref(),
                external_url: None,
                fallback_title: None,
            },
            now,
        )
        .await?;
        attachments::link(tx.ex(), "Attachment", id, "file", blob.id, now).await?;
    }
    Ok(())
}

/// Soft delete, as Chatwoot does it: the row stays with a placeholder text, and the
/// files go.
pub async fn delete(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    id: i64,
) -> Result<MessageDetails> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let mut m = messages::find(tx.ex(), c.id, id).await?;
    m.content = Some("This message was deleted".into());
    m.processed_message_content = m.content.clone();
    m.content_type = ContentType::Text.value();
    m.content_attributes = Some(Json(serde_json::json!({ "deleted": true })));
    let m = messages::save(tx.ex(), &m, Timestamp::now()).await?;
    let gone = attachments::delete_for_message(tx.ex(), m.id).await?;
    let shown = updated(ctx, tx, c, m, caller).await?;
    ctx.files.forget(&gone).await;
    Ok(shown)
}

/// Commits a change to message `m` and shows it, as the answer and live.
async fn updated(
    ctx: &Ctx,
    mut tx: Tx,
    c: Conversation,
    m: Message,
    caller: &User,
) -> Result<MessageDetails> {
    crate::webhooks::message_event(tx.ex(), "message_updated", &c, &m).await?;
    let shown = single(ctx, tx.ex(), c, m, Some(caller), true).await?;
    tx.commit().await?;
    crate::live::message(ctx, "message.updated", &shown).await;
    Ok(shown)
}

/// `PATCH …/messages/:id {status, external_error}`: how an API channel reports delivery.
/// Chatwoot allows it on API inboxes only (403), ignores unknown statuses and a step
/// back from `read` to `delivered`, and keeps `external_error` only for `failed`.
pub async fn update_status(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    id: i64,
    status: Option<&str>,
    external_error: Option<String>,
) -> Result<MessageDetails> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let inbox = inboxes::find(tx.ex(), account, c.inbox_id).await?;
    if inbox.channel_type.as_deref() != Some(inboxes::API) {
        return Err(Error::Forbidden(
            "Message status update is only allowed for API inboxes".into(),
        ));
    }
    let mut m = messages::find(tx.ex(), c.id, id).await?;
    let status = status.and_then(MessageStatus::parse);
    let current = m.status.and_then(MessageStatus::from_value);
    if let Some(status) = status
        && !(current == Some(MessageStatus::Read) && status == MessageStatus::Delivered)
    {
        let mut attrs = object(&m.content_attributes);
        match external_error.filter(|_| status == MessageStatus::Failed) {
            Some(e) => attrs.insert("external_error".into(), Value::String(e)),
            None => attrs.remove("external_error"),
        };
        m = messages::set_status(
            tx.ex(),
            m.id,
            status.value(),
            &Some(Json(Value::Object(attrs))),
            Timestamp::now(),
        )
        .await?;
    }
    updated(ctx, tx, c, m, caller).await
}

/// `POST …/messages/:id/retry`: back to `sent` with the error cleared, as Chatwoot does
/// before it hands the message to the channel again.
pub async fn retry(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    id: i64,
) -> Result<MessageDetails> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let m = messages::find(tx.ex(), c.id, id).await?;
    let m = messages::set_status(
        tx.ex(),
        m.id,
        MessageStatus::Sent.value(),
        &Some(Json(Value::Object(Map::new()))),
        Timestamp::now(),
    )
    .await?;
    updated(ctx, tx, c, m, caller).await
}

fn object(v: &Option<Json<Value>>) -> Map<String, Value> {
    match v {
        Some(Json(Value::Object(m))) => m.clone(),
        _ => Map::new(),
    }
}

/// Chatwoot's `ATTACHMENT_RESULTS_PER_PAGE`.
pub const ATTACHMENTS_PER_PAGE: i64 = 100;

/// One file of a conversation's attachments list, with the message it came in.
pub struct ConversationFile {
    pub file: FileDetails,
    pub message: Option<MessageDetails>,
}

/// `GET …/conversations/:id/attachments`: newest first, 100 a page, and the total.
pub async fn for_conversation(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    page: i64,
) -> Result<(i64, Vec<ConversationFile>)> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let offset = (page.max(1) - 1) * ATTACHMENTS_PER_PAGE;
    let (total, rows) =
        attachments::for_conversation(tx.ex(), c.id, ATTACHMENTS_PER_PAGE, offset).await?;
    let mut ids: Vec<i64> = rows.iter().map(|a| a.message_id).collect();
    ids.dedup();
    let msgs = messages::by_ids(tx.ex(), c.id, &ids).await?;
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    let people: HashMap<UserId, User> = {
        let mut conn = ctx.db.conn().await?;
        users::list_for_account(conn.ex(), account)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let by_id: HashMap<i64, MessageDetails> = msgs
        .into_iter()
        .map(|m| (m.id, message_details(&d, m, &people)))
        .collect();
    let files = rows
        .into_iter()
        .map(|a| ConversationFile {
            message: by_id.get(&a.message_id).cloned(),
            file: file_details(ctx, a),
        })
        .collect();
    Ok((total, files))
}

/// Shows a message written outside these use cases (the Client API's, a contact's)
/// live as `message.created`.
pub(crate) async fn show_new(ctx: &Ctx, c: Conversation, m: Message) {
    show(ctx, "message.created", c, m).await;
}

/// Shows a message changed outside these use cases live as `message.updated`.
pub(crate) async fn show_updated(ctx: &Ctx, c: Conversation, m: Message) {
    show(ctx, "message.updated", c, m).await;
}

async fn show(ctx: &Ctx, event: &str, c: Conversation, m: Message) {
    let loaded = async {
        let mut conn = ctx.db.conn().await?;
        single(ctx, conn.ex(), c, m, None, false).await
    }
    .await;
    match loaded {
        Ok(d) => crate::live::message(ctx, event, &d).await,
        Err(e) => tracing::warn!(event, error = %e, "live event dropped"),
    }
}
