-- Webhooks (Standard Webhooks): subscriptions, their sealed secrets, and the delivery queue.

-- Signing secrets are not a read model: like tenant secrets they are written directly,
-- sealed (XChaCha20-Poly1305 under TENANTPILOT_SECRET_KEY, bound to webhook and row id),
-- and referenced from events by id only, so no secret ever enters the event log.
CREATE TABLE webhook_secrets (
    id              uuid        PRIMARY KEY,
    webhook_id      uuid        NOT NULL,
    ciphertext      bytea       NOT NULL,
    nonce           bytea       NOT NULL,
    key_fingerprint text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_secrets_webhook ON webhook_secrets (webhook_id);

-- The read model behind /api/v1/webhooks (projector `read_models`, rebuildable).
CREATE TABLE webhooks (
    id                         uuid        PRIMARY KEY,
    url                        text        NOT NULL,
    -- public event names, or {*} for every one
    event_types                text[]      NOT NULL,
    -- NULL: every tenant
    tenant_ids                 uuid[],
    description                text,
    enabled                    boolean     NOT NULL,
    disabled_reason            text,
    disabled_at                timestamptz,
    secret_rotated_at          timestamptz,
    previous_secret_expires_at timestamptz,
    version                    bigint      NOT NULL,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    deleted_at                 timestamptz
);

-- The fan-out's own view of the subscriptions (consumer `webhooks`), as of the event it has
-- reached: a message goes to the webhooks that were subscribed when its event happened, and
-- a read-model rebuild neither changes this table nor sends anything. Not rebuildable: its
-- consumer has effects (messages). `failing_since` and `last_success_at` are the sender's
-- bookkeeping of the endpoint's health.
CREATE TABLE webhook_routes (
    webhook_id                 uuid        PRIMARY KEY,
    url                        text        NOT NULL,
    event_types                text[]      NOT NULL,
    tenant_ids                 uuid[],
    active                     boolean     NOT NULL,
    secret_id                  uuid        NOT NULL,
    previous_secret_id         uuid,
    previous_secret_expires_at timestamptz,
    failing_since              timestamptz,
    last_success_at            timestamptz
);

-- One row per (event, subscribed webhook), written by the fan-out in the transaction that
-- advances its checkpoint: a crash loses none, and none is made twice (the unique key).
-- `body` is the exact JSON sent (the signature covers these bytes, on every attempt).
-- `attempts` counts claims: the claim of attempt N sets it to N, and only the holder of
-- attempt N may record it (a fencing token against a sender whose lease ran out).
CREATE TABLE webhook_messages (
    id              uuid        PRIMARY KEY,
    webhook_id      uuid        NOT NULL,
    event_position  bigint      NOT NULL,
    event_type      text        NOT NULL,
    tenant_id       uuid,
    body            text        NOT NULL,
    -- pending | delivered | failed | cancelled
    status          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    -- how many steps of the retry schedule are used up
    retry_step      integer     NOT NULL DEFAULT 0,
    -- the next attempt was asked for by hand (redeliver)
    manual          boolean     NOT NULL DEFAULT false,
    next_attempt_at timestamptz,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    CONSTRAINT webhook_messages_once UNIQUE (webhook_id, event_position)
);
-- The sender claims each endpoint's due messages through this index.
CREATE INDEX webhook_messages_due ON webhook_messages (webhook_id, next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX webhook_messages_finished ON webhook_messages (finished_at)
    WHERE finished_at IS NOT NULL;

-- Every attempt, as sent: the deliveries log.
CREATE TABLE webhook_attempts (
    id           uuid        PRIMARY KEY,
    message_id   uuid        NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    webhook_id   uuid        NOT NULL,
    attempt      integer     NOT NULL,
    -- scheduled | manual
    trigger      text        NOT NULL,
    attempted_at timestamptz NOT NULL,
    duration_ms  integer     NOT NULL,
    status_code  integer,
    -- null on success; timeout | connection | address_not_allowed | redirect | status | ...
    error        text,
    -- delivered | failed
    outcome      text        NOT NULL,
    url          text        NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id);
