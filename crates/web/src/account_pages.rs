//! The pages a mailed link opens, which must work without the dashboard app: choosing a
//! new password (reset or invitation, `/app/auth/password/edit`, the path of Chatwoot's
//! links) and confirming an address (`/app/auth/confirmation`). In English or Brazilian
//! Portuguese, after the browser's `Accept-Language`.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use switchboard_core::{Ctx, passwords};
use switchboard_domain::Error;

use crate::render;

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/app/auth/password/edit", get(edit).post(update))
        .route("/app/auth/confirmation", get(confirm))
}

struct Text {
    title: &'static str,
    lead: &'static str,
    password: &'static str,
    confirmation: &'static str,
    rules: &'static str,
    submit: &'static str,
    done: &'static str,
    sign_in: &'static str,
    invalid: &'static str,
    mismatch: &'static str,
}

const EN: Text = Text {
    title: "Choose your password",
    lead: "Enter the new password for your account.",
    password: "New password",
    confirmation: "Repeat the password",
    rules: "At least 6 characters, with an uppercase and a lowercase letter, a number and a special character.",
    submit: "Set password",
    done: "Your password is set. You can sign in with it now.",
    sign_in: "Sign in",
    invalid: "This link is no longer valid. Ask for a new one from the sign-in page.",
    mismatch: "The two passwords are not the same.",
};

const PT_BR: Text = Text {
    title: "Escolha a sua senha",
    lead: "Digite a nova senha da sua conta.",
    password: "Nova senha",
    confirmation: "Repita a senha",
    rules: "Pelo menos 6 caracteres, com uma letra maiúscula e uma minúscula, um número e um caractere especial.",
    submit: "Definir senha",
    done: "Sua senha foi definida. Você já pode entrar com ela.",
    sign_in: "Entrar",
    invalid: "Este link não é mais válido. Peça um novo na página de entrada.",
    mismatch: "As duas senhas não são iguais.",
};

const CONFIRM_EN: (&str, &str) = ("Account confirmed", "Your email address is confirmed.");
const CONFIRM_PT_BR: (&str, &str) = ("Conta confirmada", "Seu endereço de e-mail foi confirmado.");

fn portuguese(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("pt"))
}

fn text(headers: &HeaderMap) -> &'static Text {
    if portuguese(headers) { &PT_BR } else { &EN }
}

#[derive(Template)]
#[template(path = "password_edit.html")]
struct EditPage<'a> {
    brand: &'a str,
    t: &'static Text,
    token: String,
    error: Option<String>,
    done: bool,
}

#[derive(Deserialize, Default)]
struct TokenQuery {
    #[serde(default)]
    reset_password_token: String,
}

async fn edit(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Response {
    let page = EditPage {
        brand: &ctx.settings.installation_name,
        t: text(&headers),
        token: query
            .map(|Query(q)| q.reset_password_token)
            .unwrap_or_default(),
        error: None,
        done: false,
    };
    render(&page, StatusCode::OK)
}

#[derive(Deserialize, Default)]
struct NewPassword {
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

async fn update(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    form: Result<Form<NewPassword>, FormRejection>,
) -> Response {
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let t = text(&headers);
    let outcome = passwords::reset(
        &ctx,
        &f.reset_password_token,
        &f.password,
        Some(&f.password_confirmation),
    )
    .await;
    let (status, error) = match outcome {
        Ok(_) => (StatusCode::OK, None),
        Err(Error::Unprocessable(_)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(t.invalid.into())),
        Err(Error::Invalid { ref attributes, .. })
            if attributes.iter().any(|a| a == "password_confirmation") =>
        {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(t.mismatch.into()))
        }
        Err(Error::Internal(cause)) => {
            tracing::error!(error = ?cause, "password reset page");
            (StatusCode::INTERNAL_SERVER_ERROR, Some(t.invalid.into()))
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string())),
    };
    let page = EditPage {
        brand: &ctx.settings.installation_name,
        t,
        done: error.is_none(),
        token: f.reset_password_token,
        error,
    };
    render(&page, status)
}

struct ConfirmText {
    title: &'static str,
    done: &'static str,
    sign_in: &'static str,
}

#[derive(Template)]
#[template(path = "confirmation.html")]
struct ConfirmPage<'a> {
    brand: &'a str,
    t: ConfirmText,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ConfirmQuery {
    #[serde(default)]
    confirmation_token: String,
}

async fn confirm(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    query: Result<Query<ConfirmQuery>, QueryRejection>,
) -> Response {
    let token = query
        .map(|Query(q)| q.confirmation_token)
        .unwrap_or_default();
    let pt = portuguese(&headers);
    let (title, done) = if pt { CONFIRM_PT_BR } else { CONFIRM_EN };
    let base = text(&headers);
    let (status, error) = match passwords::confirm(&ctx, &token).await {
        Ok(_) => (StatusCode::OK, None),
        Err(Error::Internal(cause)) => {
            tracing::error!(error = ?cause, "confirmation page");
            (StatusCode::INTERNAL_SERVER_ERROR, Some(base.invalid.into()))
        }
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, Some(base.invalid.into())),
    };
    let page = ConfirmPage {
        brand: &ctx.settings.installation_name,
        t: ConfirmText {
            title,
            done,
            sign_in: base.sign_in,
        },
        error,
    };
    render(&page, status)
}
