-- Run execution: the synced policy inventory, content-addressed backup storage, and the
-- leases workers hold on runs. All bulk data written next to the events that reference it
-- (SyncCompleted, BackupCreated), not read models: a projection rebuild leaves them alone
-- (except `policies.ignored`, which is projected from PolicyIgnored / PolicyUnignored).

CREATE TABLE policies (
    id                  uuid        PRIMARY KEY,
    tenant_id           uuid        NOT NULL,
    policy_type         text        NOT NULL,
    graph_id            text        NOT NULL,
    display_name        text        NOT NULL,
    -- the content address (content_blobs.hash) of what the last successful sync read
    content_hash        text        NOT NULL,
    -- Graph's lastModifiedDateTime: metadata, never part of the hashed content
    last_modified       text,
    is_foundation       boolean     NOT NULL,
    first_seen_at       timestamptz NOT NULL,
    -- when a sync last found it changed (name, content or Graph's modification time)
    last_changed_at     timestamptz NOT NULL,
    -- set when a sync no longer found it in Graph; cleared if it comes back
    deleted_upstream_at timestamptz,
    ignored             boolean     NOT NULL DEFAULT false,
    UNIQUE (tenant_id, policy_type, graph_id)
);
CREATE INDEX policies_listing ON policies (tenant_id, id);
CREATE INDEX policies_by_type ON policies (tenant_id, policy_type, id);

-- One row per distinct content (SHA-256 of its canonical JSON, volatile fields removed):
-- an unchanged policy costs nothing in the next backup.
CREATE TABLE content_blobs (
    hash       text        PRIMARY KEY,
    content    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A backup set's item list, itself content-addressed (as a git tree is): runs of an
-- unchanged tenant share one tree.
CREATE TABLE backup_trees (
    hash       text        PRIMARY KEY,
    items      jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Immutable snapshots. Written in the transaction of the run's BackupCreated event.
CREATE TABLE backup_sets (
    id               uuid        PRIMARY KEY,
    tenant_id        uuid        NOT NULL,
    schedule_id      uuid        NOT NULL,
    run_id           uuid        NOT NULL UNIQUE,
    name             text        NOT NULL,
    status           text        NOT NULL,
    tree_hash        text        NOT NULL REFERENCES backup_trees (hash),
    item_count       integer     NOT NULL,
    foundation_count integer     NOT NULL,
    counts           jsonb       NOT NULL,
    created_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE INDEX backup_sets_tenant ON backup_sets (tenant_id, id);
CREATE INDEX backup_sets_schedule ON backup_sets (schedule_id, id);

-- Which worker runs which run, until when. The primary key makes a second claim of a run
-- fail, in any process; an expired lease is reaped (RunAbandoned).
CREATE TABLE run_leases (
    run_id     uuid        PRIMARY KEY,
    worker     text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX run_leases_expiry ON run_leases (expires_at);

-- What the run endpoints show: the run, with the set it made and how long it took.
CREATE VIEW backup_run_details AS
SELECT r.*,
       s.name             AS backup_set_name,
       s.status           AS backup_set_status,
       s.item_count       AS backup_set_item_count,
       s.foundation_count AS backup_set_foundation_count
FROM backup_runs r
LEFT JOIN backup_sets s ON s.id = r.backup_set_id;
