//! Labels: an account's definitions (`labels`), and the acts-as-taggable `tags`/`taggings`
//! (context `labels`) that attach them to conversations and contacts, as Chatwoot stores them.

use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::query::{self, Arg, Query};
use crate::{Ex, StoreError, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Label {
    pub id: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub color: String,
    pub show_on_sidebar: Option<bool>,
    pub account_id: Option<AccountId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, title, description, color, show_on_sidebar, account_id, created_at, updated_at"
    };
}

pub async fn list(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<Label>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM labels WHERE account_id = $1 ORDER BY title, id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Label> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM labels WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn find_by_title(
    mut ex: Ex<'_>,
    account: AccountId,
    title: &str,
) -> StoreResult<Option<Label>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM labels WHERE account_id = $1 AND title = $2"
    );
    Ok(fetch!(optional, ex.re(), SQL, account, title)?)
}

pub struct LabelFields<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub color: &'a str,
    pub show_on_sidebar: Option<bool>,
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    f: &LabelFields<'_>,
    now: Timestamp,
) -> StoreResult<Label> {
    const SQL: &str = concat!(
        "INSERT INTO labels (title, description, color, show_on_sidebar, account_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        f.title,
        f.description,
        f.color,
        f.show_on_sidebar,
        account,
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &LabelFields<'_>,
    now: Timestamp,
) -> StoreResult<Label> {
    const SQL: &str = concat!(
        "UPDATE labels SET title = $3, description = $4, color = $5, show_on_sidebar = $6, updated_at = $7 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        f.title,
        f.description,
        f.color,
        f.show_on_sidebar,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM labels WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// What a label can be put on, with acts-as-taggable's `taggable_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taggable {
    Conversation(i64),
    Contact(i64),
}

impl Taggable {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Taggable::Conversation(id) => ("Conversation", id),
            Taggable::Contact(id) => ("Contact", id),
        }
    }
}

/// The label titles on `object`, in the order they were added.
pub async fn on(mut ex: Ex<'_>, object: Taggable) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT t.name FROM taggings g JOIN tags t ON t.id = g.tag_id \
         WHERE g.taggable_type = $1 AND g.taggable_id = $2 AND g.context = 'labels' ORDER BY g.id";
    let (kind, id) = object.parts();
    Ok(scalar!(all, ex.re(), SQL, kind, id)?)
}

/// Puts `title` on `object` (no-op if already there).
pub async fn attach(
    mut ex: Ex<'_>,
    object: Taggable,
    title: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const TAG: &str =
        "INSERT INTO tags (name, taggings_count) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING";
    const TAG_ID: &str = "SELECT id FROM tags WHERE name = $1";
    const EXISTS: &str = "SELECT COUNT(*) FROM taggings \
         WHERE tag_id = $1 AND taggable_type = $2 AND taggable_id = $3 AND context = 'labels'";
    const TAGGING: &str = "INSERT INTO taggings (tag_id, taggable_type, taggable_id, context, created_at) \
         VALUES ($1, $2, $3, 'labels', $4)";
    const COUNT: &str = "UPDATE tags SET taggings_count = taggings_count + 1 WHERE id = $1";
    let (kind, id) = object.parts();
    exec!(ex.re(), TAG, title)?;
    let tag: i64 = scalar!(one, ex.re(), TAG_ID, title)?;
    let present: i64 = scalar!(one, ex.re(), EXISTS, tag, kind, id)?;
    if present == 0 {
        exec!(ex.re(), TAGGING, tag, kind, id, now)?;
        exec!(ex.re(), COUNT, tag)?;
    }
    Ok(())
}

/// Takes `title` off `object`.
pub async fn detach(mut ex: Ex<'_>, object: Taggable, title: &str) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM taggings WHERE taggable_type = $1 AND taggable_id = $2 AND context = 'labels' \
         AND tag_id IN (SELECT id FROM tags WHERE name = $3)";
    const COUNT: &str = "UPDATE tags SET taggings_count = taggings_count - 1 WHERE name = $1 AND taggings_count > 0";
    let (kind, id) = object.parts();
    if exec!(ex.re(), SQL, kind, id, title)? > 0 {
        exec!(ex.re(), COUNT, title)?;
    }
    Ok(())
}

/// Makes the labels on `object` exactly `titles`; returns the resulting list.
pub async fn replace(
    mut ex: Ex<'_>,
    object: Taggable,
    titles: &[String],
    now: Timestamp,
) -> StoreResult<Vec<String>> {
    let current = on(ex.re(), object).await?;
    for old in current.iter().filter(|t| !titles.contains(t)) {
        detach(ex.re(), object, old).await?;
    }
    for new in titles.iter().filter(|t| !current.contains(t)) {
        attach(ex.re(), object, new, now).await?;
    }
    on(ex, object).await
}

/// Moves the label `old` to `new` on the account's conversations and contacts, as
/// Chatwoot's label update job does: the old title is taken off (whatever its case) and
/// the new one put at the end of the list, unless the object has it already. Tags are
/// shared by all accounts, so only this account's taggings change. Returns the ids of
/// the conversations and of the contacts that carried the old title.
pub async fn retitle(
    mut ex: Ex<'_>,
    account: AccountId,
    old: &str,
    new: &str,
    now: Timestamp,
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    const TAG: &str =
        "INSERT INTO tags (name, taggings_count) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING";
    const TAG_ID: &str = "SELECT id FROM tags WHERE name = $1";
    const RECOUNT: &str = "UPDATE tags SET taggings_count = \
         (SELECT COUNT(*) FROM taggings g WHERE g.tag_id = tags.id) \
         WHERE id = $1 OR LOWER(name) = LOWER($2)";
    exec!(ex.re(), TAG, new)?;
    let new_tag: i64 = scalar!(one, ex.re(), TAG_ID, new)?;
    let mut touched = Vec::new();
    for (kind, table) in [("Conversation", "conversations"), ("Contact", "contacts")] {
        let mut carrying = Query::new(
            "SELECT DISTINCT g.taggable_id FROM taggings g JOIN tags t ON t.id = g.tag_id \
             WHERE g.context = 'labels' AND g.taggable_type = ",
        );
        carrying
            .bind(Arg::Text(kind.into()))
            .push(" AND LOWER(t.name) = LOWER(")
            .bind(Arg::Text(old.into()))
            .push(") AND g.tag_id <> ")
            .bind(Arg::Int(new_tag))
            .push(" AND g.taggable_id IN (SELECT id FROM ")
            .push(table)
            .push(" WHERE account_id = ")
            .bind(Arg::Int(account.0))
            .push(") ORDER BY g.taggable_id");
        let ids = query::fetch_scalars(ex.re(), &carrying).await?;
        if !ids.is_empty() {
            let list = || ids.iter().map(|i| Arg::Int(*i));
            // New taggings first (they get the highest ids, so the new title comes last)...
            let mut add = Query::new(
                "INSERT INTO taggings (tag_id, taggable_type, taggable_id, context, created_at) SELECT ",
            );
            add.bind(Arg::Int(new_tag))
                .push(", ")
                .bind(Arg::Text(kind.into()))
                .push(", x.id, 'labels', ")
                .bind(Arg::Time(now))
                .push(" FROM ")
                .push(table)
                .push(" x WHERE x.id IN ")
                .bind_list(list())
                .push(
                    " AND NOT EXISTS (SELECT 1 FROM taggings h WHERE h.context = 'labels' AND h.tag_id = ",
                )
                .bind(Arg::Int(new_tag))
                .push(" AND h.taggable_type = ")
                .bind(Arg::Text(kind.into()))
                .push(" AND h.taggable_id = x.id) ORDER BY x.id");
            query::execute(ex.re(), &add).await?;
            // ...then the old ones go.
            let mut drop =
                Query::new("DELETE FROM taggings WHERE context = 'labels' AND taggable_type = ");
            drop.bind(Arg::Text(kind.into()))
                .push(" AND taggable_id IN ")
                .bind_list(list())
                .push(" AND tag_id <> ")
                .bind(Arg::Int(new_tag))
                .push(" AND tag_id IN (SELECT id FROM tags WHERE LOWER(name) = LOWER(")
                .bind(Arg::Text(old.into()))
                .push("))");
            query::execute(ex.re(), &drop).await?;
        }
        touched.push(ids);
    }
    exec!(ex.re(), RECOUNT, new_tag, old)?;
    let contacts = touched.pop().unwrap_or_default();
    let conversations = touched.pop().unwrap_or_default();
    Ok((conversations, contacts))
}

/// The label titles on each of these objects of one kind, in the order they were added.
pub async fn on_each(
    ex: Ex<'_>,
    kind_of: fn(i64) -> Taggable,
    ids: &[i64],
) -> StoreResult<Vec<(i64, String)>> {
    #[derive(FromRow)]
    struct Pair {
        taggable_id: i64,
        name: String,
    }
    let kind = kind_of(0).parts().0;
    let mut q = Query::new(
        "SELECT g.taggable_id, t.name FROM taggings g JOIN tags t ON t.id = g.tag_id \
         WHERE g.context = 'labels' AND g.taggable_type = ",
    );
    q.bind(Arg::Text(kind.into()))
        .push(" AND g.taggable_id IN ")
        .bind_list(ids.iter().map(|i| Arg::Int(*i)))
        .push(" ORDER BY g.id");
    let rows: Vec<Pair> = query::fetch_all(ex, &q).await?;
    Ok(rows.into_iter().map(|p| (p.taggable_id, p.name)).collect())
}
