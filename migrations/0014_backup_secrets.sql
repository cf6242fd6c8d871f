-- The plain values of encrypted OMA-URI settings (custom device configurations) a backup
-- captured through Graph's getOmaSettingPlainTextValue: rows of the sealed-row store
-- (src/secrets/rows.rs), sealed with XChaCha20-Poly1305 under TENANTPILOT_SECRET_KEY and
-- bound to their backup set and row. The content blob keeps Graph's masked value, so an
-- unchanged policy still costs no new blob; these rows say which settings are secret and
-- whether their value was captured. They belong to their set: the purge of the set
-- deletes them (ON DELETE CASCADE). Bulk data next to BackupCreated, not a read model.
CREATE TABLE backup_secrets (
    id              uuid    PRIMARY KEY,
    backup_set_id   uuid    NOT NULL REFERENCES backup_sets (id) ON DELETE CASCADE,
    tenant_id       uuid    NOT NULL,
    policy_type     text    NOT NULL,
    graph_id        text    NOT NULL,
    -- RFC 6901 pointer of the value in the item's content, e.g. /omaSettings/1/value
    path            text    NOT NULL,
    captured        boolean NOT NULL,
    -- NULL when the value could not be read (captured = false)
    ciphertext      bytea,
    nonce           bytea,
    key_fingerprint text,
    CHECK (captured = (ciphertext IS NOT NULL)),
    UNIQUE (backup_set_id, policy_type, graph_id, path)
);
CREATE INDEX backup_secrets_item ON backup_secrets (backup_set_id, policy_type, graph_id);
