//! The OpenAPI document: assembled from the routes by utoipa-actix-web, then completed with
//! the problem responses every operation can give.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// The name of the bearer scheme in `components.securitySchemes`.
pub const BEARER_SCHEME: &str = "bearerAuth";

use super::error::{FieldError, Problem};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "TenantPilot",
        description = "Scheduled, immutable, tenant-scoped backups of Microsoft Intune configuration.\n\n\
            Errors are RFC 9457 `application/problem+json` documents with a stable `code`. \
            Lists use cursor pagination (`limit`, `cursor` → `next_cursor`). Single resources \
            carry their aggregate version as `ETag`; send it back as `If-Match` to refuse a \
            change based on a stale read (412). Every response carries `X-Request-Id`.",
        license(name = "Proprietary")
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "tenants", description = "Microsoft 365 tenants under management"),
        (name = "backup-schedules", description = "When and what to back up"),
        (name = "backup-runs", description = "Runs: run now, retry, history"),
        (name = "tokens", description = "API tokens (admins only)"),
        (name = "events", description = "The event history, for auditors"),
        (name = "policy-types", description = "The catalog of Intune policy types"),
        (name = "health", description = "Probes for orchestrators"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme and, on every `/api/` operation, the requirement for it and
/// the problem responses an operation can give and does not document itself.
pub fn complete(mut document: OpenApi) -> OpenApi {
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
    for (path, item) in document.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        for operation in [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_idempotency_key(operation);
        }
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_problem_responses(operation);
        }
    }
    document
}

/// Every write takes an optional `Idempotency-Key` (see `api/idempotency.rs`).
fn add_idempotency_key(operation: &mut Operation) {
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the first response to this key (per token, for 24 hours) is \
             replayed for the same request with `Idempotent-Replayed: true`; the key used \
             for a different request answers 422 `idempotency_key_reused`, and while the first \
             request runs, 409 `idempotency_key_in_progress`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(parameter));
}

fn add_problem_responses(operation: &mut Operation) {
    operation.security = Some(vec![SecurityRequirement::new(
        BEARER_SCHEME,
        Vec::<String>::new(),
    )]);
    let has_body = operation.request_body.is_some();
    let has_if_match = operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(parameter)
            if parameter.parameter_in == ParameterIn::Header && parameter.name == "If-Match")
    });
    let mut problems = vec![
        (
            "400",
            "Malformed request: a bad id, query parameter or header (`code` names it)",
        ),
        (
            "404",
            "No such resource (also for resources of tenants the caller cannot see)",
        ),
        (
            "500",
            "Internal error; the body says nothing more, the logs do",
        ),
        ("503", "The database is unavailable; retry later"),
    ];
    if has_body {
        problems.push(("413", "The body is larger than 64 KiB"));
        problems.push(("415", "The body is not application/json"));
        problems.push((
            "422",
            "The body is valid JSON but not a valid request; `errors` names each field",
        ));
    }
    if has_if_match {
        problems.push((
            "412",
            "If-Match named a version that is no longer current; the current ETag is returned",
        ));
    }
    for (status, description) in problems {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}
