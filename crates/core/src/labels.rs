//! Label definitions (`/api/v1/accounts/:id/labels`): any member lists them; only
//! administrators see one alone or change them (Chatwoot's LabelPolicy).

use std::collections::BTreeMap;

use switchboard_domain::{AccountId, Error, Result, Timestamp};
use switchboard_store::labels::{self, Label, LabelFields, Taggable};
use switchboard_store::users::User;
use switchboard_store::{StoreError, Tx, contacts, conversations};

use crate::Ctx;
use crate::auth::{administrator, membership};

/// Chatwoot's rule: lower-cased, a letter or digit, then letters, digits, `_` or `-`.
pub fn title(raw: &str) -> Result<String> {
    let t = raw.trim().to_lowercase();
    if t.is_empty() {
        return Err(Error::invalid(
            "title",
            "Title must not be blank, Title is invalid",
        ));
    }
    let mut chars = t.chars();
    let first_ok = chars.next().is_some_and(char::is_alphanumeric);
    let rest: Vec<char> = chars.collect();
    let rest_ok = !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_alphanumeric() || *c == '_' || *c == '-');
    if !(first_ok && rest_ok) || t.chars().count() > 255 {
        return Err(Error::invalid("title", "Title is invalid"));
    }
    Ok(t)
}

/// A colour such as `#1f93ff`; Chatwoot does not check it, we keep it to CSS hex so the
/// dashboard can render any stored value.
fn color(raw: &str) -> Result<String> {
    let c = raw.trim();
    let hex = c.strip_prefix('#').unwrap_or_default();
    if matches!(hex.len(), 3 | 6 | 8) && hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(c.to_string())
    } else {
        Err(Error::invalid("color", "Color is invalid"))
    }
}

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<Label>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    Ok(labels::list(conn.ex(), account).await?)
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<Label> {
    let mut conn = ctx.db.conn().await?;
    let label = {
        membership(conn.ex(), caller, account).await?;
        labels::find(conn.ex(), account, id).await?
    };
    administrator(conn.ex(), caller, account).await?;
    Ok(label)
}

#[derive(Default)]
pub struct LabelInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub show_on_sidebar: Option<bool>,
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::invalid("title", "Title has already been taken"),
        other => other.into(),
    }
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: LabelInput,
) -> Result<Label> {
    let t = title(input.title.as_deref().unwrap_or_default())?;
    let c = input
        .color
        .as_deref()
        .map(color)
        .transpose()?
        .unwrap_or_else(|| "#1f93ff".into());
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let fields = LabelFields {
        title: &t,
        description: input.description.as_deref(),
        color: &c,
        show_on_sidebar: input.show_on_sidebar,
    };
    let label = labels::insert(tx.ex(), account, &fields, Timestamp::now())
        .await
        .map_err(taken)?;
    tx.commit().await?;
    Ok(label)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: LabelInput,
) -> Result<Label> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let current = labels::find(tx.ex(), account, id).await?;
    let t = match &input.title {
        Some(raw) => title(raw)?,
        None => current.title.clone().unwrap_or_default(),
    };
    let c = match &input.color {
        Some(raw) => color(raw)?,
        None => current.color.clone(),
    };
    let description = input.description.or(current.description);
    let fields = LabelFields {
        title: &t,
        description: description.as_deref(),
        color: &c,
        show_on_sidebar: input.show_on_sidebar.or(current.show_on_sidebar),
    };
    let now = Timestamp::now();
    let label = labels::update(tx.ex(), account, id, &fields, now)
        .await
        .map_err(taken)?;
    if let Some(before) = current.title.as_deref()
        && before.to_lowercase() != t
    {
        retitle(&mut tx, account, before, &t, now).await?;
    }
    tx.commit().await?;
    Ok(label)
}

/// A renamed label follows onto the conversations and contacts that carry it, in the
/// same transaction. Chatwoot does this in a background job a moment later (without an
/// activity message, as there is no acting user); so do we leave no activity message.
async fn retitle(
    tx: &mut Tx,
    account: AccountId,
    old: &str,
    new: &str,
    now: Timestamp,
) -> Result<()> {
    let (conversation_ids, contact_ids) = labels::retitle(tx.ex(), account, old, new, now).await?;
    contacts::touch_updated(tx.ex(), &contact_ids, now).await?;
    if conversation_ids.is_empty() {
        return Ok(());
    }
    // Conversations keep their list in `cached_label_list` too, in taggings order.
    let mut lists: BTreeMap<i64, Vec<String>> = conversation_ids
        .iter()
        .map(|id| (*id, Vec::new()))
        .collect();
    for (id, name) in labels::on_each(tx.ex(), Taggable::Conversation, &conversation_ids).await? {
        lists.entry(id).or_default().push(name);
    }
    for (id, list) in lists {
        conversations::set_cached_labels(tx.ex(), id, &list.join(", "), now).await?;
    }
    Ok(())
}

/// Like Chatwoot, conversations and contacts keep the label text after its definition goes.
pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    labels::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_follow_chatwoots_rule() {
        assert_eq!(
            title(" Billing-2024 ").ok().as_deref(),
            Some("billing-2024")
        );
        assert_eq!(title("Ação_x").ok().as_deref(), Some("ação_x"));
        for bad in ["", "a", "-ab", "two words", "dot.ted", "_x"] {
            assert!(title(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn colors_are_css_hex() {
        assert!(color("#1f93ff").is_ok());
        assert!(color("#FFF").is_ok());
        assert!(color("red").is_err());
        assert!(color("#12345g").is_err());
    }
}
