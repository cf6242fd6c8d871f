//! `tenantpilot tokens create`: issues a token as `system:cli`, the way the API does for an
//! admin, and prints it once.

use deadpool_postgres::Pool;
use uuid::Uuid;

use super::CreateToken;
use crate::auth::issue_token;
use crate::clock::Clock;
use crate::projections::{Consumer, ReadModels, READ_MODELS};
use crate::store::{AggregateStore, EventMetadata, PgEventRepository};

/// Issues the token and returns what to print: id, name, role, tenants and the value (shown
/// this once; only its hash is stored).
pub async fn create_token(
    pool: &Pool,
    clock: &dyn Clock,
    request: &CreateToken,
) -> anyhow::Result<serde_json::Value> {
    let grant = request.grant()?;
    let name = request
        .name()
        .map_err(|message| anyhow::anyhow!("--name: {message}"))?;
    if let Some(ids) = grant.scope().tenant_ids() {
        let missing = missing_tenants(pool, ids).await?;
        anyhow::ensure!(
            missing.is_empty(),
            "every --tenant must name an existing tenant; unknown: {missing:?}"
        );
    }
    let store = AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    let metadata = EventMetadata::system("cli", "cli:tokens-create", clock.now());
    let issued = issue_token(pool, &store, name.clone(), grant.clone(), &metadata).await?;
    // the read model knows the token before we exit, so it can be listed at once
    Consumer::new(READ_MODELS, ReadModels)
        .catch_up(pool)
        .await?;
    Ok(serde_json::json!({
        "id": issued.token_id,
        "name": name.as_str(),
        "role": grant.role().as_str(),
        "tenant_ids": grant.scope().tenant_ids(),
        "token": issued.value.expose(),
    }))
}

/// The ids among `ids` that name no live (undeleted) tenant.
async fn missing_tenants(pool: &Pool, ids: &[Uuid]) -> anyhow::Result<Vec<Uuid>> {
    Ok(crate::auth::missing_tenants(&pool.get().await?, ids).await?)
}
