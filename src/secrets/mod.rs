//! Tenant client secrets: stored in `tenant_secrets`, referenced from events by id only.

use deadpool_postgres::GenericClient;
use uuid::Uuid;

/// Stores a secret for `tenant_id` and returns the id events refer to it by.
pub async fn store_secret(
    client: &impl GenericClient,
    tenant_id: Uuid,
    secret: &str,
) -> Result<Uuid, tokio_postgres::Error> {
    let id = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO tenant_secrets (id, tenant_id, secret) VALUES ($1, $2, $3)",
            &[&id, &tenant_id, &secret.as_bytes()],
        )
        .await?;
    Ok(id)
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
