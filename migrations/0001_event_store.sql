-- The append-only event log. `position` is the global order every consumer reads in.
-- Appends are serialised with a transaction-level advisory lock (see src/store/repository.rs),
-- so positions become visible in commit order and a reader tailing "position > checkpoint"
-- can never pass over an event that commits later with a smaller position.
CREATE TABLE events (
    position       bigserial   PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    sequence       bigint      NOT NULL CHECK (sequence > 0),
    event_type     text        NOT NULL,
    event_version  text        NOT NULL,
    tenant_id      uuid,
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- optimistic concurrency: two writers of one aggregate cannot both append sequence N
    CONSTRAINT events_aggregate_sequence UNIQUE (aggregate_type, aggregate_id, sequence)
);
CREATE INDEX events_tenant_position ON events (tenant_id, position);
CREATE INDEX events_type_position ON events (event_type, position);

-- Events are immutable: auditors must be able to trust that history was never rewritten.
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

-- Uniqueness rules that span aggregates (a schedule name per tenant, a slot per schedule,
-- an Azure tenant id) are claimed here in the same transaction as the event that needs them.
CREATE TABLE unique_claims (
    scope      text        NOT NULL,
    key        text        NOT NULL,
    owner_id   text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX unique_claims_owner ON unique_claims (scope, owner_id);

-- One row per consumer of the global feed (projector, run creator, webhooks ...).
CREATE TABLE consumer_checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
