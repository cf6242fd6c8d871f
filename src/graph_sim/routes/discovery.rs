//! The login endpoint's discovery documents, so that MSAL and other OpenID libraries find
//! the token endpoint by themselves: the OpenID provider configuration of the v2.0 and v1.0
//! endpoints, its (empty) signing keys, and MSAL's instance discovery.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::graph_sim::errors::{self, aadsts};
use crate::graph_sim::state::SimState;

/// `scheme://host` the caller reached: the documents point back at this simulator, under
/// whatever name the client redirected to it.
fn origin(req: &HttpRequest) -> String {
    let connection = req.connection_info();
    format!("{}://{}", connection.scheme(), connection.host())
}

/// The tenant segment of a discovery URL, if Entra would answer for it: a configured
/// tenant, or one of the multi-tenant authorities (`common`, `organizations`,
/// `consumers`), whose documents carry the literal `{tenantid}` placeholder.
fn discovery_tenant(state: &SimState, segment: &str) -> Option<String> {
    if ["common", "organizations", "consumers"].contains(&segment) {
        return Some("{tenantid}".to_owned());
    }
    state
        .tenant(segment)
        .map(|tenant| tenant.config.azure_tenant_id.clone())
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OpenID provider
/// configuration document of the v2.0 endpoint (Entra docs
/// identity-platform/v2-protocols-oidc.md, "Fetch the OpenID configuration document"),
/// its endpoints on this simulator so that MSAL and other libraries discover them.
pub async fn openid_configuration_v2(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let segment = req.match_info().query("tenant").to_owned();
    let Some(tid) = discovery_tenant(&state, &segment) else {
        return aadsts(90_002, &segment, "", "");
    };
    let base = origin(&req);
    let host = req.connection_info().host().to_owned();
    let authority = format!("{base}/{segment}");
    discovery_document(json!({
        "token_endpoint": format!("{authority}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{authority}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{authority}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{authority}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{authority}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{authority}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": host,
        "rbac_url": "https://pas.windows.net",
    }))
}

/// `GET /{tenant}/.well-known/openid-configuration`: the v1.0 endpoint's document (issuer
/// `https://sts.windows.net/{tid}/`, the issuer the simulator's access tokens carry). Its
/// `token_endpoint` is the v1 one, as Entra writes it; the simulator serves the v2.0 grant
/// only (README "Graph simulator").
pub async fn openid_configuration_v1(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let segment = req.match_info().query("tenant").to_owned();
    let Some(tid) = discovery_tenant(&state, &segment) else {
        return aadsts(90_002, &segment, "", "");
    };
    let base = origin(&req);
    let authority = format!("{base}/{segment}");
    discovery_document(json!({
        "token_endpoint": format!("{authority}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/common/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{tid}/"),
        "authorization_endpoint": format!("{authority}/oauth2/authorize"),
        "end_session_endpoint": format!("{authority}/oauth2/logout"),
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": req.connection_info().host(),
    }))
}

/// `GET /{tenant}/discovery/v2.0/keys`: the `jwks_uri` of the document. The simulator's
/// tokens are unsigned (`alg: none`), so the set is empty.
pub async fn signing_keys() -> HttpResponse {
    discovery_document(json!({"keys": []}))
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`: the
/// instance discovery MSAL calls before anything else (MSAL docs
/// msal/dotnet/advanced/custom-authority-aliases.md, "What is Instance Discovery"). The
/// authority's host is its own only alias, and the tenant discovery endpoint is the v2.0
/// document above.
pub async fn instance_discovery(req: HttpRequest, state: web::Data<SimState>) -> HttpResponse {
    let query: HashMap<String, String> = form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let Some(endpoint) = query.get("authorization_endpoint") else {
        return aadsts(
            errors::MISSING_PARAMETER,
            "common",
            "",
            "authorization_endpoint",
        );
    };
    let parsed = url::Url::parse(endpoint).ok();
    let tenant = parsed
        .as_ref()
        .and_then(|url| url.path_segments()?.next().map(str::to_owned))
        .unwrap_or_else(|| "common".to_owned());
    if discovery_tenant(&state, &tenant).is_none() {
        return aadsts(90_002, &tenant, "", "");
    }
    let host = parsed
        .as_ref()
        .and_then(|url| {
            Some(format!(
                "{}{}",
                url.host_str()?,
                url.port().map(|p| format!(":{p}")).unwrap_or_default()
            ))
        })
        .unwrap_or_else(|| req.connection_info().host().to_owned());
    let scheme = parsed
        .as_ref()
        .map_or("http", |url| url.scheme())
        .to_owned();
    discovery_document(json!({
        "tenant_discovery_endpoint": format!("{scheme}://{host}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
}

fn discovery_document(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}
