-- Restores: a plan to write a backup set's items back into a tenant, applied by workers.
-- The rows below are written in the same transaction as the Restore events they come from
-- (src/restore/rows.rs): a restore's progress is read by the worker that resumes it, so it
-- must never lag its events. They can be rebuilt from the `restore` streams.

CREATE TABLE restores (
    id                    uuid        PRIMARY KEY,
    -- the tenant written into
    tenant_id             uuid        NOT NULL,
    source_tenant_id      uuid        NOT NULL,
    source_backup_set_id  uuid        NOT NULL,
    status                text        NOT NULL,
    selection             jsonb       NOT NULL,
    group_mapping         jsonb       NOT NULL,
    planned_at            timestamptz NOT NULL,
    planned_by            text        NOT NULL,
    approvals             jsonb       NOT NULL DEFAULT '[]',
    applied_by            text,
    apply_requested_at    timestamptz,
    -- when the first worker began writing: objects created after it are this restore's
    apply_started_at      timestamptz,
    finished_at           timestamptz,
    error_code            text,
    error_message         text,
    item_count            integer     NOT NULL,
    to_write              integer     NOT NULL,
    applied               integer     NOT NULL DEFAULT 0,
    failed                integer     NOT NULL DEFAULT 0,
    verified              integer,
    -- the Restore stream's version: the ETag
    version               bigint      NOT NULL
);
CREATE INDEX restores_listing ON restores (tenant_id, id DESC);
CREATE INDEX restores_queue ON restores (status, apply_requested_at) WHERE status = 'queued';

CREATE TABLE restore_items (
    restore_id        uuid    NOT NULL REFERENCES restores (id),
    position          integer NOT NULL,
    item_id           uuid    NOT NULL,
    policy_type       text    NOT NULL,
    source_graph_id   text    NOT NULL,
    display_name      text    NOT NULL,
    action            text    NOT NULL,
    plan              jsonb   NOT NULL,
    -- pending, applied, failed; NULL for items nothing is written for
    outcome           text,
    target_id         text,
    adopted           boolean NOT NULL DEFAULT false,
    sent              jsonb,
    failure           jsonb,
    verification      jsonb,
    PRIMARY KEY (restore_id, item_id)
);
CREATE INDEX restore_items_order ON restore_items (restore_id, position);

CREATE TABLE restore_leases (
    restore_id  uuid        PRIMARY KEY REFERENCES restores (id),
    worker      text        NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- A finished restore tells the tenant's people (restore_completed / _partial / _failed).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'run_failed', 'run_partial', 'slot_missed', 'schedule_auto_disabled', 'webhook_disabled',
    'restore_completed', 'restore_partial', 'restore_failed'));
