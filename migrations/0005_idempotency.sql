-- Responses to writes sent with an Idempotency-Key, so a retried request (a timeout, a lost
-- response) is answered from here instead of being carried out twice. Keyed per caller.
CREATE TABLE idempotency_keys (
    principal        text        NOT NULL,
    key              text        NOT NULL,
    request_hash     bytea       NOT NULL,
    -- NULL while the first request is still being handled
    status           smallint,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
