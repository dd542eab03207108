//! Canned responses: like Chatwoot, any member of the account may manage them.

use switchboard_domain::{AccountId, Error, Result, Timestamp};
use switchboard_store::canned_responses::{self, CannedResponse};
use switchboard_store::users::User;

use crate::Ctx;
use crate::auth::membership;

pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    search: Option<&str>,
) -> Result<Vec<CannedResponse>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    Ok(canned_responses::list(conn.ex(), account, search).await?)
}

#[derive(Default)]
pub struct CannedInput {
    pub short_code: Option<String>,
    pub content: Option<String>,
}

fn required(attribute: &str, label: &str, v: Option<&str>) -> Result<String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > 100_000 => Err(Error::invalid(
            attribute,
            format!("{label} is too long (maximum is 100000 characters)"),
        )),
        Some(s) => Ok(s.to_string()),
        None => Err(Error::invalid(attribute, format!("{label} can't be blank"))),
    }
}

async fn check_unique(
    tx: &mut switchboard_store::Tx,
    account: AccountId,
    short_code: &str,
    except: Option<i64>,
) -> Result<()> {
    let clash = canned_responses::list(tx.ex(), account, None)
        .await?
        .into_iter()
        .any(|c| c.short_code.as_deref() == Some(short_code) && Some(c.id) != except);
    if clash {
        Err(Error::invalid(
            "short_code",
            "Short code has already been taken",
        ))
    } else {
        Ok(())
    }
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: CannedInput,
) -> Result<CannedResponse> {
    let short_code = required("short_code", "Short code", input.short_code.as_deref())?;
    let content = required("content", "Content", input.content.as_deref())?;
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    check_unique(&mut tx, account, &short_code, None).await?;
    let c =
        canned_responses::insert(tx.ex(), account, &short_code, &content, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: CannedInput,
) -> Result<CannedResponse> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let mut c = canned_responses::find(tx.ex(), account, id).await?;
    if input.short_code.is_some() {
        let code = required("short_code", "Short code", input.short_code.as_deref())?;
        check_unique(&mut tx, account, &code, Some(id)).await?;
        c.short_code = Some(code);
    }
    if input.content.is_some() {
        c.content = Some(required("content", "Content", input.content.as_deref())?);
    }
    let c = canned_responses::update(tx.ex(), &c, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    canned_responses::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}
