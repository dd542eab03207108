//! Chatwoot's Rails enums, stored as the same integers so a Chatwoot database imports
//! one to one, and rendered as the same strings.

use serde::{Deserialize, Serialize};

macro_rules! chatwoot_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),*];

            pub const fn value(self) -> i32 {
                match self { $($name::$variant => $value),* }
            }

            pub fn from_value(v: i32) -> Option<Self> {
                match v { $($value => Some($name::$variant),)* _ => None }
            }

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

chatwoot_enum!(
    /// `account_users.role`.
    Role { Agent = 0 => "agent", Administrator = 1 => "administrator" }
);

chatwoot_enum!(
    /// `users.availability` and `account_users.availability`.
    Availability { Online = 0 => "online", Offline = 1 => "offline", Busy = 2 => "busy" }
);

chatwoot_enum!(
    /// `accounts.status`.
    AccountStatus { Active = 0 => "active", Suspended = 1 => "suspended" }
);

chatwoot_enum!(
    /// `custom_attribute_definitions.attribute_display_type`.
    AttributeDisplayType {
        Text = 0 => "text", Number = 1 => "number", Currency = 2 => "currency", Percent = 3 => "percent",
        Link = 4 => "link", Date = 5 => "date", List = 6 => "list", Checkbox = 7 => "checkbox",
    }
);

chatwoot_enum!(
    /// `custom_attribute_definitions.attribute_model`.
    AttributeModel { Conversation = 0 => "conversation_attribute", Contact = 1 => "contact_attribute" }
);

chatwoot_enum!(
    /// `conversations.status`.
    ConversationStatus { Open = 0 => "open", Resolved = 1 => "resolved", Pending = 2 => "pending", Snoozed = 3 => "snoozed" }
);

chatwoot_enum!(
    /// `conversations.priority` (NULL is no priority).
    Priority { Low = 0 => "low", Medium = 1 => "medium", High = 2 => "high", Urgent = 3 => "urgent" }
);

chatwoot_enum!(
    /// `messages.message_type`: rendered as the integer in the API, as the name in webhooks.
    MessageType { Incoming = 0 => "incoming", Outgoing = 1 => "outgoing", Activity = 2 => "activity", Template = 3 => "template" }
);

chatwoot_enum!(
    /// `messages.content_type`, always rendered as the name.
    ContentType {
        Text = 0 => "text", InputText = 1 => "input_text", InputTextarea = 2 => "input_textarea",
        InputEmail = 3 => "input_email", InputSelect = 4 => "input_select", Cards = 5 => "cards", Form = 6 => "form",
        Article = 7 => "article", IncomingEmail = 8 => "incoming_email", InputCsat = 9 => "input_csat",
        Integrations = 10 => "integrations", Sticker = 11 => "sticker", VoiceCall = 12 => "voice_call",
    }
);

chatwoot_enum!(
    /// `messages.status`.
    MessageStatus { Sent = 0 => "sent", Delivered = 1 => "delivered", Read = 2 => "read", Failed = 3 => "failed" }
);

chatwoot_enum!(
    /// `contacts.contact_type`.
    ContactType { Visitor = 0 => "visitor", Lead = 1 => "lead", Customer = 2 => "customer" }
);

chatwoot_enum!(
    /// `attachments.file_type`, rendered as the name.
    FileType {
        Image = 0 => "image", Audio = 1 => "audio", Video = 2 => "video", File = 3 => "file",
        Location = 4 => "location", Fallback = 5 => "fallback", Share = 6 => "share",
        StoryMention = 7 => "story_mention", Contact = 8 => "contact", IgReel = 9 => "ig_reel",
        IgPost = 10 => "ig_post", IgStory = 11 => "ig_story", Embed = 12 => "embed",
    }
);

impl FileType {
    /// What Chatwoot infers from an upload's MIME type.
    pub fn of_content_type(content_type: &str) -> Self {
        match content_type.split('/').next().unwrap_or_default() {
            "image" => Self::Image,
            "audio" => Self::Audio,
            "video" => Self::Video,
            _ => Self::File,
        }
    }
}

chatwoot_enum!(
    /// `data_imports.status`.
    DataImportStatus { Pending = 0 => "pending", Processing = 1 => "processing", Completed = 2 => "completed", Failed = 3 => "failed" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_value(r.value()), Some(*r));
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Availability::Busy.value(), 2);
        assert_eq!(
            AccountStatus::parse("suspended"),
            Some(AccountStatus::Suspended)
        );
        assert_eq!(Role::from_value(7), None);
    }
}
