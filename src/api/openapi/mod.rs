//! The OpenAPI document: assembled from the routes by utoipa-actix-web, then completed with
//! what every operation shares (`responses.rs`) and the schemas whose values come from code
//! tables (`schemas.rs`).

mod links;
mod responses;
pub mod schemas;

use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::OpenApi;

use super::error::{FieldError, Problem};
use super::error_codes::ErrorCode;
use super::written::WriteAccepted;

/// The name of the bearer scheme in `components.securitySchemes`.
pub const BEARER_SCHEME: &str = "bearerAuth";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "TenantPilot",
        description = "Scheduled, immutable, tenant-scoped backups of Microsoft Intune configuration.\n\n\
            Errors are RFC 9457 `application/problem+json` documents with a stable `code` \
            (the `ErrorCode` schema lists every code with its status). \
            Lists use cursor pagination (`limit`, `cursor` → `next_cursor`). Single resources \
            carry their aggregate version as `ETag`; send it back as `If-Match` to refuse a \
            change based on a stale read (412). Every response carries `X-Request-Id`. \
            A known path asked with a method it does not have answers 405 with `Allow`.",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    components(schemas(Problem, FieldError, ErrorCode, WriteAccepted)),
    tags(
        (name = "tenants", description = "Microsoft 365 tenants under management"),
        (name = "backup-schedules", description = "When and what to back up"),
        (name = "backup-runs", description = "Runs: run now, retry, history"),
        (name = "tokens", description = "API tokens (admins only)"),
        (name = "events", description = "The event history, for auditors"),
        (name = "policy-types", description = "The catalog of Intune policy types"),
        (name = "policies", description = "The synced inventory of a tenant's policies"),
        (name = "backup-sets", description = "Backup sets: browsing, diff and export; soft delete and undelete (admins)"),
        (name = "health", description = "Probes for orchestrators"),
        (name = "notifications", description = "The caller's own notifications: failed and partial runs, missed slots, auto-disabled schedules, failing webhooks"),
        (name = "webhooks", description = "Signed webhooks (Standard Webhooks) for backup runs, skipped slots, retention and schedule changes; deliveries log and redelivery"),
        (name = "restores", description = "Restores: plan a backup set back into a tenant (a dry run), approve, apply (a worker writes in dependency order, exactly once), verify"),
    )
)]
pub struct ApiDoc;

/// Declares the server, the bearer scheme and the error-code table, and completes every
/// operation with what the handlers share (see `responses.rs`).
pub fn complete(mut document: OpenApi) -> OpenApi {
    document.servers = Some(vec![ServerBuilder::new()
        .url("/")
        .description(Some(
            "This service (paths are relative to where the document is served)",
        ))
        .build()]);
    document
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tp_ followed by 43 characters")
                    .description(Some(
                        "An API token from POST /api/v1/tokens (or TENANTPILOT_ADMIN_TOKEN)",
                    ))
                    .build(),
            ),
        );
    let codes: Vec<serde_json::Value> = ErrorCode::ALL
        .iter()
        .map(|code| {
            let entry = code.entry();
            serde_json::json!({"code": entry.code, "status": entry.status, "title": entry.title})
        })
        .collect();
    document.extensions = Some(ExtensionsBuilder::new().add("x-error-codes", codes).build());
    responses::complete_operations(&mut document);
    links::add_links(&mut document);
    document
}
