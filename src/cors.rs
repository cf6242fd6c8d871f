//! CORS for browser frontends on other origins (`TENANTPILOT_CORS_ORIGINS`): an exact
//! allowlist. Preflights from a listed origin are answered before authentication (a browser
//! never sends a token on a preflight); other origins get no CORS headers.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS};
use actix_web::http::Method;
use actix_web::middleware::{Condition, Next};

/// Request headers a frontend may send besides the CORS-safelisted ones.
const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "if-match",
    "idempotency-key",
    "x-request-id",
];

/// Response headers a frontend needs to read (a script sees only safelisted ones otherwise).
const EXPOSED_HEADERS: [&str; 6] = [
    "etag",
    "location",
    "x-request-id",
    "idempotent-replayed",
    "retry-after",
    "x-export-to-position",
];

const ALLOWED_METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PATCH,
    Method::PUT,
    Method::DELETE,
];

/// How long a browser may cache a preflight answer; Chromium caps it at two hours.
const PREFLIGHT_MAX_AGE_SECONDS: usize = 7200;

/// The CORS middleware for `origins`; with none it does nothing (no CORS headers at all).
/// Built per server worker: `Cors` is not `Send`.
pub fn middleware(origins: &[String]) -> Condition<Cors> {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(ALLOWED_METHODS)
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(PREFLIGHT_MAX_AGE_SECONDS);
    Condition::new(!origins.is_empty(), cors)
}

/// actix-cors 0.7 adds `Access-Control-Expose-Headers` to every response, whatever the
/// origin; this removes it where no origin was allowed, so unlisted origins (and requests
/// without one) see no CORS headers at all. Wrap it outside `middleware`.
pub async fn only_for_allowed_origins(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    if !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(ACCESS_CONTROL_EXPOSE_HEADERS);
    }
    Ok(response)
}

/// Parses a comma-separated list of origins (`scheme://host[:port]`), as browsers send them
/// in `Origin`: lower case, no path, no default port. Anything else could never match, so it
/// is refused rather than silently ignored.
pub fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    let mut origins: Vec<String> = Vec::new();
    for text in value
        .split(',')
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        let origin = parse_origin(text).map_err(|reason| {
            format!("{text:?} is not an origin like https://admin.example.com: {reason}")
        })?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

fn parse_origin(text: &str) -> Result<String, &'static str> {
    let origin = text.to_ascii_lowercase();
    let (scheme, authority) = origin
        .split_once("://")
        .ok_or("it needs a scheme, https:// or http://")?;
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return Err("the scheme must be https or http"),
    };
    let (host, port) = split_port(authority)?;
    let valid_host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => {
            !ipv6.is_empty()
                && ipv6
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        }
        None => {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        }
    };
    if !valid_host {
        return Err(
            "expected scheme://host[:port], without a path, a trailing slash or a wildcard",
        );
    }
    match port {
        None => Ok(origin),
        Some(port) if port == default_port => {
            Err("browsers leave the default port out of Origin; leave it out here too")
        }
        Some(port) if port.parse::<u16>().is_ok_and(|port| port > 0) => Ok(origin),
        Some(_) => Err("the port must be a number from 1 to 65535"),
    }
}

/// `host[:port]`, where host may be a bracketed IPv6 address.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    let host_end = match authority.find(']') {
        Some(bracket) if authority.starts_with('[') => bracket + 1,
        _ => authority.find(':').unwrap_or(authority.len()),
    };
    let (host, rest) = authority.split_at(host_end);
    match rest.strip_prefix(':') {
        Some(port) => Ok((host, Some(port))),
        None if rest.is_empty() => Ok((host, None)),
        None => Err("expected scheme://host[:port], without a path or a trailing slash"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        assert_eq!(
            parse_origins(" https://Admin.Example.com, http://localhost:5173 ,,").unwrap(),
            ["https://admin.example.com", "http://localhost:5173"]
        );
        assert_eq!(
            parse_origins("http://[::1]:3000,http://127.0.0.1:8080").unwrap(),
            ["http://[::1]:3000", "http://127.0.0.1:8080"]
        );
        assert_eq!(
            parse_origins("https://a.example, https://a.example").unwrap(),
            ["https://a.example"]
        );
        assert!(parse_origins("").unwrap().is_empty());
    }

    #[test]
    fn things_that_are_not_origins_are_refused() {
        for bad in [
            "admin.example.com",
            "ftp://admin.example.com",
            "https://admin.example.com/",
            "https://admin.example.com/app",
            "https://*.example.com",
            "*",
            "https://",
            "https://user@admin.example.com",
            "https://admin.example.com:443",
            "http://admin.example.com:80",
            "https://admin.example.com:99999",
            "https://admin.example.com:",
            "null",
        ] {
            let error = parse_origins(bad).expect_err(bad);
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }

    #[test]
    fn a_non_default_port_is_kept() {
        assert_eq!(
            parse_origins("https://admin.example.com:8443").unwrap(),
            ["https://admin.example.com:8443"]
        );
    }
}
