//! `POST …/conversations/:id/transcript`: a conversation's public messages, mailed to an
//! address the agent gives (Chatwoot's `conversation_transcript` mail), in the account's
//! language and under the operator's brand; also the automation rules' mail actions.

use std::collections::HashMap;

use askama::Template;
use switchboard_domain::{AccountId, Error, Locale, Result, UserId, validation};
use switchboard_store::conversations::Conversation;
use switchboard_store::users::{self, User};
use switchboard_store::{Tx, accounts, messages};

use crate::Ctx;
use crate::account_mail::Language;
use crate::conversations::{MessageDetails, Sender, accessible, one};
use crate::mail::{self, ActionMail, Mail};
use crate::messages::{files_of, message_details};

/// Enough for any conversation a person would read in a mail.
const MOST_MESSAGES: i64 = 2000;

struct Line {
    sender: String,
    time: String,
    content: String,
    files: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/transcript.html")]
struct TranscriptMail<'a> {
    brand: &'a str,
    title: &'a str,
    lines: &'a [Line],
    attachments: &'a str,
}

pub async fn send(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    email: Option<&str>,
) -> Result<()> {
    let email = match email.map(str::trim) {
        None | Some("") => return Err(Error::Unprocessable("email param missing".into())),
        Some(e) => validation::email(e)?,
    };
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    queue(ctx, &mut tx, account, c, &[email]).await?;
    tx.commit().await?;
    Ok(())
}

/// An automation rule's `send_email_transcript`: no caller to check.
pub(crate) async fn send_by_system(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
    emails: &[String],
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let c =
        switchboard_store::conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    queue(ctx, &mut tx, account, c, emails).await?;
    tx.commit().await?;
    Ok(())
}

/// Renders the transcript of `c` and queues one mail per address, in `tx`.
pub(crate) async fn queue(
    ctx: &Ctx,
    tx: &mut Tx,
    account: AccountId,
    c: Conversation,
    emails: &[String],
) -> Result<()> {
    let rows = messages::transcript(tx.ex(), c.id, MOST_MESSAGES).await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut files = files_of(
        ctx,
        switchboard_store::attachments::for_messages(tx.ex(), &ids).await?,
    );
    let people: HashMap<UserId, User> = users::list_for_account(tx.ex(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let lang = account_language(tx, account).await?;
    let d = one(ctx, tx.ex(), c).await?;
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|m| {
            let mut md: MessageDetails = message_details(&d, m, &people);
            md.attachments = files.remove(&md.message.id).unwrap_or_default();
            line(&md)
        })
        .collect();
    for email in emails {
        let m = render(ctx, lang, d.conversation.display_id, &lines, email)?;
        mail::enqueue(tx.ex(), &m).await?;
    }
    Ok(())
}

/// An automation rule's `send_email_to_team`: `message` mailed to every member of the
/// account's teams among `team_ids`, with a link to the conversation (Chatwoot's
/// AutomationNotificationMailer), in the account's language.
pub(crate) async fn mail_teams(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
    team_ids: &[i64],
    message: &str,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let lang = account_language(&mut tx, account).await?;
    let people: HashMap<UserId, User> = users::list_for_account(tx.ex(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut members: Vec<UserId> = Vec::new();
    for team in team_ids {
        // Another account's team id is ignored, as Chatwoot's account-scoped lookup does.
        if switchboard_store::teams::find(tx.ex(), account, *team)
            .await
            .is_err()
        {
            continue;
        }
        members.extend(switchboard_store::teams::member_ids(tx.ex(), *team).await?);
    }
    members.sort_by_key(|u| u.0);
    members.dedup();
    let link = format!(
        "{}/app/accounts/{}/conversations/{display_id}",
        ctx.settings.frontend_url.trim_end_matches('/'),
        account.0
    );
    let (subject, button) = match lang {
        Language::En => (
            format!("[#{display_id}] A conversation needs your team"),
            "Open the conversation",
        ),
        Language::PtBr => (
            format!("[#{display_id}] Uma conversa precisa da sua equipe"),
            "Abrir a conversa",
        ),
    };
    for user in members.iter().filter_map(|id| people.get(id)) {
        let Some(email) = user.email.as_deref() else {
            continue;
        };
        let greeting = match lang {
            Language::En => format!("Hi {},", user.name),
            Language::PtBr => format!("Olá, {},", user.name),
        };
        let m = ActionMail {
            brand: &ctx.settings.installation_name,
            greeting: &greeting,
            paragraphs: &[message.to_owned()],
            button,
            link: &link,
            closing: &[],
        }
        .to_mail(email, &subject)?;
        mail::enqueue(tx.ex(), &m).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn account_language(tx: &mut Tx, account: AccountId) -> Result<Language> {
    Ok(accounts::find(tx.ex(), account)
        .await?
        .locale
        .map(|v| Locale::from_value(v).code())
        .and_then(Language::from_code)
        .unwrap_or(Language::En))
}

fn line(md: &MessageDetails) -> Line {
    let sender = match &md.sender {
        Some(Sender::User(u)) => u.display_name.clone().unwrap_or_else(|| u.name.clone()),
        Some(Sender::Contact(k)) => k.name.clone().unwrap_or_default(),
        Some(Sender::AgentBot(b)) => b.name.clone().unwrap_or_default(),
        None => String::new(),
    };
    Line {
        sender,
        time: md
            .message
            .created_at
            .datetime()
            .format(&TIME)
            .unwrap_or_default(),
        content: md.message.content.clone().unwrap_or_default(),
        files: md
            .attachments
            .iter()
            .map(|f| {
                let name = f
                    .attachment
                    .filename
                    .clone()
                    .unwrap_or_else(|| "file".into());
                (name, f.data_url.clone())
            })
            .collect(),
    }
}

const TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

fn render(ctx: &Ctx, lang: Language, display_id: i64, lines: &[Line], to: &str) -> Result<Mail> {
    let (title, attachments) = match lang {
        Language::En => ("Conversation Transcript", "Attachments:"),
        Language::PtBr => ("Transcrição da conversa", "Anexos:"),
    };
    let subject = format!("[#{display_id}] {title}");
    let brand = &ctx.settings.installation_name;
    let html = TranscriptMail {
        brand,
        title: &subject,
        lines,
        attachments,
    }
    .render()
    .map_err(|e| Error::Internal(anyhow::anyhow!("transcript template: {e}")))?;
    let mut text = format!("{subject}\n\n");
    for l in lines {
        text.push_str(&format!("{} ({})\n{}\n", l.sender, l.time, l.content));
        for (name, url) in &l.files {
            text.push_str(&format!("{name}: {url}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!("-- \n{brand}\n"));
    Ok(Mail {
        to: to.to_owned(),
        subject,
        text,
        html,
    })
}
