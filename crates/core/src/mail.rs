//! Outgoing mail. Every mail is a job (`mail_delivery`): it is rendered and enqueued in
//! the transaction of the change that causes it, and the worker sends it through SMTP
//! (Chatwoot's `SMTP_*` variables) with the usual retries, so a relay that is down for a
//! while delays mail but never loses it. With no `SMTP_ADDRESS`, mail is written under
//! `DATA_DIR/mail` and logged instead, so a newcomer can still follow a reset link.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use switchboard_domain::Timestamp;
use switchboard_store::{Ex, jobs};

use crate::jobs::Attempt;
use crate::{Ctx, Result, SecretKey};

pub const DELIVERY_JOB: &str = "mail_delivery";
/// With the default backoff (15 s doubling, capped at an hour) 30 attempts span a day.
const ATTEMPTS: i32 = 30;

/// How to reach the SMTP relay (Chatwoot's variables, parsed by the binary's config).
#[derive(Clone, Debug)]
pub struct Smtp {
    /// `SMTP_ADDRESS`
    pub address: String,
    /// `SMTP_PORT`
    pub port: u16,
    /// `SMTP_DOMAIN`: the name we give in `EHLO`.
    pub domain: Option<String>,
    pub username: Option<String>,
    pub password: Option<SecretKey>,
    pub authentication: Authentication,
    pub security: Security,
    /// `SMTP_OPENSSL_VERIFY_MODE=none` turns certificate checks off (self-signed relays).
    pub verify_certificates: bool,
    /// `SMTP_OPEN_TIMEOUT` / `SMTP_READ_TIMEOUT` (the larger of the two).
    pub timeout: Duration,
}

/// `SMTP_AUTHENTICATION`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// Unset: PLAIN or LOGIN, whichever the server offers, when there is a username.
    Any,
    Plain,
    Login,
    /// `none`: never authenticate, even with a username set.
    None,
}

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `SMTP_ENABLE_STARTTLS_AUTO=false`: plain text (an in-cluster relay on port 25).
    None,
    /// The default, as Rails' `enable_starttls_auto`: STARTTLS when the server offers it.
    StartTlsWhenOffered,
    /// `SMTP_TLS` / `SMTP_SSL`: TLS from the first byte (port 465).
    Tls,
}

/// A rendered mail, as it waits in its job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends mail: through SMTP, or into a folder when there is no relay. Cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

struct Inner {
    sender: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

impl Mailer {
    /// Mail goes through the relay `smtp`, from `sender` (`MAILER_SENDER_EMAIL`; a bare
    /// address gets the installation's name, `brand`).
    pub fn smtp(sender: &str, brand: &str, smtp: &Smtp) -> std::result::Result<Mailer, String> {
        let sender = parse_sender(sender, brand)?;
        let tls = || {
            TlsParameters::builder(smtp.address.clone())
                .dangerous_accept_invalid_certs(!smtp.verify_certificates)
                .dangerous_accept_invalid_hostnames(!smtp.verify_certificates)
                .build_rustls()
                .map_err(|e| format!("SMTP TLS settings: {e}"))
        };
        let tls = match smtp.security {
            Security::None => Tls::None,
            Security::StartTlsWhenOffered => Tls::Opportunistic(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.address)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(smtp.timeout));
        if let Some(domain) = &smtp.domain {
            b = b.hello_name(ClientId::Domain(domain.clone()));
        }
        if let Some(user) = &smtp.username
            && smtp.authentication != Authentication::None
        {
            let password = smtp
                .password
                .as_ref()
                .map(|p| p.0.clone())
                .unwrap_or_default();
            b = b.credentials(Credentials::new(user.clone(), password));
            b = b.authentication(match smtp.authentication {
                Authentication::Plain => vec![Mechanism::Plain],
                Authentication::Login => vec![Mechanism::Login],
                _ => vec![Mechanism::Plain, Mechanism::Login],
            });
        }
        Ok(Mailer(Arc::new(Inner {
            sender,
            transport: Transport::Smtp(b.build()),
        })))
    }

    /// No relay: each mail becomes an `.eml` file in `dir`, and a log line.
    pub fn folder(sender: &str, brand: &str, dir: PathBuf) -> std::result::Result<Mailer, String> {
        Ok(Mailer(Arc::new(Inner {
            sender: parse_sender(sender, brand)?,
            transport: Transport::Folder(dir),
        })))
    }

    async fn send(&self, mail: &Mail) -> std::result::Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", mail.to))?;
        let message = Message::builder()
            .from(self.0.sender.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| format!("cannot build the mail: {e}"))?;
        match &self.0.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}")),
            Transport::Folder(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let name = format!(
                    "{}-{}.eml",
                    Timestamp::now().millis(),
                    crate::secrets::url_safe_token(8)
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(),
                    "no SMTP_ADDRESS: mail written to a file");
                Ok(())
            }
        }
    }
}

fn parse_sender(sender: &str, brand: &str) -> std::result::Result<Mailbox, String> {
    let mut m: Mailbox = sender.parse().map_err(|e| {
        format!("'{sender}' is not a sender such as 'Acme <support@acme.com>': {e}")
    })?;
    if m.name.is_none() && !brand.is_empty() {
        m.name = Some(brand.to_owned());
    }
    Ok(m)
}

/// Queues `mail` inside the caller's transaction: it goes out only if the change commits.
pub(crate) async fn enqueue(mut ex: Ex<'_>, mail: &Mail) -> Result<()> {
    let payload = serde_json::to_value(mail).map_err(|e| crate::Error::Internal(e.into()))?;
    jobs::enqueue(ex.re(), DELIVERY_JOB, &payload, ATTEMPTS, Timestamp::now()).await?;
    Ok(())
}

/// The `mail_delivery` job.
pub(crate) async fn deliver(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    let mail: Mail = serde_json::from_value(attempt.payload.clone())
        .map_err(|e| format!("not a mail job: {e}"))?;
    ctx.mailer.send(&mail).await
}

/// A mail that asks its reader to follow one link: password resets, invitations,
/// confirmations. The same parts make the HTML and the plain-text body.
#[derive(Template)]
#[template(path = "mail/action.html")]
pub(crate) struct ActionMail<'a> {
    pub brand: &'a str,
    pub greeting: &'a str,
    pub paragraphs: &'a [String],
    pub button: &'a str,
    pub link: &'a str,
    pub closing: &'a [String],
}

impl ActionMail<'_> {
    pub(crate) fn to_mail(&self, to: &str, subject: &str) -> Result<Mail> {
        let html = self
            .render()
            .map_err(|e| crate::Error::Internal(anyhow::anyhow!("mail template: {e}")))?;
        let mut text = format!("{}\n\n", self.greeting);
        for p in self.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
        }
        text.push_str(&format!("{}: {}\n\n", self.button, self.link));
        for p in self.closing {
            text.push_str(p);
            text.push('\n');
        }
        text.push_str(&format!("\n-- \n{}\n", self.brand));
        Ok(Mail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text,
            html,
        })
    }
}
