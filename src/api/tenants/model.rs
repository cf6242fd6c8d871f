//! Tenant request and response bodies, their validation, and the read-model row mapping.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::as_of::{AsOf, Replayed};
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::domain::tenant::{RegisterTenant, TenantName, UpdateTenant};
use crate::projections::{TenantRow, TENANT_ROW_COLUMNS};

const MAX_SECRET_CHARS: usize = 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "display_name": "Contoso", "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
    "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e", "client_secret": "app-registration-secret-value"
}))]
pub struct CreateTenantRequest {
    /// 1 to 200 characters once leading and trailing white space is trimmed (it is), no
    /// control characters.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,198}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub display_name: String,
    /// The Microsoft Entra (Azure AD) tenant id, a GUID.
    #[schema(format = Uuid)]
    pub azure_tenant_id: String,
    /// The app registration's application (client) id, a GUID.
    #[schema(format = Uuid)]
    pub client_id: String,
    /// The app registration's client secret value, 1 to 1024 characters and not only
    /// white space. Write-only: never returned.
    #[schema(write_only, format = Password, min_length = 1, max_length = 1024, pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]")]
    pub client_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Contoso Ltd"}))]
pub struct UpdateTenantRequest {
    /// As in the create request.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,198}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub display_name: Option<String>,
    /// The app registration's application (client) id, a GUID.
    #[schema(format = Uuid)]
    pub client_id: Option<String>,
    /// A new client secret value, 1 to 1024 characters and not only white space.
    /// Write-only: never returned.
    #[schema(write_only, format = Password, min_length = 1, max_length = 1024, pattern = r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]")]
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f", "display_name": "Contoso",
    "azure_tenant_id": "6f1b2a9e-8c4d-4e1a-9b7f-2d3c4b5a6e7f",
    "client_id": "0e3c1d2b-5a6f-4b7c-8d9e-0f1a2b3c4d5e", "has_client_secret": true,
    "status": "active", "version": 1,
    "created_at": "2026-11-26T09:00:00Z", "updated_at": "2026-11-26T09:00:00Z"
}))]
pub struct TenantResponse {
    pub id: Uuid,
    pub display_name: String,
    pub azure_tenant_id: Uuid,
    pub client_id: Uuid,
    pub has_client_secret: bool,
    /// `active` or `inactive`.
    pub status: String,
    /// The aggregate version; also sent as the `ETag`.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only in answers to `?as_of=`: which version and time this replay shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub as_of: Option<AsOf>,
}

/// The columns `from_row` reads: the read model's row.
pub const TENANT_COLUMNS: &str = TENANT_ROW_COLUMNS;

impl TenantResponse {
    pub fn from_row(row: &Row) -> Self {
        TenantRow::from_sql(row).into()
    }

    /// The response of a replay (`?as_of=`), saying what it shows.
    pub fn replayed(replayed: Replayed<TenantRow>) -> Self {
        Self {
            as_of: Some(replayed.as_of),
            ..replayed.row.into()
        }
    }
}

/// The one mapping from the read model to the API, for live reads and replays alike.
impl From<TenantRow> for TenantResponse {
    fn from(row: TenantRow) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name,
            azure_tenant_id: row.azure_tenant_id,
            client_id: row.client_id,
            has_client_secret: row.client_secret_id.is_some(),
            status: row.status,
            version: u64::try_from(row.version).unwrap_or_default(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            as_of: None,
        }
    }
}

/// A validated create request; the secret is kept apart from the command.
pub struct NewTenant {
    pub command: RegisterTenant,
    pub client_secret: Option<String>,
}

pub fn validate_create(
    request: CreateTenantRequest,
    tenant_id: Uuid,
) -> Result<NewTenant, ApiError> {
    let mut errors = Vec::new();
    let display_name = check(
        &mut errors,
        "display_name",
        ErrorCode::InvalidDisplayName,
        TenantName::parse(&request.display_name),
    );
    let azure_tenant_id = guid(&mut errors, "azure_tenant_id", &request.azure_tenant_id);
    let client_id = guid(&mut errors, "client_id", &request.client_id);
    let client_secret = secret(&mut errors, request.client_secret);
    match (display_name, azure_tenant_id, client_id) {
        (Some(display_name), Some(azure_tenant_id), Some(client_id)) if errors.is_empty() => {
            Ok(NewTenant {
                command: RegisterTenant {
                    tenant_id,
                    display_name,
                    azure_tenant_id,
                    client_id,
                    client_secret_id: None,
                },
                client_secret,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

pub struct TenantChanges {
    pub command: UpdateTenant,
    pub client_secret: Option<String>,
}

pub fn validate_update(request: UpdateTenantRequest) -> Result<TenantChanges, ApiError> {
    let mut errors = Vec::new();
    let display_name = request.display_name.as_deref().and_then(|name| {
        check(
            &mut errors,
            "display_name",
            ErrorCode::InvalidDisplayName,
            TenantName::parse(name),
        )
    });
    let client_id = request
        .client_id
        .as_deref()
        .and_then(|text| guid(&mut errors, "client_id", text));
    let client_secret = secret(&mut errors, request.client_secret);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(TenantChanges {
        command: UpdateTenant {
            display_name,
            client_id,
            client_secret_id: None,
        },
        client_secret,
    })
}

fn check<T, E: std::fmt::Display>(
    errors: &mut Vec<FieldError>,
    field: &str,
    code: ErrorCode,
    result: Result<T, E>,
) -> Option<T> {
    result
        .map_err(|error| errors.push(FieldError::new(field, code, error)))
        .ok()
}

fn guid(errors: &mut Vec<FieldError>, field: &str, text: &str) -> Option<Uuid> {
    let parsed = Uuid::try_parse(text).map_err(|_| format!("{field} must be a GUID, got {text:?}"));
    check(errors, field, ErrorCode::InvalidGuid, parsed)
}

fn secret(errors: &mut Vec<FieldError>, secret: Option<String>) -> Option<String> {
    let secret = secret?;
    let length = secret.chars().count();
    if secret.trim().is_empty() || length > MAX_SECRET_CHARS {
        // the message never repeats the value: it is a secret, even when it is wrong
        errors.push(FieldError::new(
            "client_secret",
            ErrorCode::InvalidClientSecret,
            format!("client_secret must be 1 to {MAX_SECRET_CHARS} characters"),
        ));
        return None;
    }
    Some(secret)
}
