//! Pure types shared by every layer: ids, timestamps, Chatwoot's enums, validation and
//! the domain error. Nothing here does I/O.

pub mod attributes;
mod enums;
mod error;
pub mod features;
mod ids;
mod locale;
mod time;
mod uuid;
pub mod validation;

pub use enums::{
    AccountStatus, AttributeDisplayType, AttributeModel, Availability, ContactType, ContentType,
    ConversationStatus, DataImportStatus, FileType, MessageStatus, MessageType, Priority, Role,
};
pub use error::{Error, Result};
pub use ids::{AccessTokenId, AccountId, AccountUserId, PlatformAppId, UserId};
pub use locale::Locale;
pub use time::Timestamp;
pub use uuid::Uuid;

/// The Chatwoot release whose API Switchboard reproduces; `GET /api` reports it so
/// that clients which gate features on the server version keep working.
pub const CHATWOOT_COMPATIBLE_VERSION: &str = "4.10.0";
