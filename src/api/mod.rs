//! The HTTP API: JSON under `/api/v1`, problem+json errors, OpenAPI at `/openapi.json`.

pub mod as_of;
pub mod audit;
pub mod authentication;
pub mod backup_set_admin;
pub mod backup_sets;
pub mod caller;
mod commands;
pub mod context;
pub mod error;
pub mod error_codes;
pub mod events;
pub mod extract;
mod health;
pub mod idempotency;
pub mod methods;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod pagination;
pub mod policies;
mod policy_types;
pub mod restores;
pub mod runs;
pub mod schedules;
pub mod state;
pub mod tenants;
pub mod tokens;
pub mod webhooks;
pub mod written;

use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse};
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt;

pub use state::AppState;

pub const TAG_TENANTS: &str = "tenants";
pub const TAG_SCHEDULES: &str = "backup-schedules";
pub const TAG_RUNS: &str = "backup-runs";
pub const TAG_TOKENS: &str = "tokens";
pub const TAG_EVENTS: &str = "events";
pub const TAG_POLICY_TYPES: &str = "policy-types";
pub const TAG_POLICIES: &str = "policies";
pub const TAG_BACKUP_SETS: &str = "backup-sets";
pub const TAG_HEALTH: &str = "health";
pub const TAG_NOTIFICATIONS: &str = "notifications";
pub const TAG_WEBHOOKS: &str = "webhooks";
pub const TAG_RESTORES: &str = "restores";

/// Every route of the service. The server and the OpenAPI document are built from this one
/// list, so a route cannot exist without being documented.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(
            utoipa_actix_web::scope("/api/v1")
                // the last wrap runs first: authenticate, then idempotency (keys are per caller)
                .wrap(actix_web::middleware::from_fn(
                    idempotency::idempotent_writes,
                ))
                .wrap(actix_web::middleware::from_fn(authentication::authenticate))
                .configure(tenants::routes)
                .configure(schedules::routes)
                .configure(runs::routes)
                .configure(backup_set_admin::routes)
                .configure(policies::routes)
                .configure(backup_sets::routes)
                .configure(restores::routes)
                .configure(tokens::routes)
                .configure(caller::routes)
                .configure(events::routes)
                .configure(webhooks::routes)
                .configure(audit::routes)
                .service(metrics::metrics)
                .service(policy_types::list_policy_types)
                .configure(notifications::routes),
        );
}

/// The OpenAPI document, built without a server or database.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::complete(document)
}

/// The `ETag` of an aggregate version.
pub fn etag(version: u64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// Requests no route takes answer a problem document like everything else: 405 with
/// `Allow` on a known path, else 404.
pub async fn route_not_found(request: HttpRequest) -> Result<HttpResponse, error::ApiError> {
    Err(methods::unrouted(&request))
}

/// Registers the shared state, the routes, `/openapi.json` and Swagger UI at `/docs`.
pub fn configure_app(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config.app_data(state);
        routes(&mut utoipa_actix_web::service_config::ServiceConfig::new(
            config,
        ));
        config.service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", openapi_document()),
        );
    }
}
