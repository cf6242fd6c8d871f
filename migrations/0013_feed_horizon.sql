-- Appends no longer take a global lock (the append advisory lock of 0001): each event
-- records the transaction that wrote it, and the feed is read in (transaction_id, position)
-- order, only below the horizon `feed_horizon()`: the oldest transaction of this database
-- still running in the reader's snapshot. Every transaction below it has ended, so no event
-- can still appear before a reader's checkpoint. See src/store/feed.rs.
--
-- Events written before this migration committed under the lock, in position order: they
-- keep transaction id 0 (a constant default adds the column without rewriting the table)
-- and so stay first, in the order they had. Later events take their writer's id.
ALTER TABLE events ADD COLUMN transaction_id bigint NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN transaction_id
    SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX events_feed_order ON events (transaction_id, position);
-- The audit feed's filters read an index range in feed order, as they did in position order.
CREATE INDEX events_tenant_feed ON events (tenant_id, transaction_id, position);
CREATE INDEX events_type_feed ON events (event_type, transaction_id, position);
CREATE INDEX events_actor_feed
    ON events ((metadata ->> 'actor'), transaction_id, position);
CREATE INDEX events_correlation_feed
    ON events ((metadata ->> 'correlation_id'), transaction_id, position);
DROP INDEX events_tenant_position;
DROP INDEX events_type_position;
DROP INDEX events_actor_position;
DROP INDEX events_correlation_position;

-- The transactions running in other databases of the server, as 32-bit ids (what
-- pg_stat_activity shows): they cannot write this database's events. Readers ask for this
-- in a statement of its own, *before* the statement that reads with `feed_horizon`: a
-- transaction seen here really was elsewhere, and one that is missing either ended before
-- the read's snapshot (so it is not in it) or started after this list (so it is newer than
-- anything committed before the read began). The backend status is cleared first, which a
-- transaction otherwise keeps from its first look.
CREATE FUNCTION feed_elsewhere() RETURNS bigint[] LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_stat_clear_snapshot();
    RETURN (
        SELECT coalesce(array_agg(backend_xid::text::bigint), '{}') FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL
          AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database()));
END $$;

-- The horizon of the calling statement's snapshot: the smallest of
--   * its xmax (every transaction from there on started after the snapshot),
--   * the caller's own transaction id, if it has one (so events a reader reacts to are
--     always older than the events it appends in reaction),
--   * every transaction the snapshot saw running, except those in `elsewhere` (from
--     `feed_elsewhere()`). Without that, a long transaction in any database of the server
--     (`pg_snapshot_xmin`) would hold every reader here back.
CREATE FUNCTION feed_horizon(elsewhere bigint[]) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT least(
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
        pg_current_xact_id_if_assigned()::text::bigint,
        (SELECT min(running::text::bigint)
         FROM pg_snapshot_xip(pg_current_snapshot()) AS running
         WHERE NOT (running::text::bigint % 4294967296 = ANY (elsewhere))))
$$;

-- Checkpoints and audit marks are places in that order: the last event's transaction id
-- with its position. Those recorded before hold positions of events that now have id 0.
ALTER TABLE consumer_checkpoints ADD COLUMN transaction_id bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_anchors ADD COLUMN transaction_id bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_verification ADD COLUMN transaction_id bigint NOT NULL DEFAULT 0;
-- A token is notified of events after the one that issued it, in feed order.
ALTER TABLE api_tokens ADD COLUMN issued_transaction_id bigint;
UPDATE api_tokens SET issued_transaction_id = 0 WHERE issued_position IS NOT NULL;

-- The feed's order must keep each stream in sequence order: an event may not come before
-- its predecessor. Transaction ids are handed out at a transaction's first write, so one
-- that wrote before it loaded a stream (a consumer locking its checkpoint, the dispatcher
-- locking due rows) can hold an id older than the transaction that wrote the event it
-- builds on. Such an append is refused as a serialization failure, which writers treat as
-- a conflict and retry in a new transaction (with a newer id). One check per statement,
-- an index probe per event: the lateral subquery with `LIMIT` keeps it one even in a plan
-- made while the log was empty (PL/pgSQL keeps a session's plan; a join planned then
-- would stay a scan of the whole log).
CREATE FUNCTION events_follow_their_predecessor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM appended a
        CROSS JOIN LATERAL (
            SELECT p.transaction_id FROM events p
            WHERE p.aggregate_type = a.aggregate_type
              AND p.aggregate_id = a.aggregate_id
              AND p.sequence = a.sequence - 1
            LIMIT 1) predecessor
        WHERE predecessor.transaction_id > a.transaction_id
    ) THEN
        RAISE EXCEPTION 'an event would come before its predecessor in the feed'
            USING ERRCODE = 'serialization_failure', CONSTRAINT = 'events_stream_order';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_stream_order AFTER INSERT ON events
    REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION events_follow_their_predecessor();
