//! Chatwoot's advanced filters (`POST …/contacts/filter`, `POST …/conversations/filter`):
//! the request's conditions checked against an allowlist of keys and operators, with
//! Chatwoot's error texts, and turned into typed conditions the store renders with
//! bound values only.

use serde_json::Value;
use switchboard_domain::{AttributeModel, ConversationStatus, Error, Priority, Result, Timestamp};
use switchboard_store::filter::{Condition, Field, Join, Op};
use switchboard_store::query::Arg;
use switchboard_store::{Ex, custom_attribute_definitions, like_pattern};

/// One condition as the request sends it.
#[derive(Clone, Debug, Default)]
pub struct RawCondition {
    pub attribute_key: String,
    pub filter_operator: String,
    pub values: Vec<Value>,
    pub query_operator: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Contact,
    Conversation,
}

const EQ: &[&str] = &["equal_to", "not_equal_to"];
const TEXT: &[&str] = &["equal_to", "not_equal_to", "contains", "does_not_contain"];
const PRESENCE: &[&str] = &["equal_to", "not_equal_to", "is_present", "is_not_present"];
const DATES: &[&str] = &["is_greater_than", "is_less_than", "days_before"];
const CUSTOM: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "contains",
    "does_not_contain",
    "is_present",
    "is_not_present",
];

/// (key, allowed operators, field) per model, in Chatwoot's order of keys.
fn standard(model: Model) -> Vec<(&'static str, &'static [&'static str], Field)> {
    match model {
        Model::Contact => vec![
            ("name", TEXT, Field::Lower("name")),
            (
                "phone_number",
                &[
                    "equal_to",
                    "not_equal_to",
                    "contains",
                    "does_not_contain",
                    "starts_with",
                ],
                Field::Lower("phone_number"),
            ),
            ("email", TEXT, Field::Lower("email")),
            ("identifier", EQ, Field::Lower("identifier")),
            (
                "country_code",
                EQ,
                Field::JsonKey("additional_attributes", "country_code"),
            ),
            (
                "city",
                TEXT,
                Field::JsonKey("additional_attributes", "city"),
            ),
            (
                "company",
                TEXT,
                Field::JsonKey("additional_attributes", "company"),
            ),
            ("labels", PRESENCE, Field::Labels("Contact")),
            ("created_at", DATES, Field::Column("created_at")),
            ("last_activity_at", DATES, Field::Column("last_activity_at")),
            ("blocked", EQ, Field::Column("blocked")),
        ],
        Model::Conversation => vec![
            ("status", EQ, Field::Column("status")),
            ("assignee_id", PRESENCE, Field::Column("assignee_id")),
            ("inbox_id", PRESENCE, Field::Column("inbox_id")),
            ("team_id", PRESENCE, Field::Column("team_id")),
            ("priority", EQ, Field::Column("priority")),
            ("display_id", TEXT, Field::Column("display_id")),
            ("campaign_id", PRESENCE, Field::Column("campaign_id")),
            ("labels", PRESENCE, Field::Labels("Conversation")),
            (
                "browser_language",
                EQ,
                Field::JsonKey("additional_attributes", "browser_language"),
            ),
            (
                "conversation_language",
                EQ,
                Field::JsonKey("additional_attributes", "conversation_language"),
            ),
            (
                "referer",
                TEXT,
                Field::JsonKey("additional_attributes", "referer"),
            ),
            ("created_at", DATES, Field::Column("created_at")),
            ("last_activity_at", DATES, Field::Column("last_activity_at")),
            (
                "mail_subject",
                TEXT,
                Field::JsonKey("additional_attributes", "mail_subject"),
            ),
        ],
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A `YYYY-MM-DD` (or RFC 3339) date as a time.
fn date(key: &str, v: &Value) -> Result<Timestamp> {
    let s = text(v);
    let invalid = || {
        Error::Unprocessable(format!(
            "Invalid value. The values provided for {key} are invalid"
        ))
    };
    let day = s.get(..10).ok_or_else(invalid)?;
    let parts: Vec<&str> = day.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(invalid());
    };
    let (y, m, d) = (
        y.parse::<i32>().map_err(|_| invalid())?,
        m.parse::<u8>().map_err(|_| invalid())?,
        d.parse::<u8>().map_err(|_| invalid())?,
    );
    let month = time::Month::try_from(m).map_err(|_| invalid())?;
    let date = time::Date::from_calendar_date(y, month, d).map_err(|_| invalid())?;
    Ok(Timestamp::from_datetime(date.midnight().assume_utc()))
}

/// The value a column compares with, typed by the key.
fn value(model: Model, key: &str, v: &Value) -> Result<Arg> {
    let invalid = || {
        Error::Unprocessable(format!(
            "Invalid value. The values provided for {key} are invalid"
        ))
    };
    Ok(match (model, key) {
        (Model::Conversation, "status") => Arg::Int(i64::from(
            ConversationStatus::parse(&text(v))
                .ok_or_else(invalid)?
                .value(),
        )),
        (Model::Conversation, "priority") => Arg::Int(i64::from(
            Priority::parse(&text(v)).ok_or_else(invalid)?.value(),
        )),
        (
            Model::Conversation,
            "assignee_id" | "inbox_id" | "team_id" | "campaign_id" | "display_id",
        ) => Arg::Int(text(v).parse().map_err(|_| invalid())?),
        (Model::Contact, "blocked") => Arg::Bool(matches!(text(v).as_str(), "true" | "1")),
        (Model::Contact, "phone_number") => {
            // Chatwoot compares phone numbers as `+digits`.
            let digits: String = text(v).chars().filter(char::is_ascii_digit).collect();
            Arg::Text(format!("+{digits}"))
        }
        _ => Arg::Text(text(v).to_lowercase()),
    })
}

/// Checks `raw` as Chatwoot does and turns it into conditions for `model`.
pub async fn conditions(
    mut ex: Ex<'_>,
    account: switchboard_domain::AccountId,
    model: Model,
    raw: &[RawCondition],
) -> Result<Vec<Condition>> {
    for c in raw {
        if let Some(op) = c.query_operator.as_deref().filter(|o| !o.is_empty())
            && !op.eq_ignore_ascii_case("and")
            && !op.eq_ignore_ascii_case("or")
        {
            return Err(Error::Unprocessable(
                "Query operator must be either \"AND\" or \"OR\".".into(),
            ));
        }
    }
    let attribute_model = match model {
        Model::Contact => AttributeModel::Contact,
        Model::Conversation => AttributeModel::Conversation,
    };
    let custom: Vec<String> =
        custom_attribute_definitions::list(ex.re(), account, Some(attribute_model.value()))
            .await?
            .into_iter()
            .filter_map(|d| d.attribute_key)
            .collect();
    let standard = standard(model);
    let mut out = Vec::new();
    for c in raw {
        let key = c.attribute_key.as_str();
        let (ops, field): (&[&str], Field) = match standard.iter().find(|(k, _, _)| *k == key) {
            Some((_, ops, field)) => (ops, field.clone()),
            None if custom.iter().any(|k| k == key) => (CUSTOM, Field::Custom(key.to_string())),
            None => {
                let keys: Vec<&str> = standard.iter().map(|(k, _, _)| *k).collect();
                return Err(Error::Unprocessable(format!(
                    "Invalid attribute key - [{key}]. The key should be one of [{}] or a custom attribute defined in the account.",
                    keys.join(",")
                )));
            }
        };
        let op_name = c.filter_operator.as_str();
        if !ops.contains(&op_name) {
            return Err(Error::Unprocessable(format!(
                "Invalid operator. The allowed operators for {key} are [{}].",
                ops.join(",")
            )));
        }
        let needs_values = !matches!(op_name, "is_present" | "is_not_present");
        if needs_values && c.values.iter().all(|v| text(v).is_empty()) {
            return Err(Error::Unprocessable(format!(
                "Invalid value. The values provided for {key} are invalid"
            )));
        }
        let first = c.values.first().cloned().unwrap_or(Value::Null);
        let op = match op_name {
            "equal_to" | "starts_with" if model == Model::Contact => {
                Op::In(vec![value(model, key, &first)?])
            }
            "equal_to" => Op::In(
                c.values
                    .iter()
                    .map(|v| value(model, key, v))
                    .collect::<Result<_>>()?,
            ),
            "not_equal_to" if model == Model::Contact => {
                Op::NotIn(vec![value(model, key, &first)?])
            }
            "not_equal_to" => Op::NotIn(
                c.values
                    .iter()
                    .map(|v| value(model, key, v))
                    .collect::<Result<_>>()?,
            ),
            "contains" => Op::Contains(c.values.iter().map(|v| like_pattern(&text(v))).collect()),
            "does_not_contain" => {
                Op::NotContains(c.values.iter().map(|v| like_pattern(&text(v))).collect())
            }
            "is_present" => Op::Present,
            "is_not_present" => Op::NotPresent,
            "is_greater_than" => Op::Greater(Arg::Time(date(key, &first)?)),
            "is_less_than" => Op::Less(Arg::Time(date(key, &first)?)),
            _ => {
                // days_before N: before the start of (today − N days).
                let days: i64 = text(&first).parse().map_err(|_| {
                    Error::Unprocessable(format!(
                        "Invalid value. The values provided for {key} are invalid"
                    ))
                })?;
                Op::Less(Arg::Time(Timestamp::now().plus_seconds(-days * 86_400)))
            }
        };
        // A labels condition compares tag names, lower-cased.
        let op = match (&field, op) {
            (Field::Labels(_), Op::In(_)) => Op::In(vec![Arg::Text(text(&first).to_lowercase())]),
            (Field::Labels(_), Op::NotIn(_)) => {
                Op::NotIn(vec![Arg::Text(text(&first).to_lowercase())])
            }
            (_, op) => op,
        };
        let join = match c.query_operator.as_deref() {
            Some(o) if o.eq_ignore_ascii_case("or") => Join::Or,
            _ => Join::And,
        };
        out.push(Condition { field, op, join });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_to_midnight_utc() {
        let t = date("created_at", &Value::String("2026-01-19".into())).ok();
        assert_eq!(t.map(|t| t.unix_seconds()), Some(1_768_780_800));
        assert!(date("created_at", &Value::String("19/01/2026".into())).is_err());
        assert!(date("created_at", &Value::String("2026-02-30".into())).is_err());
    }
}
