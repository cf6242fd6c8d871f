-- Hardening: sealed idempotent responses, and claims that keep a tenant from being deleted
-- while a schedule of it is live.

-- Stored responses are sealed with the secret key from now on (they can carry a token
-- value). Responses stored before were kept in clear: they are dropped, not converted.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    ADD COLUMN response_nonce bytea,
    ADD COLUMN response_key   text;

-- Every registered, not deleted tenant holds its live key ...
INSERT INTO unique_claims (scope, key, owner_id)
SELECT 'live_tenant', registered.aggregate_id, registered.aggregate_id
FROM events registered
WHERE registered.aggregate_type = 'tenant' AND registered.event_type = 'TenantRegistered'
  AND NOT EXISTS (
      SELECT 1 FROM events deleted
      WHERE deleted.aggregate_type = 'tenant' AND deleted.aggregate_id = registered.aggregate_id
        AND deleted.event_type = 'TenantDeleted')
ON CONFLICT (scope, key) DO NOTHING;

-- ... and every live schedule a key under its tenant.
INSERT INTO unique_claims (scope, key, owner_id)
SELECT 'tenant_schedule', created.aggregate_id, created.payload ->> 'tenant_id'
FROM events created
WHERE created.aggregate_type = 'schedule' AND created.event_type = 'ScheduleCreated'
  AND NOT EXISTS (
      SELECT 1 FROM events deleted
      WHERE deleted.aggregate_type = 'schedule' AND deleted.aggregate_id = created.aggregate_id
        AND deleted.event_type = 'ScheduleDeleted')
ON CONFLICT (scope, key) DO NOTHING;

-- Sealed secrets that events already let go (replaced, or of a deleted tenant), read from
-- the events themselves: a secret is kept while it is the latest one a live tenant's
-- events name. Rows younger than an hour are left alone: a request of a running instance
-- may have stored one whose event is not written yet.
DELETE FROM tenant_secrets secret
WHERE secret.created_at < now() - interval '1 hour'
  AND NOT EXISTS (
      SELECT 1
      FROM (SELECT DISTINCT ON (aggregate_id) aggregate_id,
                   payload ->> 'client_secret_id' AS current_secret
            FROM events
            WHERE aggregate_type = 'tenant'
              AND event_type IN ('TenantRegistered', 'TenantCredentialsChanged')
            ORDER BY aggregate_id, sequence DESC) latest
      WHERE latest.aggregate_id = secret.tenant_id::text
        AND latest.current_secret = secret.id::text
        AND NOT EXISTS (
            SELECT 1 FROM events deleted
            WHERE deleted.aggregate_type = 'tenant'
              AND deleted.aggregate_id = latest.aggregate_id
              AND deleted.event_type = 'TenantDeleted'));
