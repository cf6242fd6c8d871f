-- User notifications, one row per recipient (a token id, or `bootstrap-admin` for
-- TENANTPILOT_ADMIN_TOKEN), written by the `notifications` consumer of the event feed.
-- `source_position` is the event that caused it: the unique key makes a replay of the
-- feed (a reset checkpoint, a second instance) insert nothing twice. `read_at` is the
-- only column written after the insert, by the recipient's own request.
CREATE TABLE notifications (
    id              uuid        PRIMARY KEY,
    principal       text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('run_failed', 'run_partial',
                        'slot_missed', 'schedule_auto_disabled', 'webhook_disabled')),
    tenant_id       uuid,
    schedule_id     uuid,
    run_id          uuid,
    title           text        NOT NULL,
    message         text        NOT NULL,
    links           jsonb       NOT NULL DEFAULT '{}',
    source_position bigint      NOT NULL,
    -- when the event happened (its occurrence time), not when it was noticed
    created_at      timestamptz NOT NULL,
    read_at         timestamptz,
    UNIQUE (principal, source_position, kind)
);
-- A principal's list: unread first, then newest first (keyset pages follow this order).
CREATE INDEX notifications_list
    ON notifications (principal, (read_at IS NOT NULL), source_position DESC, id DESC);
-- The unread count.
CREATE INDEX notifications_unread ON notifications (principal) WHERE read_at IS NULL;

-- Notifications start with this feature: on a database with a history the consumer begins
-- at the current end of the feed instead of notifying every past failure at once.
INSERT INTO consumer_checkpoints (name, position)
SELECT 'notifications', coalesce(max(position), 0) FROM events
ON CONFLICT (name) DO NOTHING;

-- Why a schedule is disabled when the system did it (`consecutive_failures`); NULL when
-- enabled or disabled by a user.
ALTER TABLE backup_schedules ADD COLUMN disabled_reason text;

-- The feed position of a token's TokenIssued: an event notifies the tokens that existed
-- when it happened, not ones issued later. NULL for tokens projected before this column.
ALTER TABLE api_tokens ADD COLUMN issued_position bigint;
