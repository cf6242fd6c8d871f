//! Webhook signing secrets at rest: sealed like tenant secrets (XChaCha20-Poly1305 under
//! `TENANTPILOT_SECRET_KEY`), bound to their webhook and row, in `webhook_secrets`. Events
//! refer to them by id only.

use deadpool_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use super::signing::SigningSecret;
use crate::db::CachedStatements;
use crate::secrets::{Sealed, SecretCipher, SecretError};

/// What a sealed webhook secret is bound to: it opens only for its webhook and row.
fn associated_data(webhook_id: Uuid, secret_id: Uuid) -> Vec<u8> {
    let mut aad = b"webhook:".to_vec();
    aad.extend_from_slice(webhook_id.as_bytes());
    aad.extend_from_slice(secret_id.as_bytes());
    aad
}

/// Seals and stores `secret` for `webhook_id`; returns the id events refer to it by.
pub async fn store(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    webhook_id: Uuid,
    secret: &SigningSecret,
) -> Result<Uuid, tokio_postgres::Error> {
    let id = Uuid::now_v7();
    let sealed = cipher.seal_bytes(&associated_data(webhook_id, id), secret.bytes());
    client
        .execute(
            "INSERT INTO webhook_secrets (id, webhook_id, ciphertext, nonce, key_fingerprint)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &id,
                &webhook_id,
                &sealed.ciphertext,
                &sealed.nonce,
                &sealed.key_fingerprint,
            ],
        )
        .await?;
    Ok(id)
}

/// Removes a secret no event refers to (its command was refused).
pub async fn discard(
    client: &impl GenericClient,
    secret_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute("DELETE FROM webhook_secrets WHERE id = $1", &[&secret_id])
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no stored webhook secret {0}")]
    Missing(Uuid),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
}

/// Opens the stored secrets `ids` of `webhook_id` (missing ones are left out).
pub async fn load(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    webhook_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, SigningSecret)>, LoadError> {
    let rows = client
        .query_cached(
            "SELECT id, ciphertext, nonce, key_fingerprint FROM webhook_secrets
             WHERE webhook_id = $1 AND id = ANY($2)",
            &[&webhook_id, &ids],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.get(0);
            let sealed = Sealed {
                ciphertext: row.get(1),
                nonce: row.get(2),
                key_fingerprint: row.get(3),
            };
            let bytes = cipher.open_bytes(&associated_data(webhook_id, id), &sealed)?;
            Ok((id, SigningSecret::from_bytes(bytes)))
        })
        .collect()
}

/// Re-seals every webhook secret not sealed under `new` yet, in the caller's transaction
/// (the key rotation of `tenantpilot secrets rotate-key`); returns how many.
pub async fn reseal_all(
    transaction: &Transaction<'_>,
    current: &SecretCipher,
    new: &SecretCipher,
) -> Result<usize, ResealError> {
    let rows = transaction
        .query(
            "SELECT id, webhook_id, ciphertext, nonce, key_fingerprint FROM webhook_secrets
             WHERE key_fingerprint <> $1 FOR UPDATE",
            &[&new.fingerprint()],
        )
        .await?;
    for row in &rows {
        let (id, webhook_id): (Uuid, Uuid) = (row.get(0), row.get(1));
        let sealed = Sealed {
            ciphertext: row.get(2),
            nonce: row.get(3),
            key_fingerprint: row.get(4),
        };
        let aad = associated_data(webhook_id, id);
        let plaintext = current
            .open_bytes(&aad, &sealed)
            .map_err(|source| ResealError::Open { id, source })?;
        let resealed = new.seal_bytes(&aad, &plaintext);
        transaction
            .execute_cached(
                "UPDATE webhook_secrets SET ciphertext = $2, nonce = $3, key_fingerprint = $4
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
    Ok(rows.len())
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("webhook secret {id} cannot be opened with the current key: {source}")]
    Open { id: Uuid, source: SecretError },
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
}
