//! Creating users: shared by sign-up, agent invitations, the Platform API, onboarding
//! and the CLI, so every path validates the same way.

use serde_json::{Map, Value};
use switchboard_domain::{Error, Result, Timestamp, validation};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::users::{self, NewUser, User, UserFields};
use switchboard_store::{Ex, StoreError};

use crate::secrets;

pub struct UserInput<'a> {
    pub name: &'a str,
    pub email: &'a str,
    /// None: a random one the user never learns (invited agents set theirs later).
    pub password: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub confirmed: bool,
    pub super_admin: bool,
}

/// Validates and inserts a user with its `api_access_token` and `pubsub_token`.
pub async fn create(mut ex: Ex<'_>, input: UserInput<'_>, now: Timestamp) -> Result<User> {
    let name = validation::name("name", input.name, 255)?;
    let email = validation::email(input.email)?;
    let password = match input.password {
        Some(p) => {
            validation::password(p)?;
            p.to_owned()
        }
        None => format!("{}aA1!", secrets::url_safe_token(32)),
    };
    if users::find_by_email(ex.re(), &email).await?.is_some() {
        return Err(email_taken());
    }
    let hash = secrets::hash_password(&password).await?;
    let fields = UserFields {
        name,
        display_name: input.display_name.map(str::to_owned),
        email,
        availability: 0,
        ui_settings: Value::Object(Map::new()),
        custom_attributes: Value::Object(input.custom_attributes.unwrap_or_default()),
        message_signature: None,
    };
    let user = users::insert(
        ex.re(),
        &NewUser {
            fields: &fields,
            encrypted_password: &hash,
            pubsub_token: &secrets::secure_token(),
            user_type: input.super_admin.then_some("SuperAdmin"),
            confirmed_at: input.confirmed.then_some(now),
        },
        now,
    )
    .await
    .map_err(unique_email)?;
    access_tokens::insert(
        ex.re(),
        Owner::User(user.id.0),
        &secrets::secure_token(),
        now,
    )
    .await?;
    Ok(user)
}

pub fn email_taken() -> Error {
    Error::invalid("email", "Email has already been taken")
}

/// A unique-index failure on users can only be the email (or its `uid` twin): a
/// concurrent sign-up won the race.
pub fn unique_email(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => email_taken(),
        other => other.into(),
    }
}
