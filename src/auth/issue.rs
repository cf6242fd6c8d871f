//! Issuing and revoking tokens, shared by the API and `tenantpilot tokens create`.

use deadpool_postgres::Pool;
use uuid::Uuid;

use super::credentials::TokenValue;
use crate::domain::token::{ApiToken, Grant, TokenCommand, TokenError, TokenName};
use crate::store::{AggregateStore, CommandError, EventMetadata};

pub struct IssuedToken {
    pub token_id: Uuid,
    pub value: TokenValue,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenServiceError {
    #[error(transparent)]
    Command(#[from] CommandError<TokenError>),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

/// Stores the credential, then records `TokenIssued`; a refused command leaves no credential.
pub async fn issue_token(
    pool: &Pool,
    tokens: &AggregateStore<ApiToken>,
    name: TokenName,
    grant: Grant,
    metadata: &EventMetadata,
) -> Result<IssuedToken, TokenServiceError> {
    let token_id = Uuid::now_v7();
    let value = TokenValue::generate();
    // each statement on a connection of its own, returned before the command runs: no
    // connection is held while the command waits for the event writer's
    pool.get()
        .await?
        .execute(
            "INSERT INTO token_credentials (token_id, hash) VALUES ($1, $2)",
            &[&token_id, &value.hash()],
        )
        .await?;
    let command = TokenCommand::Issue {
        token_id,
        name,
        grant,
    };
    let issued = tokens
        .execute(&token_id.to_string(), command, metadata, None)
        .await;
    if let Err(error) = issued {
        if matches!(error, CommandError::OutcomeUnknown(_)) {
            // the token may well exist: its credential stays
            return Err(error.into());
        }
        pool.get()
            .await?
            .execute(
                "DELETE FROM token_credentials WHERE token_id = $1",
                &[&token_id],
            )
            .await?;
        return Err(error.into());
    }
    Ok(IssuedToken { token_id, value })
}

/// Records `TokenRevoked` and deletes the credential, so the token stops working at once on
/// every instance (not only once the read model catches up).
pub async fn revoke_token(
    pool: &Pool,
    tokens: &AggregateStore<ApiToken>,
    token_id: Uuid,
    metadata: &EventMetadata,
) -> Result<(), TokenServiceError> {
    tokens
        .execute(&token_id.to_string(), TokenCommand::Revoke, metadata, None)
        .await?;
    pool.get()
        .await?
        .execute(
            "DELETE FROM token_credentials WHERE token_id = $1",
            &[&token_id],
        )
        .await?;
    Ok(())
}

/// The ids among `ids` that name no live (undeleted) tenant: a grant may only name live
/// tenants (the API answers 404 `unknown_tenant`, the command line refuses).
pub async fn missing_tenants(
    client: &impl deadpool_postgres::GenericClient,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    let live: Vec<Uuid> = client
        .query(
            "SELECT id FROM tenants WHERE id = ANY($1) AND deleted_at IS NULL",
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    Ok(ids
        .iter()
        .filter(|id| !live.contains(id))
        .copied()
        .collect())
}
