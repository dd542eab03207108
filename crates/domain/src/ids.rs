use serde::{Deserialize, Serialize};

macro_rules! id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id!(
    /// `accounts.id`: a tenant.
    AccountId,
    /// `users.id`.
    UserId,
    /// `account_users.id`: a user's membership of an account.
    AccountUserId,
    /// `platform_apps.id`.
    PlatformAppId,
    /// `access_tokens.id`.
    AccessTokenId,
);
