-- Tamper evidence: every event's hash chains it to the previous event of its stream (see
-- src/store/chain.rs and README "Tamper evidence"); anchors fold the global order.

-- NULL for events written before this migration, until the start-up backfill
-- (src/store/backfill.rs) hashes them in position order.
ALTER TABLE events ADD COLUMN hash bytea;
-- Every event written from now on has a hash. NOT VALID: enforced for new rows (and for
-- the backfill's updates), without requiring it of the rows written before.
ALTER TABLE events ADD CONSTRAINT events_hash_present CHECK (hash IS NOT NULL) NOT VALID;
-- The backfill finds what is left to hash at once; empty once it has run.
CREATE INDEX events_unhashed ON events (position) WHERE hash IS NULL;

-- Still append-only, with exactly one kind of UPDATE: giving an event without a hash its
-- hash, every other column unchanged (the backfill).
CREATE OR REPLACE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(NEW) - 'hash') = (to_jsonb(OLD) - 'hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP;
END $$;

-- The head of the log at intervals: position, the digest of every event hash up to it in
-- position order, and how many events that is (src/audit/anchor.rs). A tail deleted after
-- an anchor was taken no longer matches it.
CREATE TABLE audit_anchors (
    position    bigint      PRIMARY KEY,
    digest      bytea       NOT NULL,
    event_count bigint      NOT NULL,
    recorded_at timestamptz NOT NULL
);

-- How far verification has checked the log (one row): it continues from here.
CREATE TABLE audit_verification (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    position    bigint      NOT NULL,
    digest      bytea       NOT NULL,
    event_count bigint      NOT NULL,
    verified_at timestamptz NOT NULL
);
