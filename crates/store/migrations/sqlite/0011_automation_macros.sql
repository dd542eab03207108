-- Automation rules and macros, with Chatwoot's columns. `conditions` and `actions` hold
-- the JSON the API takes (arrays of {attribute_key, filter_operator, values,
-- query_operator} and {action_name, action_params}); macros.visibility: personal 0,
-- global 1.
CREATE TABLE automation_rules (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name VARCHAR NOT NULL,
    description TEXT,
    event_name VARCHAR NOT NULL,
    conditions TEXT NOT NULL DEFAULT '{}',
    actions TEXT NOT NULL DEFAULT '{}',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_automation_rules_on_account_id ON automation_rules (account_id);

CREATE TABLE macros (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name VARCHAR NOT NULL,
    visibility INTEGER DEFAULT 0,
    created_by_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_by_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actions TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_macros_on_account_id ON macros (account_id);
