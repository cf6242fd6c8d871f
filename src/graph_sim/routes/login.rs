//! `POST /{azure_tenant_id}/oauth2/v2.0/token`: the client-credentials grant as Entra ID
//! answers it, AADSTS errors included.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde_json::json;

use crate::graph_sim::errors::{self, aadsts};
use crate::graph_sim::faults::Fault;
use crate::graph_sim::state::SimState;

pub async fn token(req: HttpRequest, body: web::Bytes, state: web::Data<SimState>) -> HttpResponse {
    let tenant_id = req.match_info().query("tenant").to_owned();
    state.stats.token_request(&tenant_id);
    let mut form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    // client_secret_basic, which the discovery document lists beside client_secret_post:
    // the credentials in `Authorization: Basic` (RFC 6749 section 2.3.1), as MSAL sends them
    if let Some((id, secret)) = basic_credentials(&req) {
        form.entry("client_id".into()).or_insert(id);
        form.entry("client_secret".into()).or_insert(secret);
    }
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = field("client_id").unwrap_or_default();
    let Some(tenant) = state.tenant(&tenant_id) else {
        return aadsts(90_002, &tenant_id, client_id, "");
    };
    let config = &tenant.config;
    if let Some(code) = tenant.with_faults(|faults| faults.token_error()) {
        return aadsts(code, &tenant_id, client_id, "");
    }
    for name in ["grant_type", "client_id", "client_secret", "scope"] {
        if field(name).is_none() {
            return aadsts(errors::MISSING_PARAMETER, &tenant_id, client_id, name);
        }
    }
    let grant = field("grant_type").unwrap_or_default();
    if grant != "client_credentials" {
        return aadsts(errors::UNSUPPORTED_GRANT, &tenant_id, client_id, grant);
    }
    if !client_id.eq_ignore_ascii_case(&config.client_id) {
        return aadsts(700_016, &tenant_id, client_id, "");
    }
    if field("client_secret") != Some(config.client_secret.as_str()) {
        return aadsts(7_000_215, &tenant_id, client_id, "");
    }
    let scope = field("scope").unwrap_or_default();
    if !scope.ends_with("/.default") {
        return aadsts(errors::INVALID_SCOPE, &tenant_id, client_id, scope);
    }
    let without_roles = tenant.with_faults(|faults| faults.has(|f| *f == Fault::NoRoles));
    let (token, _) = state.tokens.issue(config, without_roles, Utc::now());
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store, no-cache"))
        .content_type("application/json; charset=utf-8")
        .body(
            json!({
                "token_type": "Bearer",
                "expires_in": config.token_lifetime_secs,
                "ext_expires_in": config.token_lifetime_secs,
                "access_token": token,
            })
            .to_string(),
        )
}

/// The client id and secret of an `Authorization: Basic` header, each form-urlencoded
/// before encoding (RFC 6749 section 2.3.1).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |part: &str| {
        form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}
