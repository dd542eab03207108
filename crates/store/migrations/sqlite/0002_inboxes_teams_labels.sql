-- The shared inbox's settings: inboxes with their channels (API and website; email comes
-- with the email issue), members, working hours; teams; labels (definitions, and the
-- acts-as-taggable tags/taggings that attach them); canned responses; custom attribute
-- definitions. Chatwoot's columns and integer enums (db/schema.rb of Chatwoot 4.10).

CREATE TABLE inboxes (
    id INTEGER PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    channel_type VARCHAR,
    enable_auto_assignment BOOLEAN DEFAULT TRUE,
    greeting_enabled BOOLEAN DEFAULT FALSE,
    greeting_message VARCHAR,
    email_address VARCHAR,
    working_hours_enabled BOOLEAN DEFAULT FALSE,
    out_of_office_message VARCHAR,
    timezone VARCHAR DEFAULT 'UTC',
    enable_email_collect BOOLEAN DEFAULT TRUE,
    csat_survey_enabled BOOLEAN DEFAULT FALSE,
    allow_messages_after_resolved BOOLEAN DEFAULT TRUE,
    auto_assignment_config TEXT DEFAULT '{}',
    lock_to_single_conversation BOOLEAN NOT NULL DEFAULT FALSE,
    portal_id BIGINT,
    sender_name_type INTEGER NOT NULL DEFAULT 0,
    business_name VARCHAR,
    csat_config TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX index_inboxes_on_account_id ON inboxes (account_id);
CREATE INDEX index_inboxes_on_channel_id_and_channel_type ON inboxes (channel_id, channel_type);

CREATE TABLE channel_web_widgets (
    id INTEGER PRIMARY KEY,
    website_url VARCHAR,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    website_token VARCHAR,
    widget_color VARCHAR DEFAULT '#1f93ff',
    welcome_title VARCHAR,
    welcome_tagline VARCHAR,
    feature_flags INTEGER NOT NULL DEFAULT 7,
    reply_time INTEGER DEFAULT 0,
    hmac_token VARCHAR,
    pre_chat_form_enabled BOOLEAN DEFAULT FALSE,
    pre_chat_form_options TEXT DEFAULT '{}',
    hmac_mandatory BOOLEAN DEFAULT FALSE,
    continuity_via_email BOOLEAN NOT NULL DEFAULT TRUE,
    allowed_domains TEXT DEFAULT ''
);
CREATE UNIQUE INDEX index_channel_web_widgets_on_hmac_token ON channel_web_widgets (hmac_token);
CREATE UNIQUE INDEX index_channel_web_widgets_on_website_token ON channel_web_widgets (website_token);

CREATE TABLE channel_api (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    webhook_url VARCHAR,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    identifier VARCHAR,
    hmac_token VARCHAR,
    hmac_mandatory BOOLEAN DEFAULT FALSE,
    additional_attributes TEXT DEFAULT '{}'
);
CREATE UNIQUE INDEX index_channel_api_on_hmac_token ON channel_api (hmac_token);
CREATE UNIQUE INDEX index_channel_api_on_identifier ON channel_api (identifier);

CREATE TABLE inbox_members (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_inbox_members_on_inbox_id_and_user_id ON inbox_members (inbox_id, user_id);
CREATE INDEX index_inbox_members_on_user_id ON inbox_members (user_id);

CREATE TABLE working_hours (
    id INTEGER PRIMARY KEY,
    inbox_id BIGINT REFERENCES inboxes (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    day_of_week INTEGER NOT NULL,
    closed_all_day BOOLEAN DEFAULT FALSE,
    open_hour INTEGER,
    open_minutes INTEGER,
    close_hour INTEGER,
    close_minutes INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    open_all_day BOOLEAN DEFAULT FALSE
);
CREATE INDEX index_working_hours_on_inbox_id ON working_hours (inbox_id);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    description TEXT,
    allow_auto_assign BOOLEAN DEFAULT TRUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_teams_on_name_and_account_id ON teams (name, account_id);
CREATE INDEX index_teams_on_account_id ON teams (account_id);

CREATE TABLE team_members (
    id INTEGER PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_team_members_on_team_id_and_user_id ON team_members (team_id, user_id);
CREATE INDEX index_team_members_on_user_id ON team_members (user_id);

CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    title VARCHAR,
    description TEXT,
    color VARCHAR NOT NULL DEFAULT '#1f93ff',
    show_on_sidebar BOOLEAN,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_labels_on_title_and_account_id ON labels (title, account_id);
CREATE INDEX index_labels_on_account_id ON labels (account_id);

-- acts-as-taggable-on, as Chatwoot uses it for labels on conversations and contacts
-- (context 'labels'). Tags are shared by name across accounts, as there.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name VARCHAR,
    taggings_count INTEGER DEFAULT 0
);
CREATE UNIQUE INDEX index_tags_on_name ON tags (name);

CREATE TABLE taggings (
    id INTEGER PRIMARY KEY,
    tag_id BIGINT REFERENCES tags (id) ON DELETE CASCADE,
    taggable_type VARCHAR,
    taggable_id BIGINT,
    tagger_type VARCHAR,
    tagger_id BIGINT,
    context VARCHAR(128),
    created_at BIGINT
);
CREATE UNIQUE INDEX taggings_idx ON taggings (tag_id, taggable_id, taggable_type, context, tagger_id, tagger_type);
CREATE INDEX index_taggings_on_taggable_id_and_taggable_type_and_context ON taggings (taggable_id, taggable_type, context);

CREATE TABLE canned_responses (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    short_code VARCHAR,
    content TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_canned_responses_on_account_id ON canned_responses (account_id);

CREATE TABLE custom_attribute_definitions (
    id INTEGER PRIMARY KEY,
    attribute_display_name VARCHAR,
    attribute_key VARCHAR,
    attribute_display_type INTEGER DEFAULT 0,
    default_value INTEGER,
    attribute_model INTEGER DEFAULT 0,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    attribute_description TEXT,
    attribute_values TEXT DEFAULT '[]',
    regex_pattern VARCHAR,
    regex_cue VARCHAR
);
CREATE UNIQUE INDEX attribute_key_model_index ON custom_attribute_definitions (attribute_key, attribute_model, account_id);
CREATE INDEX index_custom_attribute_definitions_on_account_id ON custom_attribute_definitions (account_id);
