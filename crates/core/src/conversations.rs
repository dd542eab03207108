//! Conversations (`/api/v1/accounts/:id/conversations`): listing with Chatwoot's counts,
//! creation, status, priority, assignment, labels and attributes, with the activity
//! messages Chatwoot writes. Administrators see every conversation of the account;
//! agents those of their inboxes (and, one by one, their teams').

use std::collections::HashMap;

use serde_json::{Map, Value};
use switchboard_domain::{
    AccountId, ContentType, ConversationStatus, Error, MessageStatus, MessageType, Priority,
    Result, Role, Timestamp, UserId, Uuid, attributes,
};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::agent_bots::{self, AgentBot};
use switchboard_store::contacts::{self, Contact, ContactInbox};
use switchboard_store::conversations::{self, Assignee, Conversation, Counts, Filter, Sort};
use switchboard_store::inboxes::{self, Inbox};
use switchboard_store::labels::{self as label_store, Taggable};
use switchboard_store::messages::{self, Message};
use switchboard_store::teams::{self, Team};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, Json, Tx};

use crate::Ctx;
use crate::agents::Agent;
use crate::auth::membership;
use crate::contacts::clean_labels;

/// Chatwoot's `CONVERSATION_RESULTS_PER_PAGE`.
pub const PER_PAGE: i64 = 25;

/// Who wrote a message.
#[derive(Clone, Debug)]
pub enum Sender {
    Contact(Contact),
    User(User),
    AgentBot(AgentBot),
}

/// Who makes a change: a person through the API, or an automation rule (Chatwoot's
/// `Current.user` and `Current.executed_by`). Automation has no membership to check and
/// signs activity messages as Chatwoot's "Automation System".
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    User(&'a User),
    /// An agent bot whose token `agent_bots::acting` has already checked for the account.
    Bot(&'a AgentBot),
    Automation,
}

impl Actor<'_> {
    pub fn name(&self) -> &str {
        match self {
            Actor::User(u) => &u.name,
            Actor::Bot(b) => b.name.as_deref().unwrap_or_default(),
            Actor::Automation => "Automation System",
        }
    }

    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Bot(_) | Actor::Automation => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct MessageDetails {
    pub message: Message,
    pub sender: Option<Sender>,
    /// The display id the API shows as `conversation_id`.
    pub display_id: i64,
    pub conversation: Conversation,
    pub source_id: Option<String>,
    pub unread_count: i64,
    pub attachments: Vec<crate::messages::FileDetails>,
}

/// Everything the conversation view shows.
#[derive(Clone, Debug)]
pub struct ConversationDetails {
    pub conversation: Conversation,
    pub contact: Option<Contact>,
    pub contact_inbox: Option<ContactInbox>,
    pub inbox: Option<Inbox>,
    pub assignee: Option<Agent>,
    pub team: Option<Team>,
    pub last_message: Option<MessageDetails>,
    pub last_non_activity_message: Option<MessageDetails>,
    pub unread_count: i64,
    /// Whether an agent may reply now (the channel's messaging window).
    pub can_reply: bool,
}

impl ConversationDetails {
    pub fn labels(&self) -> Vec<String> {
        labels_of(&self.conversation)
    }
}

fn labels_of(c: &Conversation) -> Vec<String> {
    c.cached_label_list
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Loads the related rows of `list` with a fixed number of queries, whatever its length.
pub async fn details(
    ctx: &Ctx,
    mut ex: Ex<'_>,
    account: AccountId,
    list: Vec<Conversation>,
) -> Result<Vec<ConversationDetails>> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let contact_ids: Vec<i64> = list.iter().filter_map(|c| c.contact_id).collect();
    let ci_ids: Vec<i64> = list.iter().filter_map(|c| c.contact_inbox_id).collect();
    let contacts: HashMap<i64, Contact> = contacts::by_ids(ex.re(), account, &contact_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let cis: HashMap<i64, ContactInbox> = contacts::contact_inboxes_by_ids(ex.re(), &ci_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let inboxes: HashMap<i64, Inbox> = inboxes::list(ex.re(), account, None)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut members = account_users::list_for_account(ex.re(), account).await?;
    crate::presence::mark(ctx, account, &mut members).await;
    let members: HashMap<UserId, AccountUser> =
        members.into_iter().map(|au| (au.user_id, au)).collect();
    let people: HashMap<UserId, User> = users::list_for_account(ex.re(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let teams: HashMap<i64, Team> = teams::list(ex.re(), account)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let unread: HashMap<i64, i64> = messages::unread_counts(ex.re(), &ids)
        .await?
        .into_iter()
        .map(|u| (u.conversation_id, u.unread.min(10)))
        .collect();
    let mut last: HashMap<i64, Message> = messages::latest(ex.re(), &ids, false)
        .await?
        .into_iter()
        .map(|m| (m.conversation_id, m))
        .collect();
    let mut last_human: HashMap<i64, Message> = messages::latest(ex.re(), &ids, true)
        .await?
        .into_iter()
        .map(|m| (m.conversation_id, m))
        .collect();
    let windows = reply_windows(ex.re(), account, &inboxes).await?;
    let windowed: Vec<i64> = list
        .iter()
        .filter(|c| windows.contains_key(&c.inbox_id))
        .map(|c| c.id)
        .collect();
    let last_incoming: HashMap<i64, Timestamp> = messages::last_incoming_many(ex.re(), &windowed)
        .await?
        .into_iter()
        .map(|l| (l.conversation_id, l.at))
        .collect();
    let now = Timestamp::now();
    let last_ids: Vec<i64> = last
        .values()
        .chain(last_human.values())
        .map(|m| m.id)
        .collect();
    let files = crate::messages::files_of(
        ctx,
        switchboard_store::attachments::for_messages(ex.re(), &last_ids).await?,
    );
    // Bots are looked up only when one wrote a message shown here.
    let bot_ids: Vec<i64> = last
        .values()
        .chain(last_human.values())
        .filter(|m| m.sender_type.as_deref() == Some("AgentBot"))
        .filter_map(|m| m.sender_id)
        .collect();
    let bots: HashMap<i64, AgentBot> = agent_bots::by_ids(ex.re(), &bot_ids)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // Message senders not already at hand (a contact merged away, say) are left out.
    let sender = |m: &Message| match (m.sender_type.as_deref(), m.sender_id) {
        (Some("Contact"), Some(id)) => contacts.get(&id).cloned().map(Sender::Contact),
        (Some("User"), Some(id)) => people.get(&UserId(id)).cloned().map(Sender::User),
        (Some("AgentBot"), Some(id)) => bots.get(&id).cloned().map(Sender::AgentBot),
        _ => None,
    };
    Ok(list
        .into_iter()
        .map(|c| {
            let contact_inbox = c.contact_inbox_id.and_then(|id| cis.get(&id).cloned());
            let unread_count = unread.get(&c.id).copied().unwrap_or(0);
            let wrap = |m: Message| MessageDetails {
                sender: sender(&m),
                display_id: c.display_id,
                conversation: c.clone(),
                source_id: contact_inbox.as_ref().map(|ci| ci.source_id.clone()),
                unread_count,
                attachments: files.get(&m.id).cloned().unwrap_or_default(),
                message: m,
            };
            let last_message = last.remove(&c.id).map(wrap);
            let last_non_activity_message = last_human.remove(&c.id).map(wrap);
            let assignee = c.assignee_id.and_then(|id| {
                Some(Agent {
                    user: people.get(&id)?.clone(),
                    account_user: members.get(&id)?.clone(),
                })
            });
            // Chatwoot's MessageWindowService: an API inbox with `agent_reply_time_window`
            // (hours) allows replies only that long after the contact last wrote.
            let can_reply = windows.get(&c.inbox_id).is_none_or(|hours| {
                last_incoming
                    .get(&c.id)
                    .is_some_and(|at| now < at.plus_seconds(hours * 3600))
            });
            ConversationDetails {
                can_reply,
                contact: c.contact_id.and_then(|id| contacts.get(&id).cloned()),
                contact_inbox,
                inbox: inboxes.get(&c.inbox_id).cloned(),
                assignee,
                team: c.team_id.and_then(|id| teams.get(&id).cloned()),
                last_message,
                last_non_activity_message,
                unread_count,
                conversation: c,
            }
        })
        .collect())
}

/// The reply window in hours of each inbox that has one (API inboxes with
/// `additional_attributes.agent_reply_time_window`).
async fn reply_windows(
    ex: Ex<'_>,
    account: AccountId,
    inboxes: &HashMap<i64, Inbox>,
) -> Result<HashMap<i64, i64>> {
    if !inboxes
        .values()
        .any(|i| i.channel_type.as_deref() == Some(inboxes::API))
    {
        return Ok(HashMap::new());
    }
    let hours: HashMap<i64, i64> = inboxes::api_channels(ex, account)
        .await?
        .into_iter()
        .filter_map(|ch| {
            let v = ch
                .additional_attributes
                .as_ref()?
                .0
                .get("agent_reply_time_window")?
                .clone();
            let h = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }?;
            (h > 0).then_some((ch.id, h))
        })
        .collect();
    Ok(inboxes
        .values()
        .filter(|i| i.channel_type.as_deref() == Some(inboxes::API))
        .filter_map(|i| hours.get(&i.channel_id).map(|h| (i.id, *h)))
        .collect())
}

pub(crate) async fn one(ctx: &Ctx, ex: Ex<'_>, c: Conversation) -> Result<ConversationDetails> {
    let account = c.account_id;
    details(ctx, ex, account, vec![c])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

pub(crate) fn is_admin(au: &AccountUser) -> bool {
    au.role == Some(Role::Administrator.value())
}

/// The inboxes whose conversations the caller lists: None for administrators.
async fn scope(
    mut ex: Ex<'_>,
    caller: &User,
    account: AccountId,
    member: &AccountUser,
) -> Result<Option<Vec<i64>>> {
    if is_admin(member) {
        return Ok(None);
    }
    Ok(Some(
        inboxes::list(ex.re(), account, Some(caller.id))
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect(),
    ))
}

/// A conversation the caller may act on: an administrator, a member of its inbox, or a
/// member of its team (Chatwoot's ConversationPolicy).
pub(crate) async fn accessible(
    tx: &mut Tx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<(Conversation, AccountUser)> {
    let member = membership(tx.ex(), caller, account).await?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    if is_admin(&member) || inboxes::is_member(tx.ex(), c.inbox_id, caller.id).await? {
        return Ok((c, member));
    }
    if let Some(team) = c.team_id
        && teams::member_ids(tx.ex(), team).await?.contains(&caller.id)
    {
        return Ok((c, member));
    }
    Err(Error::forbidden())
}

/// A conversation `by` may act on: `accessible` for a person (with the membership),
/// any conversation of the account for automation.
pub(crate) async fn reachable(
    tx: &mut Tx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
) -> Result<(Conversation, Option<AccountUser>)> {
    match by {
        Actor::User(u) => {
            let (c, member) = accessible(tx, u, account, display_id).await?;
            Ok((c, Some(member)))
        }
        // A bot may act on any conversation of an account it serves (Chatwoot's
        // ConversationPolicy for bots), which `agent_bots::acting` checked.
        Actor::Bot(_) | Actor::Automation => Ok((
            conversations::find_by_display_id(tx.ex(), account, display_id).await?,
            None,
        )),
    }
}

/// The list's parameters, already parsed.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub status: Option<ConversationStatus>,
    pub all_statuses: bool,
    pub assignee_type: String,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub source_id: Option<String>,
    pub sort: Sort,
    pub page: i64,
    pub updated_within: Option<i64>,
}

/// Chatwoot's ConversationFinder: counts before the assignee filter, then the page.
pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    q: &ListQuery,
) -> Result<(Counts, Vec<ConversationDetails>)> {
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    let mut inboxes = scope(conn.ex(), caller, account, &member).await?;
    if let Some(wanted) = q.inbox_id {
        inboxes = Some(match inboxes {
            None => vec![wanted],
            Some(mine) => mine.into_iter().filter(|i| *i == wanted).collect(),
        });
    }
    if let Some(team) = q.team_id {
        teams::find(conn.ex(), account, team).await?;
    }
    let status = if q.all_statuses {
        None
    } else {
        Some(q.status.unwrap_or(ConversationStatus::Open).value())
    };
    let filter = Filter {
        inboxes,
        status,
        team_id: q.team_id,
        labels: q.labels.clone(),
        source_id: q.source_id.clone(),
        updated_since: q.updated_within.map(|s| Timestamp::now().plus_seconds(-s)),
    };
    let counts = conversations::counts(conn.ex(), account, &filter, caller.id).await?;
    let assignee = match q.assignee_type.as_str() {
        "me" => Assignee::Me(caller.id),
        "unassigned" => Assignee::Unassigned,
        "assigned" => Assignee::Assigned,
        _ => Assignee::All,
    };
    let limit = if q.updated_within.is_some() {
        None
    } else {
        Some((PER_PAGE, q.page))
    };
    let rows = conversations::list(conn.ex(), account, &filter, assignee, q.sort, limit).await?;
    Ok((counts, details(ctx, conn.ex(), account, rows).await?))
}

pub async fn show(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<ConversationDetails> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    Ok(d)
}

/// The first message of a new conversation, and messages posted later.
#[derive(Clone, Debug, Default)]
pub struct MessageInput {
    pub attachments: Vec<crate::messages::Attachable>,
    pub content: Option<String>,
    pub message_type: Option<String>,
    pub private: bool,
    pub content_type: Option<String>,
    pub content_attributes: Option<Map<String, Value>>,
    pub source_id: Option<String>,
}

#[derive(Default)]
pub struct NewConversation {
    pub source_id: Option<String>,
    pub contact_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub status: Option<String>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub additional_attributes: Option<Map<String, Value>>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub message: Option<MessageInput>,
}

fn parse_status(s: &str) -> Result<ConversationStatus> {
    ConversationStatus::parse(s)
        .ok_or_else(|| Error::invalid("status", format!("'{s}' is not a valid status")))
}

/// Chatwoot caps each custom or additional attribute's text at 1,500 characters.
pub(crate) fn check_attributes(name: &str, m: &Map<String, Value>) -> Result<()> {
    for (k, v) in m {
        if v.as_str().is_some_and(|s| s.chars().count() > 1500) {
            return Err(Error::invalid(
                name,
                format!("{} {k} length should be < 1500", label(name)),
            ));
        }
    }
    Ok(())
}

fn label(attribute: &str) -> String {
    let s = attribute.replace('_', " ");
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    n: NewConversation,
) -> Result<ConversationDetails> {
    create_by(ctx, Actor::User(caller), account, n).await
}

/// `create` by a user (who must reach the inbox) or a bot serving the account.
pub(crate) async fn create_by(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    n: NewConversation,
) -> Result<ConversationDetails> {
    let status = n.status.as_deref().map(parse_status).transpose()?;
    for (name, m) in [
        ("additional_attributes", &n.additional_attributes),
        ("custom_attributes", &n.custom_attributes),
    ] {
        if let Some(m) = m {
            check_attributes(name, m)?;
        }
    }
    let mut tx = ctx.db.begin().await?;
    let member = match by.user() {
        Some(u) => Some((u, membership(tx.ex(), u, account).await?)),
        None => None,
    };
    let now = Timestamp::now();
    let (contact, contact_inbox, inbox) = match (n.inbox_id, n.contact_id, n.source_id.clone()) {
        (Some(inbox_id), Some(contact_id), source_id) => {
            let inbox = inboxes::find(tx.ex(), account, inbox_id).await?;
            if let Some((u, m)) = &member {
                require_inbox(&mut tx, u, m, &inbox).await?;
            }
            let contact = contacts::find(tx.ex(), account, contact_id).await?;
            let ci =
                crate::contacts::attach_inbox(&mut tx, &contact, &inbox, source_id, false, now)
                    .await
                    .map_err(|e| match e {
                        Error::Invalid { .. } => {
                            Error::Unprocessable("source_id should be unique".into())
                        }
                        other => other,
                    })?;
            (contact, ci, inbox)
        }
        (_, None, Some(source_id)) => {
            let ci = contacts::find_contact_inbox_by_source(tx.ex(), account, &source_id)
                .await?
                .ok_or(Error::NotFound)?;
            let inbox = inboxes::find(tx.ex(), account, ci.inbox_id).await?;
            if let Some((u, m)) = &member {
                require_inbox(&mut tx, u, m, &inbox).await?;
            }
            let contact = contacts::find(tx.ex(), account, ci.contact_id).await?;
            (contact, ci, inbox)
        }
        (Some(_), None, None) | (None, Some(_), _) | (None, None, None) => {
            return Err(Error::NotFound);
        }
    };
    let assignee = match n.assignee_id {
        Some(id) => Some(
            account_users::find(tx.ex(), account, UserId(id))
                .await?
                .ok_or(Error::NotFound)?
                .user_id,
        ),
        None => None,
    };
    if let Some(team) = n.team_id {
        teams::find(tx.ex(), account, team).await?;
    }
    let start = Start {
        status: status.unwrap_or(ConversationStatus::Open),
        assignee,
        team_id: n.team_id,
        snoozed_until: n.snoozed_until,
        additional_attributes: n.additional_attributes.unwrap_or_default(),
        custom_attributes: n.custom_attributes.unwrap_or_default(),
    };
    let (mut c, existing) =
        start_conversation(ctx, &mut tx, &inbox, &contact, &contact_inbox, start, now).await?;
    if existing {
        let d = one(ctx, tx.ex(), c).await?;
        tx.commit().await?;
        return Ok(d);
    }
    let mut first = None;
    if let Some(m) = n.message {
        let (msg, updated) = post(ctx, &mut tx, Some(by), &inbox, c, m, now).await?;
        c = updated;
        first = Some(msg);
    }
    crate::webhooks::conversation_event(tx.ex(), "conversation_created", &c, None).await?;
    if let Some(msg) = &first {
        crate::webhooks::message_event(tx.ex(), "message_created", &c, msg).await?;
    }
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    crate::live::conversation(ctx, "conversation.created", &d).await;
    if let Some(msg) = first
        && let Some(m) = [&d.last_non_activity_message, &d.last_message]
            .into_iter()
            .flatten()
            .find(|m| m.message.id == msg.id)
    {
        crate::live::message(ctx, "message.created", m).await;
    }
    Ok(d)
}

/// The conversation view of `display_id`, for callers whose access was checked already.
pub(crate) async fn load(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
) -> Result<ConversationDetails> {
    let mut conn = ctx.db.conn().await?;
    let c = conversations::find_by_display_id(conn.ex(), account, display_id).await?;
    one(ctx, conn.ex(), c).await
}

/// After a committed change: shows its activity messages (`said`) and then the
/// conversation, freshly loaded, as each of `events`.
pub(crate) async fn show_live(
    ctx: &Ctx,
    events: &[&str],
    account: AccountId,
    display_id: i64,
    said: Vec<Message>,
) {
    if events.is_empty() && said.is_empty() {
        return;
    }
    let d = match load(ctx, account, display_id).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(?events, error = %e, "live events dropped");
            return;
        }
    };
    for m in said {
        let details = MessageDetails {
            sender: None,
            display_id: d.conversation.display_id,
            conversation: d.conversation.clone(),
            source_id: d.contact_inbox.as_ref().map(|ci| ci.source_id.clone()),
            unread_count: d.unread_count,
            attachments: Vec::new(),
            message: m,
        };
        crate::live::message(ctx, "message.created", &details).await;
    }
    for event in events {
        crate::live::conversation(ctx, event, &d).await;
    }
}

/// What a new conversation starts with.
pub struct Start {
    pub status: ConversationStatus,
    pub assignee: Option<UserId>,
    pub team_id: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub additional_attributes: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
}

/// Opens a conversation for a contact's identity in an inbox; with
/// `lock_to_single_conversation`, returns its latest one instead (and `true`).
pub(crate) async fn start_conversation(
    ctx: &Ctx,
    tx: &mut Tx,
    inbox: &Inbox,
    contact: &Contact,
    contact_inbox: &ContactInbox,
    start: Start,
    now: Timestamp,
) -> Result<(Conversation, bool)> {
    if inbox.lock_to_single_conversation
        && let Some(existing) =
            conversations::latest_for_contact_inbox(tx.ex(), contact_inbox.id).await?
    {
        return Ok((existing, true));
    }
    // A blocked contact's conversations start resolved, and those of an inbox with an
    // active agent bot pending, whatever was asked (Chatwoot's determine_conversation_status).
    let status = if contact.blocked {
        ConversationStatus::Resolved
    } else if agent_bots::inbox_has_active_bot(tx.ex(), inbox.id).await? {
        ConversationStatus::Pending
    } else {
        start.status
    };
    let account = inbox.account_id;
    let assignee = match start.assignee {
        Some(a) => Some(a),
        None => first_assignee(ctx, tx, inbox, start.team_id, status).await?,
    };
    let display_id = conversations::next_display_id(tx.ex(), account).await?;
    let draft = Conversation {
        id: 0,
        account_id: account,
        inbox_id: inbox.id,
        status: status.value(),
        assignee_id: assignee,
        created_at: now,
        updated_at: now,
        contact_id: Some(contact.id),
        display_id,
        contact_last_seen_at: None,
        agent_last_seen_at: None,
        additional_attributes: Some(Json(Value::Object(start.additional_attributes))),
        contact_inbox_id: Some(contact_inbox.id),
        uuid: Uuid::new_v4(),
        identifier: None,
        last_activity_at: now,
        team_id: start.team_id,
        campaign_id: None,
        snoozed_until: (status == ConversationStatus::Snoozed)
            .then(|| start.snoozed_until.map(Timestamp::from_unix_seconds))
            .flatten(),
        custom_attributes: Some(Json(Value::Object(start.custom_attributes))),
        assignee_last_seen_at: None,
        first_reply_created_at: None,
        priority: None,
        sla_policy_id: None,
        waiting_since: Some(now),
        cached_label_list: None,
        assignee_agent_bot_id: None,
    };
    Ok((conversations::insert(tx.ex(), &draft).await?, false))
}

/// Who a new conversation goes to when none is named, as Chatwoot's callbacks decide it:
/// a team that allows auto-assignment hands it to one of its members (whatever the
/// status, as Chatwoot's AssignmentHandler does); otherwise an open conversation in an
/// inbox with auto-assignment goes round robin among the inbox's members.
async fn first_assignee(
    ctx: &Ctx,
    tx: &mut Tx,
    inbox: &Inbox,
    team: Option<i64>,
    status: ConversationStatus,
) -> Result<Option<UserId>> {
    if let Some(team) = team
        && teams::find(tx.ex(), inbox.account_id, team)
            .await?
            .allow_auto_assign
            .unwrap_or(true)
        && let Some(u) = crate::assignment::pick(ctx, tx, inbox, Some(team)).await?
    {
        return Ok(Some(u));
    }
    if status == ConversationStatus::Open && crate::assignment::enabled(inbox) {
        return crate::assignment::pick(ctx, tx, inbox, None).await;
    }
    Ok(None)
}

async fn require_inbox(
    tx: &mut Tx,
    caller: &User,
    member: &AccountUser,
    inbox: &Inbox,
) -> Result<()> {
    if is_admin(member) || inboxes::is_member(tx.ex(), inbox.id, caller.id).await? {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// Chatwoot's content-attribute checks for interactive messages.
fn check_items(content_type: ContentType, attrs: &Map<String, Value>) -> Result<()> {
    let allowed: &[&str] = match content_type {
        ContentType::InputSelect => &["title", "value"],
        ContentType::Cards => &["title", "description", "media_url", "actions"],
        ContentType::Form => &[
            "type",
            "placeholder",
            "label",
            "name",
            "options",
            "default",
            "required",
            "pattern",
            "title",
            "pattern_error",
        ],
        ContentType::Article => &["title", "description", "link"],
        _ => return Ok(()),
    };
    let fail =
        |m: String| Error::Unprocessable(format!("Validation failed: Content attributes {m}"));
    let items = match attrs.get("items") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => return Err(fail("At least one item is required.".into())),
    };
    for item in items {
        let Value::Object(item) = item else {
            return Err(fail("Items should be a hash.".into()));
        };
        let bad: Vec<&String> = item
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .collect();
        if !bad.is_empty() {
            let list: Vec<String> = bad.iter().map(|k| format!(":{k}")).collect();
            return Err(fail(format!(
                "contains invalid keys for items : [{}]",
                list.join(", ")
            )));
        }
        if content_type == ContentType::Cards && !item.get("actions").is_some_and(Value::is_array) {
            return Err(fail("contains items missing actions".into()));
        }
    }
    Ok(())
}

/// Who writes a message through `post_by`: an agent, an agent bot or an automation rule
/// (none: the contact).
#[derive(Clone, Copy)]
pub(crate) enum Author<'a> {
    User(&'a User),
    Bot(&'a AgentBot),
    Automation,
}

impl<'a> From<Actor<'a>> for Author<'a> {
    fn from(a: Actor<'a>) -> Self {
        match a {
            Actor::User(u) => Author::User(u),
            Actor::Bot(b) => Author::Bot(b),
            Actor::Automation => Author::Automation,
        }
    }
}

/// Writes a message and what it changes on the conversation; returns both.
pub(crate) async fn post(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: Option<Actor<'_>>,
    inbox: &Inbox,
    c: Conversation,
    m: MessageInput,
    now: Timestamp,
) -> Result<(Message, Conversation)> {
    post_by(ctx, tx, caller.map(Author::from), inbox, c, m, now).await
}

/// `post`, by an agent, a bot or (None) the contact.
pub(crate) async fn post_by(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: Option<Author<'_>>,
    inbox: &Inbox,
    mut c: Conversation,
    m: MessageInput,
    now: Timestamp,
) -> Result<(Message, Conversation)> {
    let fail = |m: String| Error::Unprocessable(m);
    let message_type = match m.message_type.as_deref() {
        None | Some("") => MessageType::Outgoing,
        Some(t) => MessageType::parse(t)
            .ok_or_else(|| fail(format!("'{t}' is not a valid message_type")))?,
    };
    // Agents may post incoming messages only for API inboxes; contacts always write them.
    if message_type == MessageType::Incoming
        && caller.is_some()
        && inbox.channel_type.as_deref() != Some(inboxes::API)
    {
        return Err(fail(
            "Incoming messages are only allowed in Api inboxes".into(),
        ));
    }
    let content_type = match m.content_type.as_deref() {
        None | Some("") => ContentType::Text,
        Some(t) => ContentType::parse(t)
            .ok_or_else(|| fail(format!("'{t}' is not a valid content_type")))?,
    };
    if m.content
        .as_deref()
        .is_some_and(|s| s.chars().count() > 150_000)
    {
        return Err(fail(
            "Validation failed: Content is too long (maximum is 150000 characters)".into(),
        ));
    }
    let attrs = m.content_attributes.unwrap_or_default();
    check_items(content_type, &attrs)?;
    crate::messages::check_count(m.attachments.len())?;
    // Chatwoot's guard against message loops (automations, bots answering bots).
    let recent = messages::count_since(tx.ex(), c.id, now.plus_seconds(-60)).await?;
    if recent >= ctx.settings.message_per_minute_limit {
        return Err(fail("Validation failed: Too many messages".into()));
    }
    let (sender_type, sender_id) = match (message_type, caller) {
        (MessageType::Outgoing, Some(Author::User(user))) => (Some("User"), Some(user.id.0)),
        (MessageType::Outgoing, Some(Author::Bot(bot))) => (Some("AgentBot"), Some(bot.id)),
        // Chatwoot's automation messages have no sender.
        (MessageType::Outgoing, Some(Author::Automation)) => (None, None),
        (MessageType::Outgoing, None) => {
            return Err(fail("Contacts can only send incoming messages".into()));
        }
        _ => (Some("Contact"), Some(c.contact_id.unwrap_or_default())),
    };
    let msg = Message {
        id: 0,
        content: m.content.clone(),
        account_id: c.account_id,
        inbox_id: c.inbox_id,
        conversation_id: c.id,
        message_type: message_type.value(),
        created_at: now,
        updated_at: now,
        private: m.private,
        status: Some(MessageStatus::Sent.value()),
        source_id: m.source_id,
        content_type: content_type.value(),
        content_attributes: Some(Json(Value::Object(attrs))),
        sender_type: sender_type.map(Into::into),
        sender_id,
        external_source_ids: Some(Json(Value::Object(Map::new()))),
        additional_attributes: Some(Json(Value::Object(Map::new()))),
        processed_message_content: m.content,
        sentiment: Some(Json(Value::Object(Map::new()))),
    };
    let msg = messages::insert(tx.ex(), &msg).await?;
    crate::messages::attach(ctx, tx, inbox, &msg, m.attachments, now).await?;
    // As Chatwoot's Message callbacks do.
    let before = c.clone();
    let human_reply = (message_type == MessageType::Outgoing && !m.private)
        .then_some(sender_id)
        .flatten()
        .filter(|_| sender_type == Some("User"));
    c.last_activity_at = now;
    let mut reopened = false;
    match message_type {
        MessageType::Incoming => {
            let status = ConversationStatus::from_value(c.status);
            if matches!(
                status,
                Some(ConversationStatus::Resolved | ConversationStatus::Snoozed)
            ) {
                // A resolved conversation of a bot inbox goes back to the bot (pending),
                // as Chatwoot's reopen_resolved_conversation does.
                let to_bot = status == Some(ConversationStatus::Resolved)
                    && agent_bots::inbox_has_active_bot(tx.ex(), inbox.id).await?;
                c.status = if to_bot {
                    ConversationStatus::Pending.value()
                } else {
                    ConversationStatus::Open.value()
                };
                c.snoozed_until = None;
                reopened = true;
            }
            if c.waiting_since.is_none() {
                c.waiting_since = Some(now);
            }
            if let Some(contact) = c.contact_id {
                contacts::touch(tx.ex(), contact, now).await?;
            }
        }
        // Only a person's reply is a reply (Chatwoot's `human_response?`).
        MessageType::Outgoing if !m.private && sender_type == Some("User") => {
            if c.first_reply_created_at.is_none() {
                c.first_reply_created_at = Some(now);
            }
            c.waiting_since = None;
        }
        // A bot's answer also stops the wait (Chatwoot's `bot_response?`).
        MessageType::Outgoing if !m.private && sender_type == Some("AgentBot") => {
            c.waiting_since = None;
        }
        _ => {}
    }
    let mut c = conversations::save(tx.ex(), &c, now).await?;
    if let Some(user) = human_reply {
        crate::reporting::human_reply(tx, inbox, &before, user, now).await?;
    }
    if reopened {
        crate::reporting::status_changed(tx, &c, false).await?;
    }
    // The contact's message reopened it: auto-assignment runs as for any reopening (no
    // activity message: no agent did it). Its live `assignee.changed` is left to the
    // next fetch; the webhook goes out with the change.
    if reopened && let Some(a) = crate::assignment::on_open(ctx, tx, &c, None, now).await? {
        let diff = Value::Array(vec![a.diff()]);
        c = a.conversation;
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
    }
    Ok((msg, c))
}

/// Writes an activity message (Chatwoot's texts), with no sender.
pub(crate) async fn activity(
    tx: &mut Tx,
    c: &Conversation,
    text: String,
    now: Timestamp,
) -> Result<Message> {
    let msg = Message {
        id: 0,
        content: Some(text.clone()),
        account_id: c.account_id,
        inbox_id: c.inbox_id,
        conversation_id: c.id,
        message_type: MessageType::Activity.value(),
        created_at: now,
        updated_at: now,
        private: false,
        status: Some(MessageStatus::Sent.value()),
        source_id: None,
        content_type: ContentType::Text.value(),
        content_attributes: Some(Json(Value::Object(Map::new()))),
        sender_type: None,
        sender_id: None,
        external_source_ids: Some(Json(Value::Object(Map::new()))),
        additional_attributes: Some(Json(Value::Object(Map::new()))),
        processed_message_content: Some(text),
        sentiment: Some(Json(Value::Object(Map::new()))),
    };
    Ok(messages::insert(tx.ex(), &msg).await?)
}

/// The result of `toggle_status`.
pub struct Toggled {
    pub display_id: i64,
    pub status: ConversationStatus,
    pub snoozed_until: Option<Timestamp>,
}

pub async fn toggle_status(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    status: Option<&str>,
    snoozed_until: Option<i64>,
) -> Result<Toggled> {
    change_status(
        ctx,
        Actor::User(caller),
        account,
        display_id,
        status,
        snoozed_until,
    )
    .await
}

/// `toggle_status` by anyone.
pub(crate) async fn change_status(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    status: Option<&str>,
    snoozed_until: Option<i64>,
) -> Result<Toggled> {
    let mut said = Vec::new();
    let mut tx = ctx.db.begin().await?;
    let (mut c, member) = reachable(&mut tx, by, account, display_id).await?;
    let current = ConversationStatus::from_value(c.status).unwrap_or(ConversationStatus::Open);
    let next = match status.filter(|s| !s.is_empty()) {
        Some(s) => parse_status(s)?,
        None if current == ConversationStatus::Open => ConversationStatus::Resolved,
        None => ConversationStatus::Open,
    };
    let now = Timestamp::now();
    c.snoozed_until = (next == ConversationStatus::Snoozed)
        .then(|| snoozed_until.map(Timestamp::from_unix_seconds))
        .flatten();
    let changed = next != current;
    c.status = next.value();
    // Nobody waits on a resolved conversation (Chatwoot's handle_resolved_status_change).
    if next == ConversationStatus::Resolved {
        c.waiting_since = None;
    }
    // An agent who opens a conversation takes it, as in Chatwoot (whoever had it).
    let taker = match (by.user(), &member) {
        (Some(u), Some(m)) if next == ConversationStatus::Open && !is_admin(m) => Some(u.id),
        _ => None,
    };
    let self_assign = taker.is_some_and(|id| c.assignee_id != Some(id));
    if self_assign {
        c.assignee_id = taker;
    }
    let mut c = conversations::save(tx.ex(), &c, now).await?;
    if changed {
        crate::reporting::status_changed(&mut tx, &c, false).await?;
    }
    // Reopened without an agent taking it: auto-assignment's turn (a bot's hand-off
    // comes this way too).
    let auto = if changed && next == ConversationStatus::Open && !self_assign {
        crate::assignment::on_open(ctx, &mut tx, &c, Some(by.name()), now).await?
    } else {
        None
    };
    if let Some(a) = &auto {
        c = a.conversation.clone();
    }
    if changed {
        let mut diff = crate::webhooks::changed(
            "status",
            serde_json::json!(current.as_str()),
            serde_json::json!(next.as_str()),
        );
        if let (Some(a), Value::Array(list)) = (&auto, &mut diff) {
            list.push(a.diff());
        }
        crate::webhooks::conversation_event(
            tx.ex(),
            "conversation_status_changed",
            &c,
            Some(diff.clone()),
        )
        .await?;
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
    } else if self_assign {
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
    }
    if changed {
        let who = by.name();
        let text = match next {
            ConversationStatus::Open => format!("Conversation was reopened by {who}"),
            ConversationStatus::Resolved => format!("Conversation was marked resolved by {who}"),
            ConversationStatus::Pending => format!("Conversation was marked as pending by {who}"),
            ConversationStatus::Snoozed => format!("Conversation was snoozed by {who}"),
        };
        said.push(activity(&mut tx, &c, text, now).await?);
    }
    if let Some(m) = auto.as_ref().and_then(|a| a.said.clone()) {
        said.push(m);
    }
    if self_assign {
        said.push(
            activity(
                &mut tx,
                &c,
                format!("{} self-assigned this conversation", by.name()),
                now,
            )
            .await?,
        );
    }
    tx.commit().await?;
    let event = if changed {
        "conversation.status_changed"
    } else {
        "conversation.updated"
    };
    let mut events = vec![event];
    if self_assign || auto.is_some() {
        events.push("assignee.changed");
    }
    show_live(ctx, &events, account, display_id, said).await;
    Ok(Toggled {
        display_id: c.display_id,
        status: next,
        snoozed_until: c.snoozed_until,
    })
}

pub async fn toggle_priority(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    priority: Option<&str>,
) -> Result<()> {
    change_priority(ctx, Actor::User(caller), account, display_id, priority).await
}

/// `toggle_priority` by anyone.
pub(crate) async fn change_priority(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    priority: Option<&str>,
) -> Result<()> {
    let next =
        match priority.filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(Priority::parse(p).ok_or_else(|| {
                Error::invalid("priority", format!("'{p}' is not a valid priority"))
            })?),
        };
    let mut said = Vec::new();
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = reachable(&mut tx, by, account, display_id).await?;
    let before = c.priority.and_then(Priority::from_value);
    if before != next {
        let now = Timestamp::now();
        c.priority = next.map(Priority::value);
        let c = conversations::save(tx.ex(), &c, now).await?;
        let who = by.name();
        let text = match (before, next) {
            (None, Some(p)) => format!("{who} set the priority to {p}"),
            (Some(b), Some(p)) => format!("{who} changed the priority from {b} to {p}"),
            (Some(_), None) | (None, None) => format!("{who} removed the priority"),
        };
        said.push(activity(&mut tx, &c, text, now).await?);
        let diff = crate::webhooks::changed(
            "priority",
            serde_json::json!(before.map(Priority::as_str)),
            serde_json::json!(next.map(Priority::as_str)),
        );
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
    }
    tx.commit().await?;
    let events: &[&str] = if before != next {
        &["conversation.updated"]
    } else {
        &[]
    };
    show_live(ctx, events, account, display_id, said).await;
    Ok(())
}

/// `PATCH /conversations/:id`: only the priority, as in Chatwoot.
pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    priority: Option<&str>,
) -> Result<ConversationDetails> {
    toggle_priority(ctx, caller, account, display_id, priority).await?;
    show(ctx, caller, account, display_id).await
}

/// What an assignment request changed, for its response.
pub enum Assigned {
    Agent(Box<Agent>),
    Team(Team),
    Nobody,
}

pub async fn assign(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    assignee_id: Option<Option<i64>>,
    team_id: Option<Option<i64>>,
) -> Result<Assigned> {
    assign_by(
        ctx,
        Actor::User(caller),
        account,
        display_id,
        assignee_id,
        team_id,
    )
    .await
}

/// `assign` by anyone.
pub(crate) async fn assign_by(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    assignee_id: Option<Option<i64>>,
    team_id: Option<Option<i64>>,
) -> Result<Assigned> {
    let mut said = Vec::new();
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = reachable(&mut tx, by, account, display_id).await?;
    let now = Timestamp::now();
    let who = by.name().to_string();
    if let Some(assignee) = assignee_id {
        let target = match assignee {
            Some(id) => account_users::find(tx.ex(), account, UserId(id)).await?,
            None => None,
        };
        let result = match target {
            Some(au) => {
                let user = users::find(tx.ex(), au.user_id).await?;
                let changed = c.assignee_id != Some(user.id);
                c.assignee_id = Some(user.id);
                c.assignee_agent_bot_id = None;
                let c = conversations::save(tx.ex(), &c, now).await?;
                if changed {
                    let text = if by.user().is_some_and(|u| u.id == user.id) {
                        format!("{who} self-assigned this conversation")
                    } else {
                        format!("Assigned to {} by {who}", user.name)
                    };
                    said.push(activity(&mut tx, &c, text, now).await?);
                }
                Assigned::Agent(Box::new(Agent {
                    user,
                    account_user: au,
                }))
            }
            None => {
                if c.assignee_id.is_some() {
                    c.assignee_id = None;
                    let c = conversations::save(tx.ex(), &c, now).await?;
                    said.push(
                        activity(
                            &mut tx,
                            &c,
                            format!("Conversation unassigned by {who}"),
                            now,
                        )
                        .await?,
                    );
                }
                Assigned::Nobody
            }
        };
        if !said.is_empty() {
            crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
        }
        tx.commit().await?;
        show_live(ctx, &["assignee.changed"], account, display_id, said).await;
        return Ok(result);
    }
    let Some(team) = team_id else {
        tx.commit().await?;
        return Ok(Assigned::Nobody);
    };
    let team = match team.filter(|t| *t != 0) {
        Some(id) => teams::find(tx.ex(), account, id).await.ok(),
        None => None,
    };
    let mut team_picked = false;
    let result = match team {
        Some(t) => {
            if c.team_id != Some(t.id) {
                c.team_id = Some(t.id);
                // An assignee outside the new team lets go of the conversation.
                if let Some(a) = c.assignee_id
                    && !teams::member_ids(tx.ex(), t.id).await?.contains(&a)
                {
                    c.assignee_id = None;
                }
                // Chatwoot's AssignmentHandler: a team that allows auto-assignment hands
                // the conversation to its next member in turn (online, with room).
                let mut picked = None;
                if c.assignee_id.is_none() && t.allow_auto_assign.unwrap_or(true) {
                    let inbox = inboxes::find(tx.ex(), account, c.inbox_id).await?;
                    if let Some(u) =
                        crate::assignment::pick(ctx, &mut tx, &inbox, Some(t.id)).await?
                    {
                        c.assignee_id = Some(u);
                        c.assignee_agent_bot_id = None;
                        picked = Some(users::find(tx.ex(), u).await?);
                    }
                }
                let c = conversations::save(tx.ex(), &c, now).await?;
                let text = match &picked {
                    Some(u) => format!("Assigned to {} via {} by {who}", u.name, t.name),
                    None => format!("Assigned to {} by {who}", t.name),
                };
                said.push(activity(&mut tx, &c, text, now).await?);
                team_picked = picked.is_some();
            }
            Assigned::Team(t)
        }
        None => {
            if let Some(old) = c.team_id {
                let old_name = teams::find(tx.ex(), account, old)
                    .await
                    .map(|t| t.name)
                    .unwrap_or_default();
                c.team_id = None;
                let c = conversations::save(tx.ex(), &c, now).await?;
                said.push(
                    activity(
                        &mut tx,
                        &c,
                        format!("Unassigned from {old_name} by {who}"),
                        now,
                    )
                    .await?,
                );
            }
            Assigned::Nobody
        }
    };
    if !said.is_empty() {
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
    }
    tx.commit().await?;
    let events: &[&str] = if team_picked {
        &["team.changed", "assignee.changed"]
    } else {
        &["team.changed"]
    };
    show_live(ctx, events, account, display_id, said).await;
    Ok(result)
}

pub async fn labels(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<Vec<String>> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    tx.commit().await?;
    Ok(labels_of(&c))
}

/// Replaces the labels (kept in taggings and in `cached_label_list`, as Chatwoot does).
pub async fn set_labels(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    titles: &[String],
) -> Result<Vec<String>> {
    labels_by(ctx, Actor::User(caller), account, display_id, |_| {
        titles.to_vec()
    })
    .await
}

/// Sets the labels to what `next` makes of the current ones, by anyone (automation
/// adds and removes labels against the list as it is when the action runs).
pub(crate) async fn labels_by(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    next: impl FnOnce(&[String]) -> Vec<String>,
) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = reachable(&mut tx, by, account, display_id).await?;
    let titles = next(&labels_of(&c));
    let before = labels_of(&c);
    let now = Timestamp::now();
    let list = label_store::replace(
        tx.ex(),
        Taggable::Conversation(c.id),
        &clean_labels(&titles),
        now,
    )
    .await?;
    c.cached_label_list = Some(list.join(", "));
    let c = conversations::save(tx.ex(), &c, now).await?;
    let added: Vec<&String> = list.iter().filter(|l| !before.contains(l)).collect();
    let removed: Vec<&String> = before.iter().filter(|l| !list.contains(l)).collect();
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    if !added.is_empty() {
        said.push(
            activity(
                &mut tx,
                &c,
                format!("{} added {}", by.name(), join(added)),
                now,
            )
            .await?,
        );
    }
    if !removed.is_empty() {
        said.push(
            activity(
                &mut tx,
                &c,
                format!("{} removed {}", by.name(), join(removed)),
                now,
            )
            .await?,
        );
    }
    if !said.is_empty() {
        let diff = crate::webhooks::changed(
            "label_list",
            serde_json::json!(before),
            serde_json::json!(list),
        );
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
    }
    tx.commit().await?;
    let events: &[&str] = if said.is_empty() {
        &[]
    } else {
        &["conversation.updated"]
    };
    show_live(ctx, events, account, display_id, said).await;
    Ok(list)
}

/// Replaces the custom attributes (Chatwoot does not merge here).
pub async fn set_custom_attributes(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    attrs: Map<String, Value>,
) -> Result<Value> {
    check_attributes("custom_attributes", &attrs)?;
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = accessible(&mut tx, caller, account, display_id).await?;
    c.custom_attributes = Some(Json(Value::Object(attrs)));
    let c = conversations::save(tx.ex(), &c, Timestamp::now()).await?;
    crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
    tx.commit().await?;
    show_live(
        ctx,
        &["conversation.updated"],
        account,
        display_id,
        Vec::new(),
    )
    .await;
    Ok(attributes::object(
        c.custom_attributes.as_ref().map(|j| &j.0),
    ))
}

pub async fn update_last_seen(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<ConversationDetails> {
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let now = Timestamp::now();
    c.agent_last_seen_at = Some(now);
    if c.assignee_id == Some(caller.id) {
        c.assignee_last_seen_at = Some(now);
    }
    let c = conversations::save(tx.ex(), &c, c.updated_at).await?;
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    Ok(d)
}

/// `POST …/toggle_typing_status {typing_status: on|off, is_private}`: shown live to the
/// conversation's other agents and (unless private) its contact.
pub async fn toggle_typing(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    typing_status: Option<&str>,
    is_private: bool,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let d = one(ctx, tx.ex(), c).await?;
    if let Some(on) = match typing_status {
        Some("on") => Some(true),
        Some("off") => Some(false),
        _ => None,
    } {
        let typer = Sender::User(caller.clone());
        crate::webhooks::typing_event(tx.ex(), on, &d.conversation, &typer, is_private).await?;
    }
    tx.commit().await?;
    if let Some(on) = match typing_status {
        Some("on") => Some(true),
        Some("off") => Some(false),
        _ => None,
    } {
        crate::live::typing(ctx, on, &d, &Sender::User(caller.clone()), is_private).await;
    }
    Ok(())
}

/// `POST …/unread`: marks the conversation unread again, up to its latest incoming
/// message (Chatwoot sets the seen times a second before it).
pub async fn mark_unread(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<ConversationDetails> {
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let seen = messages::last_incoming_at(tx.ex(), c.id)
        .await?
        .map(|t| t.plus_seconds(-1));
    c.agent_last_seen_at = seen;
    c.assignee_last_seen_at = seen;
    let c = conversations::save(tx.ex(), &c, c.updated_at).await?;
    let d = one(ctx, tx.ex(), c).await?;
    tx.commit().await?;
    Ok(d)
}

/// `POST …/mute` and `…/unmute`: Chatwoot mutes by resolving the conversation and
/// blocking its contact (so `muted` is the contact's `blocked`), with activity messages.
pub async fn set_muted(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    muted: bool,
) -> Result<()> {
    mute_by(ctx, Actor::User(caller), account, display_id, muted).await
}

/// `set_muted` by anyone.
pub(crate) async fn mute_by(
    ctx: &Ctx,
    by: Actor<'_>,
    account: AccountId,
    display_id: i64,
    muted: bool,
) -> Result<()> {
    let mut said = Vec::new();
    let mut tx = ctx.db.begin().await?;
    let (mut c, _) = reachable(&mut tx, by, account, display_id).await?;
    let Some(contact) = c.contact_id else {
        return Ok(());
    };
    let now = Timestamp::now();
    let who = by.name();
    if muted && c.status != ConversationStatus::Resolved.value() {
        c.status = ConversationStatus::Resolved.value();
        c.snoozed_until = None;
        c = conversations::save(tx.ex(), &c, now).await?;
        // Chatwoot's `mute!` resolves through `resolved!`: a resolution like any other.
        crate::reporting::status_changed(&mut tx, &c, false).await?;
        said.push(
            activity(
                &mut tx,
                &c,
                format!("Conversation was marked resolved by {who}"),
                now,
            )
            .await?,
        );
    }
    contacts::set_blocked(tx.ex(), contact, muted, now).await?;
    let text = if muted {
        format!("{who} has muted the conversation")
    } else {
        format!("{who} has unmuted the conversation")
    };
    said.push(activity(&mut tx, &c, text, now).await?);
    tx.commit().await?;
    show_live(ctx, &["conversation.updated"], account, display_id, said).await;
    Ok(())
}

/// Administrators only, in any inbox of the account.
pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, display_id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    crate::auth::require_administrator(&member)?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    conversations::delete(tx.ex(), &c).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /conversations/filter`: within the caller's inboxes, Chatwoot's three counts.
pub async fn filter(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    raw: &[crate::filters::RawCondition],
    page: i64,
) -> Result<(Counts, Vec<ConversationDetails>)> {
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    let inboxes = scope(conn.ex(), caller, account, &member).await?;
    let conditions =
        crate::filters::conditions(conn.ex(), account, crate::filters::Model::Conversation, raw)
            .await?;
    let (counts, rows) = conversations::filter(
        conn.ex(),
        account,
        inboxes.as_deref(),
        &conditions,
        caller.id,
        page,
        PER_PAGE,
    )
    .await?;
    Ok((counts, details(ctx, conn.ex(), account, rows).await?))
}

/// One result of `GET /conversations/search`: the conversation and its matching messages.
pub struct Found {
    pub conversation: ConversationDetails,
    pub messages: Vec<MessageDetails>,
}

/// `GET /conversations/search?q=`: message content, any status, in the caller's inboxes.
pub async fn search(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    q: &str,
    page: i64,
) -> Result<(Counts, Vec<Found>)> {
    let needle = q.trim();
    if needle.is_empty() {
        return Err(Error::Unprocessable(
            "Specify search string with parameter q".into(),
        ));
    }
    let pattern = switchboard_store::like_pattern(needle);
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    let inboxes = scope(conn.ex(), caller, account, &member).await?;
    let (counts, rows) = conversations::search(
        conn.ex(),
        account,
        inboxes.as_deref(),
        &pattern,
        caller.id,
        page,
        PER_PAGE,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let hits = messages::matching(conn.ex(), &ids, &pattern).await?;
    let list = details(ctx, conn.ex(), account, rows).await?;
    let people: HashMap<UserId, User> = users::list_for_account(conn.ex(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let found = list
        .into_iter()
        .map(|d| {
            let messages = hits
                .iter()
                .filter(|m| m.conversation_id == d.conversation.id)
                .map(|m| crate::messages::message_details(&d, m.clone(), &people))
                .collect();
            Found {
                conversation: d,
                messages,
            }
        })
        .collect();
    Ok((counts, found))
}

/// `GET /contacts/:id/conversations`: the latest 20 the caller may see.
pub async fn for_contact(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
) -> Result<Vec<ConversationDetails>> {
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    contacts::find(conn.ex(), account, contact).await?;
    let inboxes = scope(conn.ex(), caller, account, &member).await?;
    let rows =
        conversations::latest_for_contact(conn.ex(), account, contact, inboxes.as_deref(), 20)
            .await?;
    details(ctx, conn.ex(), account, rows).await
}
