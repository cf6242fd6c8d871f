-- API tokens. The read model (from TokenIssued / TokenRevoked) says what a token may do;
-- the credential (a SHA-256 of the token value) is kept apart and never enters an event.
CREATE TABLE api_tokens (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    role       text        NOT NULL,
    -- NULL: every tenant
    tenant_ids uuid[],
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE token_credentials (
    token_id uuid  PRIMARY KEY,
    hash     bytea NOT NULL UNIQUE
);
