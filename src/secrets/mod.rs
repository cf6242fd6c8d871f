//! Secrets at rest: one sealed-row store (`rows`) for tenant client secrets, webhook
//! signing secrets and the encrypted OMA-URI values backups capture, each referenced from
//! events or items by id only, all re-sealed under a new key by
//! `tenantpilot secrets rotate-key`.

pub mod backup_values;
mod cipher;
mod key;
pub mod rows;

pub use cipher::{Sealed, SecretCipher, SecretError};
pub use key::{InvalidSecretKey, SecretKey};
pub use rows::SealedKind;

use deadpool_postgres::{GenericClient, Pool};
use uuid::Uuid;

/// Seals and stores a secret for `tenant_id`; returns the id events refer to it by.
pub async fn store_secret(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    tenant_id: Uuid,
    secret: &str,
) -> Result<Uuid, tokio_postgres::Error> {
    rows::insert(
        client,
        cipher,
        SealedKind::TenantSecret,
        tenant_id,
        secret.as_bytes(),
    )
    .await
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

impl From<rows::OpenError> for LoadSecretError {
    fn from(error: rows::OpenError) -> Self {
        match error {
            rows::OpenError::Secret(error) => Self::Secret(error),
            rows::OpenError::Database(error) => Self::Database(error),
        }
    }
}

/// Opens the stored secret `secret_id` of `tenant_id`.
pub async fn load_secret(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    tenant_id: Uuid,
    secret_id: Uuid,
) -> Result<String, LoadSecretError> {
    let opened = rows::open(
        client,
        cipher,
        SealedKind::TenantSecret,
        tenant_id,
        &[secret_id],
    )
    .await?;
    let (_, plaintext) = opened
        .into_iter()
        .next()
        .ok_or(LoadSecretError::Missing(secret_id))?;
    String::from_utf8(plaintext).map_err(|_| LoadSecretError::Secret(SecretError::Tampered))
}

/// Removes a secret row no event refers to (its command was refused).
pub async fn discard_secret(
    client: &impl GenericClient,
    secret_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    rows::discard(client, SealedKind::TenantSecret, secret_id).await
}

#[derive(Debug, thiserror::Error)]
pub enum RotateKeyError {
    #[error(transparent)]
    Reseal(#[from] rows::ResealError),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

/// Re-seals every sealed row of every kind (tenant secrets, webhook signing secrets, the
/// OMA-URI values of backups) under `new` in one transaction: all or nothing. Rows already
/// under `new` are left alone, so an interrupted rotation can simply be run again.
pub async fn rotate_key(
    pool: &Pool,
    current: &SecretCipher,
    new: &SecretCipher,
) -> Result<usize, RotateKeyError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let mut resealed = 0;
    for kind in SealedKind::ALL {
        resealed += rows::reseal_all(&transaction, kind, current, new).await?;
    }
    transaction.commit().await?;
    Ok(resealed)
}
