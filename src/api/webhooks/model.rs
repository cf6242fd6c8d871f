//! Webhook request and response bodies, their validation, and the read-model row mapping.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use tokio_postgres::Row;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::domain::token::TenantScope;
use crate::domain::webhook::{
    EventTypeFilter, InvalidEventTypes, PublicEventType, WebhookDescription, WebhookUrl,
    ALL_EVENT_TYPES,
};

/// A webhook event type in a subscription: a public event name, or `*` for all.
pub struct WebhookEventTypeName;

impl PartialSchema for WebhookEventTypeName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                PublicEventType::ALL
                    .iter()
                    .map(|kind| kind.as_str())
                    .chain([ALL_EVENT_TYPES]),
            ))
            .description(Some(
                "A public event type (`backup_run.succeeded`, `backup_run.partial`, \
                 `backup_run.failed`, `backup_slot.skipped`, \
                 `backup_schedule.retention_applied`, `backup_schedule.changed`), or `*` for \
                 every type, present and future.",
            ))
            .examples(["backup_run.failed"])
            .into()
    }
}

impl ToSchema for WebhookEventTypeName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WebhookEventType")
    }
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hooks.example.com/tenantpilot",
    "event_types": ["backup_run.failed", "backup_run.partial"],
    "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"],
    "description": "On-call alerts"
}))]
pub struct CreateWebhookRequest {
    /// Where messages are POSTed: an absolute `http` or `https` URL of at most 2000
    /// RFC 3986 characters (percent-encode others), without credentials or fragment, whose
    /// host is (and resolves only to) public addresses.
    #[schema(
        format = "uri",
        max_length = 2000,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://"
    )]
    pub url: String,
    /// The event types to receive: at least one, no duplicates; `*` for every type.
    #[schema(min_items = 1, value_type = BTreeSet<WebhookEventTypeName>)]
    pub event_types: Vec<String>,
    /// Only events of these tenants (at least one, no duplicates). Left out or null: every
    /// tenant, present and future.
    #[schema(min_items = 1, value_type = Option<BTreeSet<Uuid>>, nullable)]
    pub tenant_ids: Option<Vec<Uuid>>,
    /// A note for people, up to 500 characters without control characters.
    #[schema(
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        nullable
    )]
    pub description: Option<String>,
    /// Whether it receives messages from the start (default true).
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"event_types": ["*"], "tenant_ids": null}))]
pub struct UpdateWebhookRequest {
    /// As in the create request.
    #[schema(
        format = "uri",
        max_length = 2000,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://"
    )]
    pub url: Option<String>,
    /// As in the create request.
    #[schema(min_items = 1, value_type = Option<BTreeSet<WebhookEventTypeName>>)]
    pub event_types: Option<Vec<String>>,
    /// As in the create request; null: every tenant.
    #[serde(default, deserialize_with = "present")]
    #[schema(min_items = 1, value_type = Option<BTreeSet<Uuid>>, nullable)]
    pub tenant_ids: Option<Option<Vec<Uuid>>>,
    /// As in the create request; null or blank removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
             value_type = Option<String>, nullable)]
    pub description: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0d2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "url": "https://hooks.example.com/tenantpilot",
    "event_types": ["backup_run.failed", "backup_run.partial"],
    "tenant_ids": null, "description": "On-call alerts",
    "enabled": true, "disabled_reason": null, "disabled_at": null, "failing_since": null,
    "secret_rotated_at": null, "previous_secret_expires_at": null, "version": 1,
    "created_at": "2026-11-26T09:00:00Z", "updated_at": "2026-11-26T09:00:00Z"
}))]
pub struct WebhookResponse {
    pub id: Uuid,
    pub url: String,
    /// Public event types, or `["*"]` for all.
    #[schema(value_type = Vec<WebhookEventTypeName>)]
    pub event_types: Vec<String>,
    /// null: every tenant.
    pub tenant_ids: Option<Vec<Uuid>>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it is disabled: `manual`, `gone` (the endpoint answered 410) or `failing` (every
    /// attempt failed for 5 days); null while enabled.
    #[schema(pattern = "^(manual|gone|failing)$")]
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Since when every attempt to the endpoint failed; null while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs (a second signature) after a rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// The aggregate version; also sent as the `ETag`.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const WEBHOOK_COLUMNS: &str = "w.id, w.url, w.event_types, w.tenant_ids, w.description, \
     w.enabled, w.disabled_reason, w.disabled_at, r.failing_since, w.secret_rotated_at, \
     w.previous_secret_expires_at, w.version, w.created_at, w.updated_at";

/// The read model joined with the fan-out's health bookkeeping.
pub const WEBHOOK_FROM: &str =
    "webhooks w LEFT JOIN webhook_routes r ON r.webhook_id = w.id AND r.active";

impl WebhookResponse {
    pub fn from_row(row: &Row) -> Self {
        let version: i64 = row.get(11);
        Self {
            id: row.get(0),
            url: row.get(1),
            event_types: row.get(2),
            tenant_ids: row.get(3),
            description: row.get(4),
            enabled: row.get(5),
            disabled_reason: row.get(6),
            disabled_at: row.get(7),
            failing_since: row.get(8),
            secret_rotated_at: row.get(9),
            previous_secret_expires_at: row.get(10),
            version: version as u64,
            created_at: row.get(12),
            updated_at: row.get(13),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0d2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "url": "https://hooks.example.com/tenantpilot",
    "event_types": ["backup_run.failed", "backup_run.partial"],
    "tenant_ids": null, "description": "On-call alerts",
    "enabled": true, "disabled_reason": null, "disabled_at": null, "failing_since": null,
    "secret_rotated_at": null, "previous_secret_expires_at": null, "version": 1,
    "created_at": "2026-11-26T09:00:00Z", "updated_at": "2026-11-26T09:00:00Z",
    "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD7tNZ2MrBTrU="
}))]
pub struct CreatedWebhookResponse {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// The signing secret (`whsec_` and the base64 key). Shown in this response only;
    /// store it now.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0d2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "secret": "whsec_kKX7iWbqMfOR3Jg4M2m3IYq4kJ9vZb7t2SgQk5O0YVo=",
    "previous_secret_expires_at": "2026-11-27T09:00:00Z",
    "version": 4
}))]
pub struct RotatedSecretResponse {
    /// The webhook's id.
    pub id: Uuid,
    /// The new signing secret. Shown in this response only; store it now.
    pub secret: String,
    /// Until then every message carries a second signature, made with the previous secret.
    pub previous_secret_expires_at: DateTime<Utc>,
    /// The webhook's version after the rotation (its new `ETag`).
    pub version: u64,
}

/// A validated create request.
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub event_types: EventTypeFilter,
    pub tenants: TenantScope,
    pub description: Option<WebhookDescription>,
    pub enabled: bool,
}

pub fn validate_create(request: CreateWebhookRequest) -> Result<NewWebhook, ApiError> {
    let mut errors = Vec::new();
    let url = url(&mut errors, &request.url);
    let event_types = event_types(&mut errors, &request.event_types);
    let tenants = tenants(&mut errors, request.tenant_ids);
    let description = request
        .description
        .and_then(|text| description(&mut errors, &text));
    match (url, event_types, tenants) {
        (Some(url), Some(event_types), Some(tenants)) if errors.is_empty() => Ok(NewWebhook {
            url,
            event_types,
            tenants,
            description,
            enabled: request.enabled.unwrap_or(true),
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A validated change; `None` fields stay as they are.
#[derive(Default)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub event_types: Option<EventTypeFilter>,
    pub tenants: Option<TenantScope>,
    pub description: Option<Option<WebhookDescription>>,
}

pub fn validate_update(request: UpdateWebhookRequest) -> Result<WebhookChanges, ApiError> {
    let mut errors = Vec::new();
    let changes = WebhookChanges {
        url: request
            .url
            .as_deref()
            .and_then(|text| url(&mut errors, text)),
        event_types: request
            .event_types
            .as_deref()
            .and_then(|names| event_types(&mut errors, names)),
        tenants: request.tenant_ids.and_then(|ids| tenants(&mut errors, ids)),
        description: request.description.map(|text| match text {
            Some(text) => description(&mut errors, &text),
            None => None,
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(changes)
}

fn url(errors: &mut Vec<FieldError>, text: &str) -> Option<WebhookUrl> {
    WebhookUrl::parse(text)
        .map_err(|error| errors.push(FieldError::new("url", ErrorCode::InvalidWebhookUrl, error)))
        .ok()
}

fn event_types(errors: &mut Vec<FieldError>, names: &[String]) -> Option<EventTypeFilter> {
    EventTypeFilter::parse(names)
        .map_err(|error| {
            let (field, code) = match &error {
                InvalidEventTypes::Unknown(index, _) => {
                    (format!("event_types[{index}]"), ErrorCode::UnknownEventType)
                }
                _ => ("event_types".to_owned(), ErrorCode::InvalidEventTypes),
            };
            errors.push(FieldError::new(field, code, error));
        })
        .ok()
}

fn tenants(errors: &mut Vec<FieldError>, ids: Option<Vec<Uuid>>) -> Option<TenantScope> {
    let Some(ids) = ids else {
        return Some(TenantScope::AllTenants);
    };
    let problem = if ids.is_empty() {
        Some("tenant_ids must not be empty; leave it out (or null) for every tenant".to_owned())
    } else {
        ids.iter()
            .enumerate()
            .find(|(index, id)| ids[..*index].contains(id))
            .map(|(_, id)| format!("tenant {id} is listed twice"))
    };
    match problem {
        Some(message) => {
            errors.push(FieldError::new(
                "tenant_ids",
                ErrorCode::InvalidTenantIds,
                message,
            ));
            None
        }
        None => Some(TenantScope::Tenants { tenant_ids: ids }),
    }
}

fn description(errors: &mut Vec<FieldError>, text: &str) -> Option<WebhookDescription> {
    WebhookDescription::parse(text)
        .map_err(|message| {
            errors.push(FieldError::new(
                "description",
                ErrorCode::InvalidDescription,
                message,
            ))
        })
        .ok()
        .flatten()
}
