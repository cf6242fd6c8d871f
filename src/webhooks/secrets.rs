//! Webhook signing secrets at rest: rows of the sealed-row store
//! (`crate::secrets::rows`, kind `WebhookSecret`), bound to their webhook and row, in
//! `webhook_secrets`. Events refer to them by id only.

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::signing::SigningSecret;
use crate::secrets::rows::{self, OpenError};
use crate::secrets::{SealedKind, SecretCipher};

/// Seals and stores `secret` for `webhook_id`; returns the id events refer to it by.
pub async fn store(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    webhook_id: Uuid,
    secret: &SigningSecret,
) -> Result<Uuid, tokio_postgres::Error> {
    rows::insert(
        client,
        cipher,
        SealedKind::WebhookSecret,
        webhook_id,
        secret.bytes(),
    )
    .await
}

/// Removes a secret no event refers to (its command was refused).
pub async fn discard(
    client: &impl GenericClient,
    secret_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    rows::discard(client, SealedKind::WebhookSecret, secret_id).await
}

pub type LoadError = OpenError;

/// Opens the stored secrets `ids` of `webhook_id` (missing ones are left out).
pub async fn load(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    webhook_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, SigningSecret)>, LoadError> {
    let opened = rows::open(client, cipher, SealedKind::WebhookSecret, webhook_id, ids).await?;
    Ok(opened
        .into_iter()
        .map(|(id, bytes)| (id, SigningSecret::from_bytes(bytes)))
        .collect())
}
