//! Tenant client secrets: sealed at rest in `tenant_secrets`, referenced from events by id
//! only, re-sealed under a new key by `tenantpilot secrets rotate-key`.

mod cipher;
mod key;

pub use cipher::{Sealed, SecretCipher, SecretError};
pub use key::{InvalidSecretKey, SecretKey};

use deadpool_postgres::{GenericClient, Pool};
use uuid::Uuid;

/// Seals and stores a secret for `tenant_id`; returns the id events refer to it by.
pub async fn store_secret(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    tenant_id: Uuid,
    secret: &str,
) -> Result<Uuid, tokio_postgres::Error> {
    let id = Uuid::now_v7();
    let sealed = cipher.seal(tenant_id, id, secret);
    client
        .execute(
            "INSERT INTO tenant_secrets (id, tenant_id, ciphertext, nonce, key_fingerprint)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &id,
                &tenant_id,
                &sealed.ciphertext,
                &sealed.nonce,
                &sealed.key_fingerprint,
            ],
        )
        .await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum LoadSecretError {
    #[error("no stored secret {0}")]
    Missing(Uuid),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
}

/// Opens the stored secret `secret_id` of `tenant_id`.
pub async fn load_secret(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    tenant_id: Uuid,
    secret_id: Uuid,
) -> Result<String, LoadSecretError> {
    let row = client
        .query_opt(
            "SELECT ciphertext, nonce, key_fingerprint FROM tenant_secrets
             WHERE id = $1 AND tenant_id = $2",
            &[&secret_id, &tenant_id],
        )
        .await?
        .ok_or(LoadSecretError::Missing(secret_id))?;
    let sealed = Sealed {
        ciphertext: row.get(0),
        nonce: row.get(1),
        key_fingerprint: row.get(2),
    };
    Ok(cipher.open(tenant_id, secret_id, &sealed)?)
}

/// Removes a secret row no event refers to (its command was refused).
pub async fn discard_secret(
    client: &impl GenericClient,
    secret_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute("DELETE FROM tenant_secrets WHERE id = $1", &[&secret_id])
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RotateKeyError {
    #[error("secret {id} of tenant {tenant_id} cannot be opened with the current key: {source}")]
    Open {
        id: Uuid,
        tenant_id: Uuid,
        source: SecretError,
    },
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error(transparent)]
    Webhook(#[from] crate::webhooks::secrets::ResealError),
}

/// Re-seals every secret (webhook signing secrets included) under `new` in one
/// transaction: all or nothing. Rows already under
/// `new` are left alone, so an interrupted rotation can simply be run again.
pub async fn rotate_key(
    pool: &Pool,
    current: &SecretCipher,
    new: &SecretCipher,
) -> Result<usize, RotateKeyError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let rows = transaction
        .query(
            "SELECT id, tenant_id, ciphertext, nonce, key_fingerprint FROM tenant_secrets
             WHERE key_fingerprint <> $1 FOR UPDATE",
            &[&new.fingerprint()],
        )
        .await?;
    for row in &rows {
        let (id, tenant_id): (Uuid, Uuid) = (row.get(0), row.get(1));
        let sealed = Sealed {
            ciphertext: row.get(2),
            nonce: row.get(3),
            key_fingerprint: row.get(4),
        };
        let plaintext =
            current
                .open(tenant_id, id, &sealed)
                .map_err(|source| RotateKeyError::Open {
                    id,
                    tenant_id,
                    source,
                })?;
        let resealed = new.seal(tenant_id, id, &plaintext);
        transaction
            .execute(
                "UPDATE tenant_secrets SET ciphertext = $2, nonce = $3, key_fingerprint = $4
                 WHERE id = $1",
                &[
                    &id,
                    &resealed.ciphertext,
                    &resealed.nonce,
                    &resealed.key_fingerprint,
                ],
            )
            .await?;
    }
    let webhook_secrets = crate::webhooks::secrets::reseal_all(&transaction, current, new).await?;
    transaction.commit().await?;
    Ok(rows.len() + webhook_secrets)
}
