-- Identity and tenancy, with Chatwoot's tables, columns and integer enums
-- (db/schema.rb of Chatwoot 4.10), so a Chatwoot database can be imported one to one.
-- Timestamps are set by the application, never by now(); on SQLite they are
-- integer epoch milliseconds and JSON is TEXT.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    locale INTEGER DEFAULT 0,
    domain VARCHAR,
    support_email VARCHAR,
    feature_flags BIGINT NOT NULL DEFAULT 0,
    auto_resolve_duration INTEGER,
    limits TEXT DEFAULT '{}',
    custom_attributes TEXT DEFAULT '{}',
    status INTEGER DEFAULT 0,
    internal_attributes TEXT NOT NULL DEFAULT '{}',
    settings TEXT DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_accounts_on_status ON accounts (status);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    provider VARCHAR NOT NULL DEFAULT 'email',
    uid VARCHAR NOT NULL DEFAULT '',
    encrypted_password VARCHAR NOT NULL DEFAULT '',
    reset_password_token VARCHAR,
    reset_password_sent_at BIGINT,
    remember_created_at BIGINT,
    sign_in_count INTEGER NOT NULL DEFAULT 0,
    current_sign_in_at BIGINT,
    last_sign_in_at BIGINT,
    current_sign_in_ip VARCHAR,
    last_sign_in_ip VARCHAR,
    confirmation_token VARCHAR,
    confirmed_at BIGINT,
    confirmation_sent_at BIGINT,
    unconfirmed_email VARCHAR,
    name VARCHAR NOT NULL,
    display_name VARCHAR,
    email VARCHAR,
    tokens TEXT,
    pubsub_token VARCHAR,
    availability INTEGER DEFAULT 0,
    ui_settings TEXT DEFAULT '{}',
    custom_attributes TEXT DEFAULT '{}',
    type VARCHAR,
    message_signature TEXT,
    otp_secret VARCHAR,
    consumed_timestep INTEGER,
    otp_required_for_login BOOLEAN DEFAULT FALSE,
    otp_backup_codes TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_users_on_email ON users (email);
CREATE UNIQUE INDEX index_users_on_pubsub_token ON users (pubsub_token);
CREATE UNIQUE INDEX index_users_on_uid_and_provider ON users (uid, provider);
CREATE UNIQUE INDEX index_users_on_reset_password_token ON users (reset_password_token);

CREATE TABLE account_users (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role INTEGER DEFAULT 0,
    inviter_id BIGINT,
    active_at BIGINT,
    availability INTEGER NOT NULL DEFAULT 0,
    auto_offline BOOLEAN NOT NULL DEFAULT TRUE,
    custom_role_id BIGINT,
    agent_capacity_policy_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX uniq_user_id_per_account_id ON account_users (account_id, user_id);
CREATE INDEX index_account_users_on_user_id ON account_users (user_id);

CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY,
    owner_type VARCHAR,
    owner_id BIGINT,
    token VARCHAR,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_access_tokens_on_token ON access_tokens (token);
CREATE INDEX index_access_tokens_on_owner_type_and_owner_id ON access_tokens (owner_type, owner_id);

CREATE TABLE platform_apps (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE platform_app_permissibles (
    id INTEGER PRIMARY KEY,
    platform_app_id BIGINT NOT NULL REFERENCES platform_apps (id) ON DELETE CASCADE,
    permissible_type VARCHAR NOT NULL,
    permissible_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX unique_permissibles_index
    ON platform_app_permissibles (platform_app_id, permissible_id, permissible_type);
CREATE INDEX index_platform_app_permissibles_on_permissibles
    ON platform_app_permissibles (permissible_type, permissible_id);

CREATE TABLE installation_configs (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    serialized_value TEXT NOT NULL DEFAULT '{}',
    locked BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_installation_configs_on_name ON installation_configs (name);

-- Ours: devise_token_auth keeps sessions in users.tokens (JSON, bcrypt per client);
-- we keep one row per signed-in device with a SHA-256 of the token, so a session is
-- revoked with a DELETE and a lookup is an index probe.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client VARCHAR NOT NULL,
    token_digest VARCHAR NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_user_sessions_on_client ON user_sessions (client);
CREATE INDEX index_user_sessions_on_user_id ON user_sessions (user_id);

-- Ours: Chatwoot keeps the Platform API's one-time SSO login tokens in Redis; a table
-- works on both databases and survives restarts.
CREATE TABLE user_sso_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest VARCHAR NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_user_sso_tokens_on_token_digest ON user_sso_tokens (token_digest);
