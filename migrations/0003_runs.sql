-- Runs read model: one row per run (a claimed slot, a manual run or a retry).
CREATE TABLE backup_runs (
    id            uuid        PRIMARY KEY,
    schedule_id   uuid        NOT NULL,
    tenant_id     uuid        NOT NULL,
    trigger       text        NOT NULL,
    scheduled_for timestamptz NOT NULL,
    status        text        NOT NULL,
    error_code    text,
    error_message text,
    retry_of      uuid,
    sync_report   jsonb,
    backup_set_id uuid,
    worker        text,
    queued_at     timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    version       bigint      NOT NULL
);
CREATE INDEX backup_runs_schedule ON backup_runs (schedule_id, id);
CREATE INDEX backup_runs_tenant ON backup_runs (tenant_id, id);
CREATE INDEX backup_runs_queued ON backup_runs (queued_at) WHERE status = 'queued';
-- Mirrors the write-side guarantee (unique_claims, scope schedule_slot): one run per slot.
CREATE UNIQUE INDEX backup_runs_one_per_slot ON backup_runs (schedule_id, scheduled_for)
    WHERE trigger = 'scheduled';
