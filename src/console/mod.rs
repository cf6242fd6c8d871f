//! The operator console: a single-page app (ui/, built into ui/dist and embedded) served at
//! `/` by the `api` role. Its own paths (`/`, `/tenants/...`, `/notifications`, ...) answer
//! its index.html, so deep links and reloads work; every other path (the API, the
//! document, health, metrics) is untouched. Every console response carries a strict
//! Content-Security-Policy: the app loads only its own script and style from this origin
//! and talks only to this origin's API.

mod assets;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use assets::Asset;

/// No inline script or style, nothing from another origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The first path segments of the console's screens (its router's routes, ui/src/app.tsx).
const SCREENS: [&str; 7] = [
    "",
    "tenants",
    "notifications",
    "audit",
    "webhooks",
    "tokens",
    "sign-in",
];

/// Registers `/assets/{name}` (the script and style sheet).
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/assets/{name}", web::get().to(asset));
}

/// The default service: a console screen's path answers index.html, anything else the
/// API's 404/405 problem.
pub async fn index_or_not_found(request: HttpRequest) -> actix_web::Result<HttpResponse> {
    if is_screen(&request) {
        return Ok(respond(&request, &assets::INDEX_HTML, Caching::Revalidate));
    }
    Ok(crate::api::route_not_found(request).await?)
}

fn is_screen(request: &HttpRequest) -> bool {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return false;
    }
    let first = request.path().trim_start_matches('/').split('/').next();
    first.is_some_and(|segment| SCREENS.contains(&segment))
}

async fn asset(request: HttpRequest, name: web::Path<String>) -> actix_web::Result<HttpResponse> {
    let Some(asset) = assets::by_name(&name) else {
        return Ok(crate::api::route_not_found(request).await?);
    };
    // index.html asks for `app.js?v=<the first 16 hex digits of its SHA-256>`: that URL
    // names these bytes forever, so it may be cached for good. Any other URL revalidates.
    let versioned = web::Query::<Version>::from_query(request.query_string())
        .ok()
        .is_some_and(|query| query.v == asset.version());
    let caching = if versioned {
        Caching::Immutable
    } else {
        Caching::Revalidate
    };
    Ok(respond(&request, asset, caching))
}

#[derive(serde::Deserialize)]
struct Version {
    v: String,
}

enum Caching {
    /// A versioned URL: the bytes never change.
    Immutable,
    /// Cached, but checked with the server (ETag) before each use.
    Revalidate,
}

fn respond(request: &HttpRequest, asset: &'static Asset, caching: Caching) -> HttpResponse {
    let etag = format!("\"{}\"", asset.version());
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((
            header::CACHE_CONTROL,
            match caching {
                Caching::Immutable => "public, max-age=31536000, immutable",
                Caching::Revalidate => "no-cache",
            },
        ))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if unchanged {
        return response.finish();
    }
    let (encoding, body) = match accepted(request) {
        Encoding::Brotli => (Some("br"), asset.brotli),
        Encoding::Gzip => (Some("gzip"), asset.gzip),
        Encoding::Identity => (None, asset.identity),
    };
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(encoding)));
    }
    response.body(body)
}

enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best precompressed copy the client takes (`Accept-Encoding`, q=0 excluded).
fn accepted(request: &HttpRequest) -> Encoding {
    let accepts = |name: &str| {
        request
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|part| {
                let mut pieces = part.split(';').map(str::trim);
                pieces
                    .next()
                    .is_some_and(|coding| coding.eq_ignore_ascii_case(name))
                    && !pieces.any(|param| param.replace(' ', "") == "q=0")
            })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}
