//! Automation rules (`/api/v1/accounts/:id/automation_rules`): Chatwoot's AutomationRule
//! model, AutomationRuleListener and AutomationRules::{ConditionsFilter,Action}Service.
//!
//! A change that a rule could react to enqueues one `automation` job in its own
//! transaction (next to the webhook outbox, in `webhooks::conversation_event` and
//! `message_event`), and only when the account has an active rule for that event. The
//! job loads the records as they are then, checks each rule's conditions and runs its
//! actions through the ordinary use cases, acting as the automation system. While it
//! does, changes do not enqueue automation again (Chatwoot skips events whose
//! `performed_by` is an AutomationRule): that is why rules never trigger themselves in a
//! loop. The changes still raise webhooks and live events as any other change.

use serde_json::{Map, Value, json};
use switchboard_domain::{
    AccountId, AttributeDisplayType, AttributeModel, ConversationStatus, MessageType, Priority,
    Timestamp, UserId, validation,
};
use switchboard_store::automation_rules::{self as store, AutomationRule, Fields};
use switchboard_store::contacts::{self, Contact};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::custom_attribute_definitions::{self as definitions, Definition};
use switchboard_store::messages::{self, Message};
use switchboard_store::users::User;
use switchboard_store::webhooks::{self as webhook_store, NewDelivery, Target};
use switchboard_store::{Ex, jobs};

use crate::auth::administrator;
use crate::conversations::{Actor, MessageInput};
use crate::jobs::Attempt;
use crate::{Ctx, Error, Result};

pub const JOB: &str = "automation";
const JOB_ATTEMPTS: i32 = 5;
/// More conditions or actions than this in one rule or macro is refused (Chatwoot has
/// no limit; a rule this long is a mistake or an attack on the worker).
const MAX_ITEMS: usize = 100;
/// Chatwoot's limit on a message's content.
const MAX_TEXT: usize = 150_000;

/// The events a rule can listen to (Chatwoot's AutomationRuleListener).
pub const EVENTS: [&str; 5] = [
    "conversation_created",
    "conversation_updated",
    "conversation_opened",
    "conversation_resolved",
    "message_created",
];

const EQ: &[&str] = &["equal_to", "not_equal_to"];
const TEXT: &[&str] = &["equal_to", "not_equal_to", "contains", "does_not_contain"];
const PRESENCE: &[&str] = &["equal_to", "not_equal_to", "is_present", "is_not_present"];
const PHONE: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "contains",
    "does_not_contain",
    "starts_with",
];
/// Chatwoot checks no operator for custom attributes; these are the ones that mean
/// something for them.
const CUSTOM: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "contains",
    "does_not_contain",
    "is_present",
    "is_not_present",
    "is_greater_than",
    "is_less_than",
    "days_before",
];

/// `AutomationRule#conditions_attributes`, each with the operators Chatwoot's
/// filter_keys.yml allows for it.
const CONDITIONS: [(&str, &[&str]); 17] = [
    ("content", TEXT),
    ("email", TEXT),
    ("country_code", EQ),
    ("status", EQ),
    ("message_type", EQ),
    ("browser_language", EQ),
    ("assignee_id", PRESENCE),
    ("team_id", PRESENCE),
    ("referer", TEXT),
    ("city", TEXT),
    ("company", TEXT),
    ("inbox_id", PRESENCE),
    ("mail_subject", TEXT),
    ("phone_number", PHONE),
    ("priority", EQ),
    ("conversation_language", EQ),
    ("labels", PRESENCE),
];

/// `AutomationRule#actions_attributes`.
pub const RULE_ACTIONS: [&str; 16] = [
    "send_message",
    "add_label",
    "remove_label",
    "send_email_to_team",
    "assign_team",
    "assign_agent",
    "send_webhook_event",
    "mute_conversation",
    "send_attachment",
    "change_status",
    "resolve_conversation",
    "open_conversation",
    "snooze_conversation",
    "change_priority",
    "send_email_transcript",
    "add_private_note",
];

// ---- Actions, shared with macros -------------------------------------------------------

/// Who an `assign_agent` action names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AgentRef {
    Id(i64),
    /// A macro's `self`: whoever runs it.
    Runner,
}

/// One action, checked.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Action {
    SendMessage(String),
    AddPrivateNote(String),
    AddLabel(Vec<String>),
    RemoveLabel(Vec<String>),
    /// None unassigns (`["nil"]`).
    AssignAgent(Option<AgentRef>),
    /// None unassigns (`["nil"]`, `[0]` or no id, as Chatwoot reads them).
    AssignTeam(Option<i64>),
    Mute,
    Status(ConversationStatus),
    /// None removes the priority (`["nil"]`).
    Priority(Option<Priority>),
    SendWebhookEvent(String),
    /// A message mailed to every member of these teams.
    SendEmailToTeam {
        team_ids: Vec<i64>,
        message: String,
    },
    /// The conversation's transcript mailed to each address.
    SendEmailTranscript(Vec<String>),
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn first_text(params: &[Value]) -> Option<String> {
    params.first().map(text).filter(|s| !s.trim().is_empty())
}

/// Whether an action param means "nobody" (Chatwoot's `'nil'`, and `0` for teams).
fn is_nil(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(v) => matches!(text(v).as_str(), "nil" | ""),
    }
}

fn id_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn web_url(s: &str) -> bool {
    url::Url::parse(s)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Reads `{action_name, action_params}`; the message says what is wrong.
pub(crate) fn parse_action(
    item: &Value,
    allowed: &[&str],
    unknown: impl Fn(&str) -> String,
) -> std::result::Result<Action, String> {
    let Value::Object(o) = item else {
        return Err("Each action should be an object with action_name and action_params".into());
    };
    let name = o.get("action_name").map(text).unwrap_or_default();
    if !allowed.contains(&name.as_str()) {
        return Err(unknown(&name));
    }
    let params: Vec<Value> = match o.get("action_params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(format!("Action {name} should have a list of action_params")),
    };
    let bad = |what: &str| format!("Action {name} {what}");
    let message = |params: &[Value]| {
        let s = first_text(params).ok_or_else(|| bad("needs a message"))?;
        if s.chars().count() > MAX_TEXT {
            return Err(bad("has a message longer than 150000 characters"));
        }
        Ok(s)
    };
    let labels = |params: &[Value]| {
        let list: Vec<String> = params
            .iter()
            .filter_map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            })
            .collect();
        if list.is_empty() || list.len() != params.len() {
            return Err(bad("needs a list of label names"));
        }
        Ok(list)
    };
    Ok(match name.as_str() {
        "send_message" => Action::SendMessage(message(&params)?),
        "add_private_note" => Action::AddPrivateNote(message(&params)?),
        "add_label" => Action::AddLabel(labels(&params)?),
        "remove_label" => Action::RemoveLabel(labels(&params)?),
        "assign_agent" => match params.first() {
            p if is_nil(p) => Action::AssignAgent(None),
            Some(Value::String(s)) if s == "self" => Action::AssignAgent(Some(AgentRef::Runner)),
            Some(v) => Action::AssignAgent(Some(AgentRef::Id(
                id_of(v).ok_or_else(|| bad("needs an agent id"))?,
            ))),
            None => Action::AssignAgent(None),
        },
        "assign_team" => match params.first() {
            p if is_nil(p) => Action::AssignTeam(None),
            Some(v) => match id_of(v).ok_or_else(|| bad("needs a team id"))? {
                0 => Action::AssignTeam(None),
                id => Action::AssignTeam(Some(id)),
            },
            None => Action::AssignTeam(None),
        },
        "remove_assigned_team" => Action::AssignTeam(None),
        "mute_conversation" => Action::Mute,
        "resolve_conversation" => Action::Status(ConversationStatus::Resolved),
        "open_conversation" => Action::Status(ConversationStatus::Open),
        "snooze_conversation" => Action::Status(ConversationStatus::Snoozed),
        "change_status" => Action::Status(
            params
                .first()
                .map(text)
                .and_then(|s| ConversationStatus::parse(&s))
                .ok_or_else(|| bad("needs a status: open, resolved, pending or snoozed"))?,
        ),
        "change_priority" => match params.first() {
            p if is_nil(p) => Action::Priority(None),
            Some(v) => {
                Action::Priority(Some(Priority::parse(&text(v)).ok_or_else(|| {
                    bad("needs a priority: low, medium, high, urgent or nil")
                })?))
            }
            None => Action::Priority(None),
        },
        "send_webhook_event" => {
            let url = first_text(&params).ok_or_else(|| bad("needs a URL"))?;
            if !web_url(&url) {
                return Err(bad("needs an http or https URL"));
            }
            Action::SendWebhookEvent(url)
        }
        "send_email_to_team" => {
            let first = params.first();
            let team_ids = first
                .and_then(|p| p.get("team_ids"))
                .and_then(Value::as_array);
            let message = first.and_then(|p| p.get("message")).and_then(Value::as_str);
            let (Some(team_ids), Some(message)) = (team_ids, message) else {
                return Err(bad("needs {team_ids, message}"));
            };
            Action::SendEmailToTeam {
                team_ids: team_ids.iter().filter_map(id_of).collect(),
                message: message.to_owned(),
            }
        }
        "send_email_transcript" => {
            // Chatwoot's one comma-separated string of addresses.
            let list = first_text(&params).ok_or_else(|| bad("needs email addresses"))?;
            let emails: Vec<String> = list
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect();
            if emails.iter().any(|e| validation::email(e).is_err()) {
                return Err(bad("needs email addresses"));
            }
            Action::SendEmailTranscript(emails)
        }
        // Rules and macros have no files yet, so there is nothing to attach.
        "send_attachment" => return Err(bad("is not supported yet")),
        _ => return Err(unknown(&name)),
    })
}

/// Checks a list of actions; returns them as stored (only Chatwoot's two keys).
pub(crate) fn check_actions(
    actions: Option<&Value>,
    allowed: &[&str],
    unknown: impl Fn(&[String]) -> String,
) -> Result<Value> {
    let invalid = |m: String| Error::invalid("actions", m);
    let Some(Value::Array(list)) = actions else {
        return Err(invalid("Actions should be a list".into()));
    };
    if list.len() > MAX_ITEMS {
        return Err(invalid(format!("At most {MAX_ITEMS} actions")));
    }
    // Chatwoot names every unknown action in one message.
    let names: Vec<String> = list
        .iter()
        .map(|a| a.get("action_name").map(text).unwrap_or_default())
        .filter(|n| !allowed.contains(&n.as_str()))
        .collect();
    if !names.is_empty() {
        return Err(invalid(unknown(&names)));
    }
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        parse_action(item, allowed, |n| unknown(&[n.to_string()])).map_err(invalid)?;
        out.push(json!({
            "action_name": item["action_name"],
            "action_params": item.get("action_params").cloned().filter(|v| !v.is_null()).unwrap_or_else(|| json!([])),
        }));
    }
    Ok(Value::Array(out))
}

/// How actions run: as whom, for which rule, and what a webhook action calls its event.
pub(crate) struct Runner<'a> {
    pub by: Actor<'a>,
    pub rule_id: Option<i64>,
    pub webhook_event: String,
}

/// Runs `actions` on one conversation, in order; a failing action is logged and the next
/// one runs (as Chatwoot's services rescue each action).
pub(crate) async fn perform(
    ctx: &Ctx,
    runner: &Runner<'_>,
    account: AccountId,
    display_id: i64,
    actions: &[Action],
) {
    for action in actions {
        if let Err(e) = perform_one(ctx, runner, account, display_id, action).await {
            tracing::warn!(
                account = account.0,
                conversation = display_id,
                rule = runner.rule_id,
                ?action,
                error = %e,
                "automation action failed"
            );
        }
    }
}

async fn perform_one(
    ctx: &Ctx,
    runner: &Runner<'_>,
    account: AccountId,
    display_id: i64,
    action: &Action,
) -> Result<()> {
    let by = runner.by;
    let note = |content: &str, private: bool| MessageInput {
        content: Some(content.to_string()),
        private,
        content_attributes: runner
            .rule_id
            .map(|id| Map::from_iter([("automation_rule_id".to_string(), json!(id))])),
        ..MessageInput::default()
    };
    match action {
        Action::SendMessage(s) => {
            crate::messages::create_by(ctx, by, account, display_id, note(s, false), Vec::new())
                .await?;
        }
        Action::AddPrivateNote(s) => {
            crate::messages::create_by(ctx, by, account, display_id, note(s, true), Vec::new())
                .await?;
        }
        Action::AddLabel(add) => {
            crate::conversations::labels_by(ctx, by, account, display_id, |now| {
                let mut list = now.to_vec();
                list.extend(add.iter().cloned());
                list
            })
            .await?;
        }
        Action::RemoveLabel(remove) => {
            crate::conversations::labels_by(ctx, by, account, display_id, |now| {
                now.iter()
                    .filter(|l| !remove.iter().any(|r| r.eq_ignore_ascii_case(l)))
                    .cloned()
                    .collect()
            })
            .await?;
        }
        Action::AssignAgent(who) => {
            let target = match who {
                None => None,
                Some(AgentRef::Id(id)) => Some(UserId(*id)),
                Some(AgentRef::Runner) => match by.user() {
                    Some(u) => Some(u.id),
                    // A rule has nobody to stand for `self`.
                    None => return Ok(()),
                },
            };
            if let Some(user) = target
                && !assignable(ctx, account, display_id, user).await?
            {
                // ActionService#agent_belongs_to_inbox?: anyone else is left alone.
                tracing::info!(
                    account = account.0,
                    user = user.0,
                    "automation: agent is not assignable here; skipped"
                );
                return Ok(());
            }
            crate::conversations::assign_by(
                ctx,
                by,
                account,
                display_id,
                Some(target.map(|u| u.0)),
                None,
            )
            .await?;
        }
        Action::AssignTeam(team) => {
            if let Some(id) = team {
                let mut conn = ctx.db.conn().await?;
                if switchboard_store::teams::find(conn.ex(), account, *id)
                    .await
                    .is_err()
                {
                    // ActionService#team_belongs_to_account?: another account's team is ignored.
                    return Ok(());
                }
            }
            crate::conversations::assign_by(ctx, by, account, display_id, None, Some(*team))
                .await?;
        }
        Action::Mute => {
            crate::conversations::mute_by(ctx, by, account, display_id, true).await?;
        }
        Action::Status(s) => {
            crate::conversations::change_status(
                ctx,
                by,
                account,
                display_id,
                Some(s.as_str()),
                None,
            )
            .await?;
        }
        Action::Priority(p) => {
            crate::conversations::change_priority(
                ctx,
                by,
                account,
                display_id,
                Some(p.map_or("", Priority::as_str)),
            )
            .await?;
        }
        Action::SendWebhookEvent(url) => {
            send_webhook(ctx, account, display_id, url, &runner.webhook_event).await?;
        }
        Action::SendEmailToTeam { team_ids, message } => {
            crate::transcripts::mail_teams(ctx, account, display_id, team_ids, message).await?;
        }
        Action::SendEmailTranscript(emails) => {
            crate::transcripts::send_by_system(ctx, account, display_id, emails).await?;
        }
    }
    Ok(())
}

/// An inbox member of the conversation's inbox, or an administrator of the account.
async fn assignable(ctx: &Ctx, account: AccountId, display_id: i64, user: UserId) -> Result<bool> {
    let mut conn = ctx.db.conn().await?;
    let c = conversations::find_by_display_id(conn.ex(), account, display_id).await?;
    let Some(member) = switchboard_store::account_users::find(conn.ex(), account, user).await?
    else {
        return Ok(false);
    };
    Ok(crate::conversations::is_admin(&member)
        || switchboard_store::inboxes::is_member(conn.ex(), c.inbox_id, user).await?)
}

/// Posts the conversation's webhook data to `url` as event `event`, through the webhook
/// delivery jobs (so with their retries, signature header and address guard).
async fn send_webhook(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
    url: &str,
    event: &str,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    let d = crate::conversations::one(ctx, tx.ex(), c).await?;
    let mut body = crate::views::webhook::conversation(&d);
    body["event"] = json!(event);
    let target = Target {
        webhook_id: None,
        inbox_id: None,
        url: url.to_string(),
        subscriptions: None,
        agent_bot_id: None,
    };
    let now = Timestamp::now();
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = webhook_store::insert_delivery(
        tx.ex(),
        &NewDelivery {
            account,
            target: &target,
            uuid: &uuid,
            event,
            body: &body.to_string(),
        },
        now,
    )
    .await?;
    jobs::enqueue(
        tx.ex(),
        crate::webhooks::DELIVERY_JOB,
        &json!({ "delivery_id": id }),
        crate::webhooks::DELIVERY_ATTEMPTS,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- Conditions ---------------------------------------------------------------------------

/// One condition, checked.
#[derive(Clone, Debug)]
struct Condition {
    key: String,
    operator: String,
    values: Value,
    /// How it joins the next condition: `OR` when true, else `AND`.
    or: bool,
    /// A custom attribute: the model whose `custom_attributes` hold it, and its type.
    custom: Option<(AttributeModel, Option<AttributeDisplayType>)>,
}

fn custom_definition<'a>(
    defs: &'a [Definition],
    key: &str,
    model: AttributeModel,
) -> Option<&'a Definition> {
    defs.iter().find(|d| {
        d.attribute_key.as_deref() == Some(key) && d.attribute_model == Some(model.value())
    })
}

/// The model a condition's `custom_attribute_type` names (Chatwoot's default is the
/// conversation's).
fn custom_model(c: &Map<String, Value>) -> AttributeModel {
    match c.get("custom_attribute_type").map(text).as_deref() {
        Some("contact_attribute") => AttributeModel::Contact,
        _ => AttributeModel::Conversation,
    }
}

/// Checks the conditions as Chatwoot's model and ConditionValidationService do (we
/// refuse unknown operators when the rule is saved, where Chatwoot finds them only when
/// the rule runs); returns them as stored.
fn check_conditions(conditions: Option<&Value>, defs: &[Definition]) -> Result<Value> {
    let invalid = |m: String| Error::invalid("conditions", m);
    let Some(Value::Array(list)) = conditions else {
        return Err(invalid("Conditions should be a list".into()));
    };
    if list.len() > MAX_ITEMS {
        return Err(invalid(format!("At most {MAX_ITEMS} conditions")));
    }
    let mut unknown = Vec::new();
    let mut out = Vec::with_capacity(list.len());
    let mut without_operator = 0;
    for item in list {
        let Value::Object(o) = item else {
            return Err(invalid(
                "Each condition should be an object with attribute_key, filter_operator and values"
                    .into(),
            ));
        };
        let key = o.get("attribute_key").map(text).unwrap_or_default();
        let operator = o.get("filter_operator").map(text).unwrap_or_default();
        let allowed: &[&str] = match CONDITIONS.iter().find(|(k, _)| *k == key) {
            Some((_, ops)) => ops,
            None if custom_definition(defs, &key, custom_model(o)).is_some() => CUSTOM,
            None => {
                unknown.push(key);
                continue;
            }
        };
        if operator != "attribute_changed" && !allowed.contains(&operator.as_str()) {
            return Err(invalid(format!(
                "Invalid operator. The allowed operators for {key} are [{}].",
                allowed.join(",")
            )));
        }
        let values = o.get("values").cloned().unwrap_or(Value::Null);
        let values_ok = match operator.as_str() {
            "attribute_changed" => {
                values.get("from").is_some_and(Value::is_array)
                    && values.get("to").is_some_and(Value::is_array)
            }
            "is_present" | "is_not_present" => true,
            _ => values
                .as_array()
                .is_some_and(|a| a.iter().any(|v| !text(v).trim().is_empty())),
        };
        if !values_ok {
            return Err(invalid(format!(
                "Invalid value. The values provided for {key} are invalid"
            )));
        }
        let query_operator = o.get("query_operator").map(text).unwrap_or_default();
        if query_operator.is_empty() {
            without_operator += 1;
        } else if !query_operator.eq_ignore_ascii_case("and")
            && !query_operator.eq_ignore_ascii_case("or")
        {
            return Err(invalid(
                "Query operator must be either \"AND\" or \"OR\"".into(),
            ));
        }
        let mut stored = json!({
            "attribute_key": key,
            "filter_operator": operator,
            "values": values,
            "query_operator": if query_operator.is_empty() { Value::Null } else { json!(query_operator.to_uppercase()) },
        });
        if let Some(t) = o.get("custom_attribute_type").filter(|v| !v.is_null()) {
            stored["custom_attribute_type"] = t.clone();
        }
        out.push(stored);
    }
    if !unknown.is_empty() {
        return Err(invalid(format!(
            "Automation conditions {} not supported.",
            unknown.join(",")
        )));
    }
    if without_operator > 1 {
        return Err(invalid(
            "Automation conditions should have query operator.".into(),
        ));
    }
    Ok(Value::Array(out))
}

fn conditions_of(stored: &Value, defs: &[Definition]) -> Vec<Condition> {
    stored
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    let o = c.as_object()?;
                    let key = o.get("attribute_key").map(text)?;
                    let custom = if CONDITIONS.iter().any(|(k, _)| *k == key) {
                        None
                    } else {
                        let model = custom_model(o);
                        let def = custom_definition(defs, &key, model);
                        Some((
                            model,
                            def.and_then(|d| d.attribute_display_type)
                                .and_then(AttributeDisplayType::from_value),
                        ))
                    };
                    Some(Condition {
                        key,
                        operator: o.get("filter_operator").map(text).unwrap_or_default(),
                        values: o.get("values").cloned().unwrap_or(Value::Null),
                        or: o
                            .get("query_operator")
                            .map(text)
                            .is_some_and(|q| q.eq_ignore_ascii_case("or")),
                        custom,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a rule's conditions look at: the records as they are when the job runs.
struct Facts {
    conversation: Conversation,
    contact: Option<Contact>,
    message: Option<Message>,
    /// What the change changed: attribute → [before, after].
    changed: Map<String, Value>,
}

fn json_key(v: Option<&switchboard_store::Json<Value>>, key: &str) -> Option<String> {
    v.and_then(|j| j.0.get(key))
        .filter(|v| !v.is_null())
        .map(text)
}

impl Facts {
    fn labels(&self) -> Vec<String> {
        self.conversation
            .cached_label_list
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The value a condition compares with; None is SQL's NULL.
    fn value(&self, c: &Condition) -> Option<String> {
        let conv = &self.conversation;
        let contact = self.contact.as_ref();
        if let Some((model, _)) = c.custom {
            let attrs = match model {
                AttributeModel::Conversation => conv.custom_attributes.as_ref(),
                AttributeModel::Contact => contact.and_then(|k| k.custom_attributes.as_ref()),
            };
            return json_key(attrs, &c.key);
        }
        match c.key.as_str() {
            "status" => ConversationStatus::from_value(conv.status).map(|s| s.as_str().into()),
            "assignee_id" => conv.assignee_id.map(|u| u.0.to_string()),
            "team_id" => conv.team_id.map(|t| t.to_string()),
            "inbox_id" => Some(conv.inbox_id.to_string()),
            "priority" => conv
                .priority
                .and_then(Priority::from_value)
                .map(|p| p.as_str().into()),
            "browser_language" | "conversation_language" | "referer" | "mail_subject" => {
                json_key(conv.additional_attributes.as_ref(), &c.key)
            }
            "email" => contact.and_then(|k| k.email.clone()),
            "phone_number" => contact.and_then(|k| k.phone_number.clone()),
            "country_code" | "city" | "company" => json_key(
                contact.and_then(|k| k.additional_attributes.as_ref()),
                &c.key,
            ),
            "content" => self
                .message
                .as_ref()
                .and_then(|m| m.processed_message_content.clone().or(m.content.clone())),
            "message_type" => self
                .message
                .as_ref()
                .and_then(|m| MessageType::from_value(m.message_type))
                .map(|t| t.as_str().into()),
            _ => None,
        }
    }
}

/// A request value as the stored one reads (`1` for `incoming`, `"3"` for `3`).
fn normalise(key: &str, v: &Value) -> String {
    let s = text(v);
    let n = s.trim().parse::<i32>().ok();
    match (key, n) {
        ("message_type", Some(n)) => MessageType::from_value(n).map_or(s, |t| t.as_str().into()),
        ("status", Some(n)) => ConversationStatus::from_value(n).map_or(s, |t| t.as_str().into()),
        ("priority", Some(n)) => Priority::from_value(n).map_or(s, |t| t.as_str().into()),
        _ => s.trim().to_string(),
    }
}

/// A `YYYY-MM-DD` day `days` before today, for `days_before`.
fn day_before(days: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(
        Timestamp::now()
            .plus_seconds(-days.saturating_mul(86_400))
            .unix_seconds(),
    )
    .ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        t.year(),
        u8::from(t.month()),
        t.day()
    ))
}

fn compare(actual: &str, wanted: &str) -> Option<std::cmp::Ordering> {
    match (actual.trim().parse::<f64>(), wanted.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b),
        _ => Some(actual.trim().cmp(wanted.trim())),
    }
}

/// Whether one condition holds. NULL matches no comparison, as in Chatwoot's SQL.
fn holds(c: &Condition, f: &Facts) -> bool {
    let values: Vec<String> = c
        .values
        .as_array()
        .map(|a| a.iter().map(|v| normalise(&c.key, v)).collect())
        .unwrap_or_default();
    let first = values.first().cloned().unwrap_or_default();
    if c.operator == "attribute_changed" {
        let Some(Value::Array(pair)) = f.changed.get(&c.key) else {
            return false;
        };
        let side = |name: &str, v: Option<&Value>| {
            let v = v.map(|v| normalise(&c.key, v)).unwrap_or_default();
            c.values[name]
                .as_array()
                .is_some_and(|a| a.iter().any(|w| normalise(&c.key, w) == v))
        };
        return side("from", pair.first()) && side("to", pair.get(1));
    }
    if c.key == "labels" && c.custom.is_none() {
        let labels = f.labels();
        let has = |v: &str| labels.iter().any(|l| l.eq_ignore_ascii_case(v));
        return match c.operator.as_str() {
            "equal_to" => has(&first),
            "not_equal_to" => !has(&first),
            "is_present" => !labels.is_empty(),
            "is_not_present" => labels.is_empty(),
            _ => false,
        };
    }
    let actual = f.value(c);
    if c.operator == "is_present" {
        return actual.is_some();
    }
    if c.operator == "is_not_present" {
        return actual.is_none();
    }
    let Some(actual) = actual else {
        return false;
    };
    let lower = actual.to_lowercase();
    let equal = |v: &String| lower == v.to_lowercase();
    let contains = |v: &String| lower.contains(&v.trim().to_lowercase());
    match c.operator.as_str() {
        "equal_to" => values.iter().any(equal),
        "not_equal_to" => !values.iter().any(equal),
        "contains" => values.iter().any(contains),
        "does_not_contain" => !values.iter().any(contains),
        "starts_with" => lower.starts_with(&first.to_lowercase()),
        "is_greater_than" => compare(&actual, &first) == Some(std::cmp::Ordering::Greater),
        "is_less_than" => compare(&actual, &first) == Some(std::cmp::Ordering::Less),
        "days_before" => first
            .parse::<i64>()
            .ok()
            .and_then(day_before)
            .is_some_and(|cutoff| actual.get(..10).is_some_and(|day| day < cutoff.as_str())),
        _ => false,
    }
}

/// All conditions, joined left to right with AND binding tighter than OR (as in the SQL
/// Chatwoot builds); no conditions always match.
fn matches(conditions: &[Condition], f: &Facts) -> bool {
    if conditions.is_empty() {
        return true;
    }
    let mut group = true;
    for (i, c) in conditions.iter().enumerate() {
        group = group && holds(c, f);
        let last = i + 1 == conditions.len();
        if last || c.or {
            if group {
                return true;
            }
            group = true;
        }
    }
    false
}

// ---- Enqueuing, inside the transaction of the change -------------------------------------

tokio::task_local! {
    /// Set while a rule's actions run (Chatwoot's `Current.executed_by`).
    static PERFORMING: i64;
}

/// Whether the current task is running a rule's actions.
fn performing() -> bool {
    PERFORMING.try_with(|_| ()).is_ok()
}

/// `changed_attributes` as the webhook outbox writes them (`[{attr: {previous_value,
/// current_value}}]`) as Chatwoot's `previous_changes` (`{attr: [before, after]}`).
fn previous_changes(changed: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for entry in changed.and_then(Value::as_array).into_iter().flatten() {
        for (k, v) in entry.as_object().into_iter().flatten() {
            out.insert(
                k.clone(),
                json!([v["previous_value"].clone(), v["current_value"].clone()]),
            );
        }
    }
    out
}

async fn enqueue(
    mut ex: Ex<'_>,
    c: &Conversation,
    event: &str,
    message: Option<i64>,
    changed: Option<&Value>,
) -> Result<()> {
    if performing() || !store::any_active(ex.re(), c.account_id, event).await? {
        return Ok(());
    }
    let payload = json!({
        "account_id": c.account_id.0,
        "display_id": c.display_id,
        "event": event,
        "message_id": message,
        "changed_attributes": previous_changes(changed),
    });
    jobs::enqueue(ex.re(), JOB, &payload, JOB_ATTEMPTS, Timestamp::now()).await?;
    Ok(())
}

/// A conversation event as the webhook outbox names it, for the rules that listen to
/// it: `conversation_status_changed` is `conversation_opened` or `conversation_resolved`
/// by the status it changed to.
pub(crate) async fn conversation_event(
    ex: Ex<'_>,
    webhook_event: &str,
    c: &Conversation,
    changed: Option<&Value>,
) -> Result<()> {
    let event = match webhook_event {
        "conversation_created" | "conversation_updated" => webhook_event,
        "conversation_status_changed" => match ConversationStatus::from_value(c.status) {
            Some(ConversationStatus::Open) => "conversation_opened",
            Some(ConversationStatus::Resolved) => "conversation_resolved",
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    enqueue(ex, c, event, None, changed).await
}

/// `message_created`, except activity messages (as Chatwoot's listener).
pub(crate) async fn message_created(ex: Ex<'_>, c: &Conversation, m: &Message) -> Result<()> {
    if m.message_type == MessageType::Activity.value() {
        return Ok(());
    }
    enqueue(ex, c, "message_created", Some(m.id), None).await
}

// ---- The job --------------------------------------------------------------------------------

/// Checks the account's active rules for the event and runs the actions of those whose
/// conditions hold. An action's failure is logged and not retried (a retry would repeat
/// the actions that worked); failing to load the records is retried.
pub(crate) async fn run(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    match evaluate(ctx, attempt.payload).await {
        // The conversation was deleted meanwhile: nothing to do.
        Ok(()) | Err(Error::NotFound) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

async fn load_facts(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
    message: Option<i64>,
    changed: &Map<String, Value>,
) -> Result<Facts> {
    let mut conn = ctx.db.conn().await?;
    let conversation = conversations::find_by_display_id(conn.ex(), account, display_id).await?;
    let contact = match conversation.contact_id {
        Some(id) => contacts::find(conn.ex(), account, id).await.ok(),
        None => None,
    };
    let message = match message {
        Some(id) => Some(messages::find(conn.ex(), conversation.id, id).await?),
        None => None,
    };
    Ok(Facts {
        conversation,
        contact,
        message,
        changed: changed.clone(),
    })
}

async fn evaluate(ctx: &Ctx, p: &Value) -> Result<()> {
    let missing = |k: &str| Error::Unprocessable(format!("automation job lacks {k}"));
    let account = AccountId(
        p["account_id"]
            .as_i64()
            .ok_or_else(|| missing("account_id"))?,
    );
    let display_id = p["display_id"]
        .as_i64()
        .ok_or_else(|| missing("display_id"))?;
    let event = p["event"].as_str().ok_or_else(|| missing("event"))?;
    let message = p["message_id"].as_i64();
    let changed = p["changed_attributes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let (rules, defs) = {
        let mut conn = ctx.db.conn().await?;
        let rules = store::active_for(conn.ex(), account, event).await?;
        let defs = if rules.is_empty() {
            Vec::new()
        } else {
            definitions::list(conn.ex(), account, None).await?
        };
        (rules, defs)
    };
    for rule in rules {
        // Each rule sees what the rules before it changed, as Chatwoot reloads.
        let facts = load_facts(ctx, account, display_id, message, &changed).await?;
        if !matches(&conditions_of(&rule.conditions.0, &defs), &facts) {
            continue;
        }
        let actions: Vec<Action> = rule
            .actions
            .0
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(
                |a| match parse_action(a, &RULE_ACTIONS, |n| n.to_string()) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        tracing::warn!(rule = rule.id, error = %e, "automation: action skipped");
                        None
                    }
                },
            )
            .collect();
        let runner = Runner {
            by: Actor::Automation,
            rule_id: Some(rule.id),
            webhook_event: format!("automation_event.{}", rule.event_name),
        };
        PERFORMING
            .scope(
                rule.id,
                perform(ctx, &runner, account, display_id, &actions),
            )
            .await;
    }
    Ok(())
}

// ---- CRUD, for administrators (AutomationRulePolicy) -----------------------------------------

/// What the API sends; absent fields keep their value on update.
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub event_name: Option<String>,
    pub active: Option<bool>,
    pub conditions: Option<Value>,
    pub actions: Option<Value>,
}

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<AutomationRule>> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    Ok(store::list(conn.ex(), account).await?)
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<AutomationRule> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    Ok(store::find(conn.ex(), account, id).await?)
}

fn unknown_actions(names: &[String]) -> String {
    format!("Automation actions {} not supported.", names.join(","))
}

/// The rule as it would be saved, checked.
async fn checked(
    mut ex: Ex<'_>,
    account: AccountId,
    input: RuleInput,
    current: Option<&AutomationRule>,
) -> Result<(String, Option<String>, String, bool, Value, Value)> {
    let name = input
        .name
        .or_else(|| current.map(|r| r.name.clone()))
        .unwrap_or_default();
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "Name can't be blank"));
    }
    if name.chars().count() > 255 {
        return Err(Error::invalid(
            "name",
            "Name is too long (maximum is 255 characters)",
        ));
    }
    let event = input
        .event_name
        .or_else(|| current.map(|r| r.event_name.clone()))
        .unwrap_or_default();
    if !EVENTS.contains(&event.as_str()) {
        return Err(Error::invalid(
            "event_name",
            format!("Event name must be one of {}", EVENTS.join(", ")),
        ));
    }
    let description = input
        .description
        .or_else(|| current.and_then(|r| r.description.clone()));
    if description
        .as_deref()
        .is_some_and(|d| d.chars().count() > MAX_TEXT)
    {
        return Err(Error::invalid("description", "Description is too long"));
    }
    let active = input.active.or(current.map(|r| r.active)).unwrap_or(true);
    let defs = definitions::list(ex.re(), account, None).await?;
    let conditions = match (&input.conditions, current) {
        (None, Some(r)) => r.conditions.0.clone(),
        (given, _) => check_conditions(given.as_ref(), &defs)?,
    };
    let actions = match (&input.actions, current) {
        (None, Some(r)) => r.actions.0.clone(),
        (given, _) => check_actions(given.as_ref(), &RULE_ACTIONS, unknown_actions)?,
    };
    Ok((name, description, event, active, conditions, actions))
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: RuleInput,
) -> Result<AutomationRule> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let (name, description, event, active, conditions, actions) =
        checked(tx.ex(), account, input, None).await?;
    let fields = Fields {
        name: &name,
        description: description.as_deref(),
        event_name: &event,
        conditions: &conditions,
        actions: &actions,
        active,
    };
    let rule = store::insert(tx.ex(), account, &fields, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: RuleInput,
) -> Result<AutomationRule> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let current = store::find(tx.ex(), account, id).await?;
    let (name, description, event, active, conditions, actions) =
        checked(tx.ex(), account, input, Some(&current)).await?;
    let fields = Fields {
        name: &name,
        description: description.as_deref(),
        event_name: &event,
        conditions: &conditions,
        actions: &actions,
        active,
    };
    let rule = store::update(tx.ex(), account, id, &fields, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    store::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST …/automation_rules/:id/clone`: a copy with the same fields (Chatwoot's `dup`).
pub async fn clone(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<AutomationRule> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let r = store::find(tx.ex(), account, id).await?;
    let fields = Fields {
        name: &r.name,
        description: r.description.as_deref(),
        event_name: &r.event_name,
        conditions: &r.conditions.0,
        actions: &r.actions.0,
        active: r.active,
    };
    let copy = store::insert(tx.ex(), account, &fields, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::Uuid;
    use switchboard_store::Json;

    fn conversation() -> Conversation {
        let now = Timestamp::now();
        Conversation {
            id: 1,
            account_id: AccountId(1),
            inbox_id: 7,
            status: ConversationStatus::Open.value(),
            assignee_id: None,
            created_at: now,
            updated_at: now,
            contact_id: None,
            display_id: 1,
            contact_last_seen_at: None,
            agent_last_seen_at: None,
            additional_attributes: Some(Json(json!({"browser_language": "pt-BR"}))),
            contact_inbox_id: None,
            uuid: Uuid::new_v4(),
            identifier: None,
            last_activity_at: now,
            team_id: Some(3),
            campaign_id: None,
            snoozed_until: None,
            custom_attributes: Some(Json(json!({"plan": "Gold", "seats": 12}))),
            assignee_last_seen_at: None,
            first_reply_created_at: None,
            priority: None,
            sla_policy_id: None,
            waiting_since: None,
            cached_label_list: Some("vip, billing".into()),
            assignee_agent_bot_id: None,
        }
    }

    fn facts() -> Facts {
        Facts {
            conversation: conversation(),
            contact: None,
            message: None,
            changed: previous_changes(Some(&json!([
                {"status": {"previous_value": "resolved", "current_value": "open"}}
            ]))),
        }
    }

    fn cond(key: &str, op: &str, values: Value, or: bool) -> Condition {
        let custom = (!CONDITIONS.iter().any(|(k, _)| *k == key))
            .then_some((AttributeModel::Conversation, None));
        Condition {
            key: key.into(),
            operator: op.into(),
            values,
            or,
            custom,
        }
    }

    #[test]
    fn operators_follow_chatwoot_with_null_matching_nothing() {
        let f = facts();
        assert!(holds(
            &cond("status", "equal_to", json!(["open"]), false),
            &f
        ));
        assert!(holds(&cond("status", "equal_to", json!([0]), false), &f));
        assert!(!holds(
            &cond("status", "not_equal_to", json!(["open"]), false),
            &f
        ));
        assert!(holds(&cond("team_id", "equal_to", json!([3]), false), &f));
        assert!(holds(&cond("team_id", "is_present", json!([]), false), &f));
        // No assignee: NULL is neither equal nor unequal, only "not present".
        assert!(!holds(
            &cond("assignee_id", "not_equal_to", json!([5]), false),
            &f
        ));
        assert!(holds(
            &cond("assignee_id", "is_not_present", json!([]), false),
            &f
        ));
        assert!(holds(
            &cond("browser_language", "equal_to", json!(["PT-br"]), false),
            &f
        ));
        assert!(holds(
            &cond("labels", "equal_to", json!(["VIP"]), false),
            &f
        ));
        assert!(!holds(
            &cond("labels", "not_equal_to", json!(["vip"]), false),
            &f
        ));
        assert!(holds(&cond("plan", "contains", json!(["gol"]), false), &f));
        assert!(holds(
            &cond("seats", "is_greater_than", json!(["9"]), false),
            &f
        ));
        assert!(!holds(
            &cond("seats", "is_less_than", json!(["9"]), false),
            &f
        ));
        assert!(holds(
            &cond(
                "status",
                "attribute_changed",
                json!({"from": ["resolved"], "to": ["open"]}),
                false
            ),
            &f
        ));
        assert!(!holds(
            &cond(
                "status",
                "attribute_changed",
                json!({"from": ["open"], "to": ["resolved"]}),
                false
            ),
            &f
        ));
        // No message: message conditions do not hold.
        assert!(!holds(
            &cond("content", "contains", json!(["x"]), false),
            &f
        ));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = facts();
        let yes = || cond("status", "equal_to", json!(["open"]), false);
        let no = || cond("status", "equal_to", json!(["resolved"]), false);
        let or = |mut c: Condition| {
            c.or = true;
            c
        };
        assert!(matches(&[], &f));
        assert!(matches(&[yes(), yes()], &f));
        assert!(!matches(&[yes(), no()], &f));
        // no AND yes OR yes  ==  (no AND yes) OR yes
        assert!(matches(&[no(), or(yes()), yes()], &f));
        // yes OR no AND no  ==  yes OR (no AND no)
        assert!(matches(&[or(yes()), no(), no()], &f));
        // no OR yes AND no  ==  no OR (yes AND no)
        assert!(!matches(&[or(no()), yes(), no()], &f));
    }

    #[test]
    fn rules_are_checked_as_chatwoot_validates_them() {
        let ok = check_conditions(
            Some(&json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "and"}, {"attribute_key": "labels", "filter_operator": "is_present", "values": []}])),
            &[],
        )
        .ok();
        assert_eq!(
            ok.as_ref().map(|v| v[0]["query_operator"].clone()),
            Some(json!("AND"))
        );
        let err = |v: Value| match check_conditions(Some(&v), &[]) {
            Err(Error::Invalid { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            err(
                json!([{"attribute_key": "shoe_size", "filter_operator": "equal_to", "values": ["9"]}])
            ),
            "Automation conditions shoe_size not supported."
        );
        assert!(
            err(
                json!([{"attribute_key": "status", "filter_operator": "contains", "values": ["o"]}])
            )
            .starts_with("Invalid operator")
        );
        assert_eq!(
            err(
                json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "XOR"}])
            ),
            "Query operator must be either \"AND\" or \"OR\""
        );
        assert_eq!(
            err(
                json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}, {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}])
            ),
            "Automation conditions should have query operator."
        );
        let actions = |v: Value| check_actions(Some(&v), &RULE_ACTIONS, unknown_actions);
        assert!(actions(json!([{"action_name": "add_label", "action_params": ["vip"]}])).is_ok());
        match actions(
            json!([{"action_name": "launch_rocket", "action_params": []}, {"action_name": "dance"}]),
        ) {
            Err(Error::Invalid { message, .. }) => {
                assert_eq!(
                    message,
                    "Automation actions launch_rocket,dance not supported."
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(
            actions(json!([{"action_name": "send_webhook_event", "action_params": ["ftp://x"]}]))
                .is_err()
        );
        assert!(
            actions(json!([{"action_name": "change_priority", "action_params": ["huge"]}]))
                .is_err()
        );
        assert!(actions(json!([{"action_name": "send_message", "action_params": []}])).is_err());
        assert!(actions(json!("nope")).is_err());
    }
}
