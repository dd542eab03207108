//! Custom attribute definitions: like Chatwoot, any member of the account may manage them.

use serde_json::Value;
use switchboard_domain::{
    AccountId, AttributeDisplayType, AttributeModel, Error, Result, Timestamp,
};
use switchboard_store::StoreError;
use switchboard_store::custom_attribute_definitions::{self, Definition, DefinitionFields};
use switchboard_store::users::User;

use crate::Ctx;
use crate::auth::membership;

/// Keys that would shadow a conversation's own attributes in filters and automation.
const CONVERSATION_STANDARD: &[&str] = &[
    "status",
    "priority",
    "assignee_id",
    "inbox_id",
    "team_id",
    "display_id",
    "campaign_id",
    "labels",
    "browser_language",
    "country_code",
    "referer",
    "created_at",
    "last_activity_at",
];
const CONTACT_STANDARD: &[&str] = &[
    "name",
    "email",
    "phone_number",
    "identifier",
    "country_code",
    "city",
    "created_at",
    "last_activity_at",
    "referer",
    "blocked",
];

/// Rails enums accept the name or the stored number.
fn parse_enum<T>(
    raw: &str,
    by_name: fn(&str) -> Option<T>,
    by_value: fn(i32) -> Option<T>,
) -> Option<T> {
    by_name(raw).or_else(|| raw.parse::<i32>().ok().and_then(by_value))
}

pub fn parse_model(raw: &str) -> Option<AttributeModel> {
    parse_enum(raw, AttributeModel::parse, AttributeModel::from_value)
}

/// `?attribute_model=`: absent lists everything; an unknown value matches nothing.
pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    model: Option<&str>,
) -> Result<Vec<Definition>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    match model.filter(|m| !m.is_empty()) {
        None => Ok(custom_attribute_definitions::list(conn.ex(), account, None).await?),
        Some(m) => match parse_model(m) {
            Some(m) => {
                Ok(custom_attribute_definitions::list(conn.ex(), account, Some(m.value())).await?)
            }
            None => Ok(Vec::new()),
        },
    }
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<Definition> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    Ok(custom_attribute_definitions::find(conn.ex(), account, id).await?)
}

#[derive(Default)]
pub struct DefinitionInput {
    pub attribute_display_name: Option<String>,
    pub attribute_description: Option<String>,
    pub attribute_display_type: Option<String>,
    pub attribute_key: Option<String>,
    pub attribute_model: Option<String>,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
    pub attribute_values: Option<Vec<String>>,
}

fn apply(f: &mut DefinitionFields, input: DefinitionInput) -> Result<()> {
    if let Some(name) = input.attribute_display_name {
        f.attribute_display_name = name;
    }
    if let Some(d) = input.attribute_description {
        f.attribute_description = Some(d);
    }
    if let Some(t) = input.attribute_display_type {
        f.attribute_display_type = parse_enum(
            &t,
            AttributeDisplayType::parse,
            AttributeDisplayType::from_value,
        )
        .ok_or_else(|| {
            Error::invalid(
                "attribute_display_type",
                format!("'{t}' is not a valid attribute_display_type"),
            )
        })?
        .value();
    }
    if let Some(k) = input.attribute_key {
        f.attribute_key = k;
    }
    if let Some(m) = input.attribute_model {
        f.attribute_model = parse_model(&m)
            .ok_or_else(|| {
                Error::invalid(
                    "attribute_model",
                    format!("'{m}' is not a valid attribute_model"),
                )
            })?
            .value();
    }
    if let Some(p) = input.regex_pattern {
        f.regex_pattern = Some(p);
    }
    if let Some(c) = input.regex_cue {
        f.regex_cue = Some(c);
    }
    if let Some(values) = input.attribute_values {
        f.attribute_values = Value::Array(values.into_iter().map(Value::String).collect());
    }
    let mut problems = Vec::new();
    if f.attribute_display_name.trim().is_empty() {
        problems.push((
            "attribute_display_name",
            "Attribute display name can't be blank",
        ));
    }
    if f.attribute_key.trim().is_empty() {
        problems.push(("attribute_key", "Attribute key can't be blank"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid {
            message: problems
                .iter()
                .map(|(_, m)| *m)
                .collect::<Vec<_>>()
                .join(", "),
            attributes: problems.iter().map(|(a, _)| (*a).to_string()).collect(),
        })
    }
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => {
            Error::invalid("attribute_key", "Attribute key has already been taken")
        }
        other => other.into(),
    }
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: DefinitionInput,
) -> Result<Definition> {
    let mut f = DefinitionFields {
        attribute_display_name: String::new(),
        attribute_key: String::new(),
        attribute_display_type: AttributeDisplayType::Text.value(),
        default_value: None,
        attribute_model: AttributeModel::Conversation.value(),
        attribute_description: None,
        attribute_values: Value::Array(Vec::new()),
        regex_pattern: None,
        regex_cue: None,
    };
    apply(&mut f, input)?;
    let standard = if f.attribute_model == AttributeModel::Contact.value() {
        CONTACT_STANDARD
    } else {
        CONVERSATION_STANDARD
    };
    if standard.contains(&f.attribute_key.as_str()) {
        return Err(Error::invalid(
            "attribute_key",
            "Attribute key The provided key is not allowed as it might conflict with default attributes.",
        ));
    }
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let d = custom_attribute_definitions::insert(tx.ex(), account, &f, Timestamp::now())
        .await
        .map_err(taken)?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: DefinitionInput,
) -> Result<Definition> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let d = custom_attribute_definitions::find(tx.ex(), account, id).await?;
    let mut f = DefinitionFields {
        attribute_display_name: d.attribute_display_name.unwrap_or_default(),
        attribute_key: d.attribute_key.unwrap_or_default(),
        attribute_display_type: d.attribute_display_type.unwrap_or(0),
        default_value: d.default_value,
        attribute_model: d.attribute_model.unwrap_or(0),
        attribute_description: d.attribute_description,
        attribute_values: d.attribute_values.map_or(Value::Array(Vec::new()), |j| j.0),
        regex_pattern: d.regex_pattern,
        regex_cue: d.regex_cue,
    };
    apply(&mut f, input)?;
    let d = custom_attribute_definitions::update(tx.ex(), account, id, &f, Timestamp::now())
        .await
        .map_err(taken)?;
    tx.commit().await?;
    Ok(d)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    custom_attribute_definitions::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}
