//! The simulator's HTTP surface: the login endpoint (token and discovery), Graph beta
//! (`$batch` included), and the `/_sim` admin API.

mod admin;
mod batch;
mod discovery;
mod graph;
mod groups;
pub use groups::GROUP_NAMES;
mod login;
mod oma_secret;
mod resources;
mod target;
mod write;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::errors::RequestIds;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/{tenant}/oauth2/v2.0/token", web::post().to(login::token))
        .route(
            "/common/discovery/instance",
            web::get().to(discovery::instance_discovery),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            web::get().to(discovery::openid_configuration_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            web::get().to(discovery::openid_configuration_v1),
        )
        .route(
            "/{tenant}/discovery/v2.0/keys",
            web::get().to(discovery::signing_keys),
        )
        .route("/beta/{tail:.*}", web::route().to(graph::graph))
        .configure(admin::configure)
        .default_service(web::to(unknown));
}

/// Anything else (`/v1.0/...` included: the catalog is read from beta only).
async fn unknown(req: HttpRequest) -> HttpResponse {
    let ids = RequestIds::new(None);
    ids.error(
        StatusCode::NOT_FOUND,
        "UnknownPath",
        &format!("The simulator does not serve {}", req.path()),
    )
}
