//! Server-rendered pages and the dashboard app: the first visit's installation onboarding
//! (as Chatwoot's `/installation/onboarding`), which creates the first account and its
//! administrator; the home page, which leads there while nobody exists yet and to the
//! dashboard (`/app`) afterwards; and the dashboard itself.

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use switchboard_core::Ctx;
use switchboard_core::installation::{self, Onboarding};
use switchboard_domain::Error;

mod account_pages;
pub mod assets;
pub mod dashboard;
mod widget;

pub fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/", get(home))
        .route(
            "/installation/onboarding",
            get(onboarding_form).post(onboard),
        )
        .route("/widget", get(widget::show))
        .merge(account_pages::routes())
        .with_state(ctx.clone())
        .merge(dashboard::routes(ctx))
        .merge(assets::routes())
}

#[derive(Template, Default)]
#[template(path = "onboarding.html")]
struct OnboardingPage<'a> {
    brand: &'a str,
    error: Option<String>,
    name: String,
    company: String,
    email: String,
}

fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn needs_onboarding(ctx: &Ctx) -> bool {
    // On a database error, show the home page rather than offer a form that would fail.
    installation::needs_onboarding(ctx).await.unwrap_or(false)
}

/// Like Chatwoot's root route: the dashboard, which shows its sign-in screen to a visitor
/// without a session.
async fn home(State(ctx): State<Ctx>) -> Response {
    if needs_onboarding(&ctx).await {
        return Redirect::to("/installation/onboarding").into_response();
    }
    Redirect::to("/app").into_response()
}

async fn onboarding_form(State(ctx): State<Ctx>) -> Response {
    if !needs_onboarding(&ctx).await {
        return Redirect::to("/").into_response();
    }
    render(
        &OnboardingPage {
            brand: &ctx.settings.installation_name,
            ..Default::default()
        },
        StatusCode::OK,
    )
}

/// The form's fields, named as Chatwoot's onboarding form names them.
#[derive(Deserialize, Default)]
struct OnboardingForm {
    #[serde(rename = "user[name]", default)]
    name: String,
    #[serde(rename = "user[company]", default)]
    company: String,
    #[serde(rename = "user[email]", default)]
    email: String,
    #[serde(rename = "user[password]", default)]
    password: String,
}

async fn onboard(
    State(ctx): State<Ctx>,
    form: Result<Form<OnboardingForm>, FormRejection>,
) -> Response {
    // A body that is not the form reads as an empty form, which fails validation visibly.
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let o = Onboarding {
        user_name: &f.name,
        company_name: &f.company,
        email: &f.email,
        password: &f.password,
    };
    match installation::onboard(&ctx, o).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => {
            let status = match e {
                Error::Internal(ref cause) => {
                    tracing::error!(error = ?cause, "onboarding");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            if !needs_onboarding(&ctx).await {
                return Redirect::to("/").into_response();
            }
            let page = OnboardingPage {
                brand: &ctx.settings.installation_name,
                error: Some(e.to_string()),
                name: f.name,
                company: f.company,
                email: f.email,
            };
            render(&page, status)
        }
    }
}
