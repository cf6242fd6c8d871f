//! What every operation shares and no handler annotation repeats: the bearer requirement,
//! `Idempotency-Key` on writes, the exact shape of `If-Match`, and the problem responses an
//! operation can give. Public operations (the probes) say explicitly that they need no token.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

use super::BEARER_SCHEME;
use crate::api::error::RETRY_AFTER_SECONDS;

/// `If-Match` is `*` or one ETag as this service sends it, a quoted aggregate version (the
/// bare version is accepted too).
pub const IF_MATCH_PATTERN: &str = r#"^(\*|"[0-9]{1,19}"|[0-9]{1,19})$"#;
/// 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

pub fn complete_operations(document: &mut OpenApi) {
    for (path, item) in document.paths.paths.iter_mut() {
        for (is_write, operation) in operations(item) {
            if !path.starts_with("/api/") {
                // explicitly public, rather than inheriting a global requirement
                operation.security = Some(Vec::new());
                continue;
            }
            operation.security = Some(vec![SecurityRequirement::new(
                BEARER_SCHEME,
                Vec::<String>::new(),
            )]);
            if is_write {
                add_idempotency_key(operation);
                // issuing and revoking a token answer in full whatever the read models do,
                // and so do creating a webhook and rotating its secret (a secret is shown
                // in that answer only) and a redelivery (it reads no read model); marking
                // notifications read writes no event, so it waits for nothing
                if !path.starts_with("/api/v1/tokens")
                    && !path.starts_with("/api/v1/notifications")
                    && !answers_in_full(path)
                {
                    add_write_accepted(operation);
                }
            }
            describe_if_match(operation);
            add_problem_responses(operation, path.contains('{'), is_write);
        }
    }
}

/// Webhook writes whose answer never waits for the read models.
fn answers_in_full(path: &str) -> bool {
    path == "/api/v1/webhooks"
        || (path.starts_with("/api/v1/webhooks/")
            && (path.ends_with("/rotate-secret") || path.ends_with("/redeliver")))
}

/// Every operation of a path, with whether it is a write.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (false, &mut item.get),
        (true, &mut item.post),
        (true, &mut item.put),
        (true, &mut item.patch),
        (true, &mut item.delete),
    ]
    .into_iter()
    .filter_map(|(is_write, operation)| operation.as_mut().map(|operation| (is_write, operation)))
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
             for a different request answers 409 `idempotency_key_reused`, and while the first \
             request runs, 409 `idempotency_key_in_progress`. 1 to 255 visible ASCII \
             characters, e.g. a UUID.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
        ))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(parameter));
}

/// A write that committed but is not yet visible in reads answers 202 `WriteAccepted`
/// (see `api/written.rs`); where the operation already answers 202 with a body, either.
fn add_write_accepted(operation: &mut Operation) {
    let accepted = Ref::from_schema_name("WriteAccepted");
    let description = "The change is committed but not yet visible in reads (the service's \
                       consumers are behind): `WriteAccepted` says where to read it shortly";
    let responses = &mut operation.responses.responses;
    let schema: RefOr<Schema> = match responses.get("202") {
        Some(RefOr::T(existing)) => {
            let own = existing
                .content
                .get("application/json")
                .and_then(|content| match content {
                    RefOr::T(content) => content.schema.clone(),
                    RefOr::Ref(_) => None,
                });
            match own {
                Some(own) => OneOfBuilder::new().item(own).item(accepted).into(),
                None => accepted.into(),
            }
        }
        _ => accepted.into(),
    };
    let response = ResponseBuilder::new()
        .description(match responses.get("202") {
            Some(RefOr::T(existing)) => format!(
                "{}; or, when not yet visible: {description}",
                existing.description
            ),
            _ => description.to_owned(),
        })
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .header(
            "Location",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("Where the written resource can be read"))
                .build(),
        )
        .build();
    responses.insert("202".to_owned(), RefOr::T(response));
}

fn describe_if_match(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter {
            if parameter.parameter_in == ParameterIn::Header && parameter.name == "If-Match" {
                parameter.schema = Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(IF_MATCH_PATTERN))
                        .examples(["\"3\""])
                        .into(),
                );
            }
        }
    }
}

fn has_if_match(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(parameter)
            if parameter.parameter_in == ParameterIn::Header && parameter.name == "If-Match")
    })
}

fn add_problem_responses(operation: &mut Operation, names_a_resource: bool, is_write: bool) {
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut problems = Vec::new();
    if has_parameters || has_body {
        problems.push((
            "400",
            "Malformed request: a bad id, query parameter or header, or a body that is not \
             JSON (`code` names it)",
        ));
    }
    problems.push((
        "401",
        "`unauthenticated`: no, a malformed, an unknown or a revoked bearer token",
    ));
    problems.push(("403", "`forbidden`: the token's role may not do this"));
    if names_a_resource {
        problems.push((
            "404",
            "`not_found`: no such resource (also for resources of tenants the token cannot see)",
        ));
    }
    if is_write {
        problems.push((
            "409",
            "A conflict with the current state: `concurrent_modification` (retry), \
             `idempotency_key_in_progress`, `idempotency_key_reused`, or the operation's own",
        ));
        problems.push(("413", "`payload_too_large`: the body is larger than 64 KiB"));
    }
    if has_if_match(operation) {
        problems.push((
            "412",
            "`version_mismatch`: If-Match named a version that is no longer current; the \
             current one is in `ETag`",
        ));
    }
    if has_body {
        problems.push((
            "415",
            "`unsupported_media_type`: the body is not application/json",
        ));
        problems.push((
            "422",
            "The body is valid JSON but not a valid request; `errors` names each field",
        ));
    }
    problems.push((
        "500",
        "`internal`: internal error; the body says nothing more, the logs do",
    ));
    problems.push((
        "503",
        "`service_unavailable`: the database is unavailable; retry after `Retry-After` seconds",
    ));
    for (status, description) in problems {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(status, description)));
    }
}

fn problem_response(status: &str, description: &str) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    let string = || ObjectBuilder::new().schema_type(Type::String);
    match status {
        "401" => {
            response = response.header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .schema(Some(string()))
                    .description(Some("`Bearer realm=\"tenantpilot\"`, with `error=\"invalid_token\"` for a bad token"))
                    .build(),
            )
        }
        "412" => {
            response = response.header(
                "ETag",
                HeaderBuilder::new()
                    .schema(Some(string()))
                    .description(Some("The current version"))
                    .build(),
            )
        }
        "503" => {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0)),
                    ))
                    .description(Some(format!(
                        "Seconds to wait before retrying (currently {RETRY_AFTER_SECONDS})"
                    )))
                    .build(),
            )
        }
        _ => {}
    }
    response.build()
}
