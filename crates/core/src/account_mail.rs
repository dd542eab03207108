//! The mails about a user's own account (Devise's in Chatwoot): password reset,
//! invitation, confirmation. They carry the operator's brand (`INSTALLATION_NAME`), never
//! ours, and speak the recipient's language: English or Brazilian Portuguese for now.

use switchboard_domain::Locale;
use switchboard_store::users::User;
use switchboard_store::{Ex, account_users, accounts};

use crate::mail::{ActionMail, Mail};
use crate::{Ctx, Result};

/// The languages the mails are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    En,
    PtBr,
}

impl Language {
    pub(crate) fn from_code(code: &str) -> Option<Language> {
        match code {
            "en" => Some(Language::En),
            "pt_BR" | "pt-BR" | "pt" => Some(Language::PtBr),
            _ => None,
        }
    }
}

/// The recipient's language: their own choice (`ui_settings.locale`, as the dashboard
/// stores it), else their first account's, else `DEFAULT_LOCALE`, else English.
pub async fn language(mut ex: Ex<'_>, ctx: &Ctx, user: &User) -> Result<Language> {
    let own = user
        .ui_settings
        .as_ref()
        .and_then(|s| s.0.get("locale"))
        .and_then(|v| v.as_str())
        .and_then(Language::from_code);
    if let Some(l) = own {
        return Ok(l);
    }
    if let Some(first) = account_users::list_for_user(ex.re(), user.id)
        .await?
        .into_iter()
        .next()
    {
        let account = accounts::find(ex.re(), first.account_user.account_id).await?;
        let code = account.locale.map(|v| Locale::from_value(v).code());
        if let Some(l) = code.and_then(Language::from_code) {
            return Ok(l);
        }
    }
    Ok(Language::from_code(&ctx.settings.default_locale).unwrap_or(Language::En))
}

fn link(ctx: &Ctx, path_and_query: &str) -> String {
    format!(
        "{}/app/{path_and_query}",
        ctx.settings.frontend_url.trim_end_matches('/')
    )
}

/// Devise's `reset_password_instructions`.
pub fn reset_password(ctx: &Ctx, lang: Language, user: &User, token: &str) -> Result<Mail> {
    let email = user.email.as_deref().unwrap_or_default();
    let link = link(
        ctx,
        &format!("auth/password/edit?reset_password_token={token}"),
    );
    let (subject, greeting, body, button, closing) = match lang {
        Language::En => (
            "Reset password instructions".to_owned(),
            format!("Hello {email}!"),
            vec!["Someone has requested a link to change your password. You can do this through the link below.".to_owned()],
            "Change my password",
            vec![
                "If you didn't request this, please ignore this email.".to_owned(),
                "Your password won't change until you access the link above and create a new one.".to_owned(),
            ],
        ),
        Language::PtBr => (
            "Instruções para redefinir a senha".to_owned(),
            format!("Olá, {email}!"),
            vec!["Alguém pediu um link para alterar a sua senha. Você pode fazer isso pelo link abaixo.".to_owned()],
            "Alterar minha senha",
            vec![
                "Se você não fez esse pedido, ignore este e-mail.".to_owned(),
                "Sua senha não muda até você abrir o link acima e criar uma nova.".to_owned(),
            ],
        ),
    };
    ActionMail {
        brand: &ctx.settings.installation_name,
        greeting: &greeting,
        paragraphs: &body,
        button,
        link: &link,
        closing: &closing,
    }
    .to_mail(email, &subject)
}

/// Devise's `confirmation_instructions` for an invited agent: the link lets them choose
/// a password, which also confirms them.
pub fn invitation(
    ctx: &Ctx,
    lang: Language,
    user: &User,
    inviter: &str,
    account: &str,
    token: &str,
) -> Result<Mail> {
    let email = user.email.as_deref().unwrap_or_default();
    let brand = &ctx.settings.installation_name;
    let link = link(
        ctx,
        &format!("auth/password/edit?reset_password_token={token}"),
    );
    let (subject, greeting, body, button) = match lang {
        Language::En => (
            format!("You're invited to {account} on {brand}"),
            format!("Hi {},", user.name),
            vec![
                format!("{inviter}, with {account}, has invited you to join them on {brand}."),
                "Please take a moment and click the link below to choose your password and activate your account.".to_owned(),
            ],
            "Confirm my account",
        ),
        Language::PtBr => (
            format!("Você foi convidado para {account} em {brand}"),
            format!("Olá, {},", user.name),
            vec![
                format!("{inviter}, de {account}, convidou você para {brand}."),
                "Clique no link abaixo para escolher a sua senha e ativar a sua conta.".to_owned(),
            ],
            "Confirmar minha conta",
        ),
    };
    let closing = match lang {
        Language::En => vec!["The link works for 7 days.".to_owned()],
        Language::PtBr => vec!["O link vale por 7 dias.".to_owned()],
    };
    ActionMail {
        brand,
        greeting: &greeting,
        paragraphs: &body,
        button,
        link: &link,
        closing: &closing,
    }
    .to_mail(email, &subject)
}

/// Devise's `confirmation_instructions` for someone who signed up themselves.
pub fn confirmation(ctx: &Ctx, lang: Language, user: &User, token: &str) -> Result<Mail> {
    let email = user.email.as_deref().unwrap_or_default();
    let brand = &ctx.settings.installation_name;
    let link = link(
        ctx,
        &format!("auth/confirmation?confirmation_token={token}"),
    );
    let (subject, greeting, body, button) = match lang {
        Language::En => (
            "Confirmation instructions".to_owned(),
            format!("Hi {},", user.name),
            vec![
                format!(
                    "Welcome to {brand}! Before you start, we need to check that this email address is really yours."
                ),
                "Please click the link below to activate your account.".to_owned(),
            ],
            "Confirm my account",
        ),
        Language::PtBr => (
            "Instruções de confirmação".to_owned(),
            format!("Olá, {},", user.name),
            vec![
                format!(
                    "Bem-vindo ao {brand}! Antes de começar, precisamos verificar que este endereço de e-mail é mesmo seu."
                ),
                "Clique no link abaixo para ativar a sua conta.".to_owned(),
            ],
            "Confirmar minha conta",
        ),
    };
    ActionMail {
        brand,
        greeting: &greeting,
        paragraphs: &body,
        button,
        link: &link,
        closing: &[],
    }
    .to_mail(email, &subject)
}
