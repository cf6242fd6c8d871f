//! `/api/v1/tokens`: issue, list and revoke API tokens (admins only).

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use super::context::RequestContext;
use super::error::{ApiError, ErrorCode, FieldError, Problem};
use super::extract::{parse_id, ValidJson, ValidQuery};
use super::openapi::schemas::TokenRequestDoc;
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::TAG_TOKENS;
use crate::auth::{
    issue_token, missing_tenants, revoke_token, Permission, Principal, TokenServiceError,
};
use crate::domain::token::{Grant, Role, TokenName};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_token)
        .service(list_tokens)
        .service(revoke);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ci", "role": "operator", "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"]}))]
pub struct CreateTokenRequest {
    pub name: String,
    /// `admin`, `operator`, `auditor` or `viewer`.
    pub role: String,
    /// The tenants the token may see. Leave out for every tenant (not for operators, who
    /// always name theirs; admins always see every tenant).
    pub tenant_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c", "name": "ci", "role": "operator",
    "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"], "created_at": "2026-11-26T09:00:00Z",
    "revoked_at": null
}))]
pub struct TokenResponse {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    /// null: every tenant.
    pub tenant_ids: Option<Vec<Uuid>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c", "name": "ci", "role": "operator",
    "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"], "created_at": "2026-11-26T09:00:00Z",
    "revoked_at": null, "token": "tp_3q2-7wEX0o1pA9fJ6Yc4rT8uVbN5mLkHgD2sZxCvB1n"
}))]
pub struct CreatedTokenResponse {
    #[serde(flatten)]
    pub token_info: TokenResponse,
    /// The bearer token. Shown in this response only; store it now.
    pub token: String,
}

const TOKEN_COLUMNS: &str = "id, name, role, tenant_ids, created_at, revoked_at";

fn token_from_row(row: &Row) -> TokenResponse {
    TokenResponse {
        id: row.get(0),
        name: row.get(1),
        role: row.get(2),
        tenant_ids: row.get(3),
        created_at: row.get(4),
        revoked_at: row.get(5),
    }
}

async fn validate(
    state: &AppState,
    request: CreateTokenRequest,
) -> Result<(TokenName, Grant), ApiError> {
    let mut errors = Vec::new();
    let name = TokenName::parse(&request.name)
        .map_err(|message| errors.push(FieldError::new("name", ErrorCode::InvalidName, message)))
        .ok();
    let role = Role::parse(&request.role);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            ErrorCode::InvalidRole,
            "role must be admin, operator, auditor or viewer",
        ));
    }
    let grant = role.and_then(|role| {
        Grant::new(role, request.tenant_ids)
            .map_err(|error| {
                errors.push(FieldError::new(
                    "tenant_ids",
                    ErrorCode::InvalidGrant,
                    error,
                ))
            })
            .ok()
    });
    let (Some(name), Some(grant), true) = (name, grant, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    // A well-formed grant naming a tenant that does not exist: 404 `unknown_tenant`.
    if let Some(ids) = grant.scope().tenant_ids() {
        let missing = missing_tenants(&state.pool.get().await?, ids).await?;
        for (index, id) in ids.iter().enumerate() {
            if missing.contains(id) {
                errors.push(FieldError::new(
                    format!("tenant_ids[{index}]"),
                    ErrorCode::UnknownTenant,
                    format!("no tenant {id}"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok((name, grant))
}

impl From<TokenServiceError> for ApiError {
    fn from(error: TokenServiceError) -> Self {
        match error {
            TokenServiceError::Command(error) => error.into(),
            TokenServiceError::Database(error) => error.into(),
            TokenServiceError::Pool(error) => error.into(),
        }
    }
}

/// Issue a token. Its value is in this response only; the service keeps just a hash.
#[utoipa::path(
    tag = TAG_TOKENS,
    request_body = TokenRequestDoc,
    responses(
        (status = 201, description = "Issued", body = CreatedTokenResponse, headers(("Location" = String))),
        (status = 404, description = "`unknown_tenant`: `tenant_ids` names a tenant that does not exist; `errors` names each", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens")]
async fn create_token(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    request: ValidJson<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ManageTokens, None)?;
    let request = request.into_inner()?;
    let (name, grant) = validate(&state, request).await?;
    let metadata = context.metadata(state.clock.now());
    let issued = issue_token(
        &state.pool,
        &state.tokens,
        name.clone(),
        grant.clone(),
        &metadata,
    )
    .await?;
    // The answer is built from what was committed, not read back: the value exists only
    // here, so this response must be given whatever the read models are doing.
    let token_info = TokenResponse {
        id: issued.token_id,
        name: name.as_str().to_owned(),
        role: grant.role().as_str().to_owned(),
        tenant_ids: grant.scope().tenant_ids().map(<[Uuid]>::to_vec),
        // the read model stores the event time at the database's precision
        created_at: metadata.occurred_at.trunc_subsecs(6),
        revoked_at: None,
    };
    // a list right after this shows the token, when the consumers keep up
    state.committed_is_visible().await;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/tokens/{}", issued.token_id),
        ))
        .json(CreatedTokenResponse {
            token_info,
            token: issued.value.expose().to_owned(),
        }))
}

/// List tokens (never their values).
#[utoipa::path(
    tag = TAG_TOKENS,
    params(PageQuery),
    responses((status = 200, description = "One page of tokens", body = Page<TokenResponse>))
)]
#[get("/tokens")]
async fn list_tokens(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ManageTokens, None)?;
    let query = query.into_inner()?;
    let page = query.validate()?;
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ($1::uuid IS NULL OR id > $1)
         ORDER BY id LIMIT $2"
    );
    let rows = client
        .query(&sql, &[&page.after, &(page.limit + 1)])
        .await?;
    let tokens = rows.iter().map(token_from_row).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(tokens, page, |token: &TokenResponse| {
            token.id
        })),
    )
}

/// Revoke a token. It stops working at once.
#[utoipa::path(
    tag = TAG_TOKENS,
    params(("token_id" = Uuid, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/tokens/{token_id}")]
async fn revoke(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ManageTokens, None)?;
    let token_id = parse_id(&path, "token_id")?;
    let metadata = context.metadata(state.clock.now());
    revoke_token(&state.pool, &state.tokens, token_id, &metadata).await?;
    // the token stops working at once (its credential is gone); the list follows
    state.committed_is_visible().await;
    Ok(HttpResponse::NoContent().finish())
}
