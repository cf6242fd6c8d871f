-- Read models: written only by the projector (src/projections), rebuilt from the events.

-- Client secrets are not a read model: they are written directly, encrypted
-- (XChaCha20-Poly1305 under TENANTPILOT_SECRET_KEY, bound to tenant and row id), and
-- referenced from events by `client_secret_id` only, so no secret ever enters the event log.
CREATE TABLE tenant_secrets (
    id              uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL,
    ciphertext      bytea       NOT NULL,
    nonce           bytea       NOT NULL,
    -- which key sealed it (a hash prefix of the key, never the key)
    key_fingerprint text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_secrets_tenant ON tenant_secrets (tenant_id);

CREATE TABLE tenants (
    id               uuid        PRIMARY KEY,
    display_name     text        NOT NULL,
    azure_tenant_id  uuid        NOT NULL,
    client_id        uuid        NOT NULL,
    client_secret_id uuid,
    status           text        NOT NULL,
    version          bigint      NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);

CREATE TABLE backup_schedules (
    id                  uuid        PRIMARY KEY,
    tenant_id           uuid        NOT NULL,
    name                text        NOT NULL,
    enabled             boolean     NOT NULL,
    cadence             jsonb       NOT NULL,
    timezone            text        NOT NULL,
    policy_types        text[]      NOT NULL,
    include_foundations boolean     NOT NULL,
    retention_keep_last integer     NOT NULL,
    next_run_at         timestamptz,
    last_run_at         timestamptz,
    last_run_status     text,
    version             bigint      NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz
);
CREATE INDEX backup_schedules_tenant ON backup_schedules (tenant_id, id) WHERE deleted_at IS NULL;
-- The dispatcher finds due schedules through this index and never scans the table.
CREATE INDEX backup_schedules_due ON backup_schedules (next_run_at)
    WHERE enabled AND deleted_at IS NULL AND next_run_at IS NOT NULL;
