//! `openapi/openapi.json` is the committed contract; this test keeps it in step with the code.

use std::path::Path;

use serde_json::json;
use tenantpilot::api::error_codes::ErrorCode;

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = tenantpilot::api::openapi_document()
        .to_pretty_json()
        .expect("document renders")
        + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|value| value == "1") {
        std::fs::write(&path, &generated).expect("openapi.json written");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

#[test]
fn every_api_operation_documents_its_problem_responses() {
    let document = serde_json::to_value(tenantpilot::api::openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}"));
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if !path.starts_with("/api/") {
                assert_eq!(
                    operation["security"],
                    json!([]),
                    "{method} {path} is public"
                );
                continue;
            }
            let mut expected = vec!["401", "403", "500", "503"];
            if path.contains('{') {
                expected.extend(["400", "404"]);
            }
            if method != "get" {
                expected.extend(["400", "409", "413"]);
            }
            if operation.get("requestBody").is_some() {
                expected.extend(["415", "422"]);
            }
            for status in expected {
                let response = &responses[status];
                assert!(response.is_object(), "{method} {path} lacks {status}");
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[test]
fn the_document_lists_every_error_code() {
    let document = serde_json::to_value(tenantpilot::api::openapi_document()).unwrap();
    let listed: Vec<&str> = document["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    let table: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(listed, table);
    assert_eq!(
        document["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    assert_eq!(
        document["x-error-codes"].as_array().unwrap().len(),
        table.len()
    );
}

/// The query extractor refuses control characters in every value, so every free-text query
/// parameter must say so (a pattern), or schema-valid requests would be refused.
#[test]
fn every_free_text_query_parameter_documents_its_pattern() {
    let document = serde_json::to_value(tenantpilot::api::openapi_document()).unwrap();
    let mut unconstrained = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let schema = &parameter["schema"];
                let is_text = schema["type"] == "string"
                    || schema["type"]
                        .as_array()
                        .is_some_and(|types| types.contains(&json!("string")));
                let constrained = ["format", "enum", "pattern", "$ref"]
                    .iter()
                    .any(|key| schema.get(*key).is_some());
                if parameter["in"] == "query" && is_text && !constrained {
                    unconstrained.push(format!("{method} {path} ?{}", parameter["name"]));
                }
            }
        }
    }
    assert_eq!(unconstrained, Vec::<String>::new());
}
