//! Requests no route takes: a known path with another method answers 405 with `Allow`
//! (RFC 9110, 15.5.6); an unknown path answers 404. The known paths and their methods come
//! from the OpenAPI document, which is built from the route list itself.

use std::sync::OnceLock;

use actix_web::HttpRequest;

use super::error::ApiError;

/// A path template split into segments; `None` is a `{parameter}` (one non-empty segment).
struct Route {
    segments: Vec<Option<String>>,
    /// Any path below a prefix route matches it (Swagger UI's files under `/docs/`).
    prefix: bool,
    methods: Vec<&'static str>,
}

impl Route {
    fn new(template: &str, prefix: bool, methods: Vec<&'static str>) -> Self {
        let segments = template
            .split('/')
            .skip(1)
            .map(|segment| {
                (!(segment.starts_with('{') && segment.ends_with('}'))).then(|| segment.to_owned())
            })
            .collect();
        Self {
            segments,
            prefix,
            methods,
        }
    }

    fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        let long_enough = if self.prefix {
            parts.len() >= self.segments.len()
        } else {
            parts.len() == self.segments.len()
        };
        long_enough
            && self
                .segments
                .iter()
                .zip(&parts)
                .all(|(segment, part)| match segment {
                    Some(literal) => literal == part,
                    None => !part.is_empty(),
                })
    }
}

fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let document = super::openapi_document();
        let mut routes: Vec<Route> = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("TRACE", item.trace.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                Route::new(template, false, methods)
            })
            .collect();
        // served beside the API, not part of its document
        routes.push(Route::new("/openapi.json", false, vec!["GET"]));
        routes.push(Route::new("/docs", true, vec!["GET"]));
        routes
    })
}

/// The methods a path is served with, or none for an unknown path.
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    let mut allowed: Vec<&'static str> = routes()
        .iter()
        .filter(|route| route.matches(path))
        .flat_map(|route| route.methods.iter().copied())
        .collect();
    allowed.dedup();
    (!allowed.is_empty()).then_some(allowed)
}

/// Whether a route takes this method on this path.
pub fn is_routed(path: &str, method: &str) -> bool {
    allowed_methods(path).is_some_and(|allowed| allowed.contains(&method))
}

/// The error for a request no route took.
pub fn unrouted(request: &HttpRequest) -> ApiError {
    match allowed_methods(request.path()) {
        Some(allowed) => ApiError::MethodNotAllowed {
            method: request.method().to_string(),
            allowed,
        },
        None => ApiError::RouteNotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_list_their_methods_and_unknown_paths_none() {
        assert_eq!(allowed_methods("/healthz"), Some(vec!["GET"]));
        assert_eq!(
            allowed_methods("/api/v1/tenants/anything"),
            Some(vec!["GET", "DELETE", "PATCH"])
        );
        assert_eq!(
            allowed_methods("/api/v1/tenants/x/backup-schedules/y/enable"),
            Some(vec!["POST"])
        );
        assert_eq!(allowed_methods("/docs/index.html"), Some(vec!["GET"]));
        assert_eq!(allowed_methods("/api/v1/tenants/"), None);
        assert_eq!(allowed_methods("/api/v1/nothing-here"), None);
        assert_eq!(allowed_methods("/healthz/x"), None);
    }
}
