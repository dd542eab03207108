-- OpenID Connect sign-ins in progress: the state, nonce and PKCE verifier of each
-- authorization request, kept server-side so the callback can land on any web process.
-- A row is consumed (deleted) by its callback and lives ten minutes at most.
CREATE TABLE oidc_sign_ins (
    id INTEGER PRIMARY KEY,
    state_digest VARCHAR NOT NULL,
    nonce VARCHAR NOT NULL,
    pkce_verifier VARCHAR NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_oidc_sign_ins_on_state_digest ON oidc_sign_ins (state_digest);
CREATE INDEX index_oidc_sign_ins_on_expires_at ON oidc_sign_ins (expires_at);
