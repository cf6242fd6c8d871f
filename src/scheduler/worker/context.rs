//! What a run needs to know before it talks to Graph: its schedule (what to back up, how
//! to name the set) and its tenant (status and credentials, the secret opened for this run
//! only). Failures here are the preflight's: the run fails with a stable code.

use chrono_tz::Tz;
use deadpool_postgres::Pool;
use uuid::Uuid;

use super::lease::ClaimedRun;
use crate::config::SecretString;
use crate::domain::policy_types::FOUNDATION_TYPES;
use crate::graph::TenantCredentials;
use crate::secrets::{load_secret, SecretCipher};

pub struct RunContext {
    pub schedule_name: String,
    pub timezone: Tz,
    /// The catalog keys to read: the schedule's policy types, then the foundations when it
    /// includes them.
    pub keys: Vec<(String, bool)>,
    pub credentials: TenantCredentials,
}

/// Why a run cannot start talking to Graph.
#[derive(Debug)]
pub struct Preflight {
    pub code: &'static str,
    pub message: String,
}

impl Preflight {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

pub async fn load(
    pool: &Pool,
    secrets: &SecretCipher,
    run: &ClaimedRun,
) -> Result<Result<RunContext, Preflight>, ContextError> {
    let client = pool.get().await?;
    let Some(schedule) = client
        .query_opt(
            "SELECT name, timezone, policy_types, include_foundations FROM backup_schedules
             WHERE id = $1 AND tenant_id = $2",
            &[&run.schedule_id, &run.tenant_id],
        )
        .await?
    else {
        return Ok(Err(Preflight::new(
            "internal",
            "the run's schedule no longer exists",
        )));
    };
    let credentials = match tenant_credentials(&client, secrets, run.tenant_id).await? {
        Ok(credentials) => credentials,
        Err(preflight) => return Ok(Err(preflight)),
    };
    let timezone: String = schedule.get(1);
    let Ok(timezone) = timezone.parse::<Tz>() else {
        return Ok(Err(Preflight::new(
            "internal",
            "the schedule's timezone is unknown to this build",
        )));
    };
    let mut keys: Vec<(String, bool)> = schedule
        .get::<_, Vec<String>>(2)
        .into_iter()
        .map(|key| (key, false))
        .collect();
    if schedule.get::<_, bool>(3) {
        keys.extend(
            FOUNDATION_TYPES
                .iter()
                .map(|kind| (kind.key.to_owned(), true)),
        );
    }
    Ok(Ok(RunContext {
        schedule_name: schedule.get(0),
        timezone,
        keys,
        credentials,
    }))
}

/// An active tenant's app registration, its secret opened for this use only; or why the
/// tenant cannot be talked to (a run's or a restore's preflight).
pub async fn tenant_credentials(
    client: &deadpool_postgres::Object,
    secrets: &SecretCipher,
    tenant_id: Uuid,
) -> Result<Result<TenantCredentials, Preflight>, ContextError> {
    let Some(tenant) = client
        .query_opt(
            "SELECT status, azure_tenant_id, client_id, client_secret_id, deleted_at IS NOT NULL
             FROM tenants WHERE id = $1",
            &[&tenant_id],
        )
        .await?
    else {
        return Ok(Err(Preflight::new(
            "tenant_not_found",
            "the run's tenant no longer exists",
        )));
    };
    if tenant.get::<_, bool>(4) || tenant.get::<_, String>(0) != "active" {
        return Ok(Err(Preflight::new(
            "tenant_inactive",
            "the tenant is inactive (deactivated or deleted); reactivate it to back it up",
        )));
    }
    let Some(secret_id) = tenant.get::<_, Option<Uuid>>(3) else {
        return Ok(Err(Preflight::new(
            "credentials_missing",
            "the tenant has no client secret; set one with PATCH /api/v1/tenants/{id}",
        )));
    };
    let secret = match load_secret(client, secrets, tenant_id, secret_id).await {
        Ok(secret) => secret,
        Err(error) => {
            tracing::error!(tenant.id = %tenant_id, %error, "the tenant's secret cannot be opened");
            return Ok(Err(Preflight::new(
                "credentials_missing",
                "the tenant's client secret cannot be opened with the configured key; set it again",
            )));
        }
    };
    Ok(Ok(TenantCredentials {
        tenant_id,
        azure_tenant_id: tenant.get(1),
        client_id: tenant.get(2),
        client_secret: SecretString::new(secret),
    }))
}
