//! `/_sim/...`: the simulator's own control surface (not Graph): stats, tenants and their
//! objects, mutations, faults, token expiry. What tests in other processes use.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::graph_sim::faults::Fault;
use crate::graph_sim::state::{SimError, SimState};
use crate::graph_sim::SimHandle;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/_sim/stats", web::get().to(stats))
        .route("/_sim/stats/reset", web::post().to(reset_stats))
        .route("/_sim/tenants", web::get().to(tenants))
        .route(
            "/_sim/tenants/{tenant}/objects/{policy_type}",
            web::get().to(objects),
        )
        .route("/_sim/tenants/{tenant}/mutate", web::post().to(mutate))
        .route("/_sim/tenants/{tenant}/delete", web::post().to(delete))
        .route("/_sim/tenants/{tenant}/add", web::post().to(add))
        .service(
            // injected objects may be huge on purpose (a 5 MB script body)
            web::resource("/_sim/tenants/{tenant}/inject")
                .app_data(web::JsonConfig::default().limit(64 << 20))
                .route(web::post().to(inject)),
        )
        .route("/_sim/tenants/{tenant}/faults", web::get().to(faults))
        .route("/_sim/tenants/{tenant}/faults", web::put().to(set_faults))
        .route(
            "/_sim/tenants/{tenant}/expire-tokens",
            web::post().to(expire_tokens),
        );
}

#[derive(Debug, Deserialize)]
struct ObjectRef {
    policy_type: String,
    index: usize,
}

#[derive(Debug, Deserialize)]
struct Addition {
    policy_type: String,
    #[serde(default = "one")]
    count: usize,
}

/// An object to serve exactly as given in a type's list (and its detail).
#[derive(Debug, Deserialize)]
struct Injection {
    policy_type: String,
    object: serde_json::Value,
}

fn one() -> usize {
    1
}

fn failed(error: SimError) -> HttpResponse {
    let status = match error {
        SimError::UnknownTenant(_) | SimError::NoSuchObject { .. } => StatusCode::NOT_FOUND,
        SimError::UnknownType(_) | SimError::InvalidFault(_) => StatusCode::BAD_REQUEST,
    };
    HttpResponse::build(status).json(json!({"error": error.to_string()}))
}

fn answer<T: serde::Serialize>(result: Result<T, SimError>) -> HttpResponse {
    match result {
        Ok(value) => HttpResponse::Ok().json(value),
        Err(error) => failed(error),
    }
}

fn handle(state: &web::Data<SimState>) -> SimHandle {
    SimHandle::from_state(state.clone().into_inner())
}

async fn stats(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.stats.snapshot())
}

async fn reset_stats(state: web::Data<SimState>) -> HttpResponse {
    state.stats.reset();
    HttpResponse::NoContent().finish()
}

async fn tenants(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(handle(&state).tenants())
}

async fn objects(path: web::Path<(String, String)>, state: web::Data<SimState>) -> HttpResponse {
    let (tenant, key) = path.into_inner();
    answer(handle(&state).objects(&tenant, &key))
}

async fn mutate(
    tenant: web::Path<String>,
    body: web::Json<ObjectRef>,
    state: web::Data<SimState>,
) -> HttpResponse {
    answer(handle(&state).mutate(&tenant, &body.policy_type, body.index))
}

async fn delete(
    tenant: web::Path<String>,
    body: web::Json<ObjectRef>,
    state: web::Data<SimState>,
) -> HttpResponse {
    answer(handle(&state).delete(&tenant, &body.policy_type, body.index))
}

async fn add(
    tenant: web::Path<String>,
    body: web::Json<Addition>,
    state: web::Data<SimState>,
) -> HttpResponse {
    answer(handle(&state).add(&tenant, &body.policy_type, body.count))
}

async fn inject(
    tenant: web::Path<String>,
    body: web::Json<Injection>,
    state: web::Data<SimState>,
) -> HttpResponse {
    let Injection {
        policy_type,
        object,
    } = body.into_inner();
    answer(
        handle(&state)
            .inject(&tenant, &policy_type, object)
            .map(|index| json!({"index": index})),
    )
}

async fn faults(tenant: web::Path<String>, state: web::Data<SimState>) -> HttpResponse {
    answer(
        state
            .tenant_or_error(&tenant)
            .map(|t| t.with_faults(|f| f.faults())),
    )
}

async fn set_faults(
    tenant: web::Path<String>,
    body: web::Json<Vec<Fault>>,
    state: web::Data<SimState>,
) -> HttpResponse {
    answer(
        handle(&state)
            .set_faults(&tenant, body.into_inner())
            .map(|()| json!({"ok": true})),
    )
}

async fn expire_tokens(tenant: web::Path<String>, state: web::Data<SimState>) -> HttpResponse {
    let result = state
        .tenant_or_error(&tenant)
        .map(|_| json!({"expired": state.tokens.expire_all(&tenant, Utc::now())}));
    answer(result)
}
