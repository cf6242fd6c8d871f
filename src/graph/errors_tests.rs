use super::*;

fn body(code: &str, message: &str) -> GraphErrorBody {
    GraphErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: Some("req-1".to_owned()),
        ..GraphErrorBody::default()
    }
}

#[test]
fn graph_error_bodies_keep_code_message_and_request_id() {
    let raw = br#"{"error":{"code":"Forbidden","message":"no","innerError":{"date":"2026-01-01T00:00:00","request-id":"abc","client-request-id":"def"}}}"#;
    let parsed = GraphErrorBody::parse(raw);
    let expected = GraphErrorBody {
        client_request_id: Some("def".to_owned()),
        date: Some("2026-01-01T00:00:00".to_owned()),
        ..body("Forbidden", "no").with_request_id("abc")
    };
    assert_eq!(parsed, expected);
    let error = graph_failure(403, parsed, "/deviceManagement/x");
    assert_eq!(
        error.support_details().as_deref(),
        Some("request-id abc, client-request-id def, date 2026-01-01T00:00:00")
    );
}

#[test]
fn the_mapping_branches_on_status_and_code_not_on_message_text() {
    // the same words under another status or code are not "Intune not provisioned"
    let text = "Request not applicable to target tenant.";
    assert_eq!(
        graph_failure(400, body("ResourceNotFound", text), "/deviceManagement/x").code,
        GraphErrorCode::UnsupportedQuery
    );
    assert_eq!(
        graph_failure(503, body("ServiceUnavailable", text), "/deviceManagement/x").code,
        GraphErrorCode::GraphUnavailable
    );
    // a 403 is a missing permission whatever its message says; the scope is only data
    let error = graph_failure(
        403,
        body("Forbidden", "Access denied"),
        "/deviceManagement/x",
    );
    assert_eq!(error.code, GraphErrorCode::PermissionMissing);
    assert_eq!(error.scope, None);
}

#[test]
fn a_body_that_is_not_json_is_kept_as_the_message() {
    let parsed = GraphErrorBody::parse(b"<html>Bad gateway</html>");
    assert_eq!(parsed.code, "");
    assert_eq!(parsed.message, "<html>Bad gateway</html>");
    assert_eq!(parsed.request_id, None);
}

#[test]
fn the_scope_is_read_from_a_403_message() {
    let message = "Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All - Operation ID (for customer support): 0000 - Activity ID: 1111";
    let error = graph_failure(403, body("Forbidden", message), "/deviceManagement/x");
    assert_eq!(error.code, GraphErrorCode::PermissionMissing);
    assert_eq!(
        error.scope.as_deref(),
        Some("DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All")
    );
    assert_eq!(error.request_id.as_deref(), Some("req-1"));
    assert_eq!(error.status, Some(403));
    assert!(error.message.contains(message));
}

#[test]
fn a_scope_at_the_end_of_the_message_is_read_too() {
    assert_eq!(
        scope_in(
            "Application must have one of the following scopes: DeviceManagementApps.Read.All."
        )
        .as_deref(),
        Some("DeviceManagementApps.Read.All")
    );
    assert_eq!(scope_in("Forbidden"), None);
}

#[test]
fn graph_answers_map_to_their_codes() {
    let cases = [
        (
            400,
            "BadRequest",
            "Request not applicable to target tenant.",
            "/deviceManagement/intents",
            GraphErrorCode::IntuneNotProvisioned,
        ),
        (
            401,
            "UnknownError",
            "",
            "/deviceManagement/intents",
            GraphErrorCode::IntuneLicenseInactive,
        ),
        (
            401,
            "UnknownError",
            "",
            "/deviceAppManagement/policySets",
            GraphErrorCode::Internal,
        ),
        (
            400,
            "BadRequest",
            "Invalid filter clause",
            "/deviceManagement/intents",
            GraphErrorCode::UnsupportedQuery,
        ),
        (429, "TooManyRequests", "", "/x", GraphErrorCode::Throttled),
        (
            503,
            "ServiceUnavailable",
            "",
            "/x",
            GraphErrorCode::GraphUnavailable,
        ),
        (409, "Conflict", "", "/x", GraphErrorCode::Internal),
    ];
    for (status, code, message, path, expected) in cases {
        assert_eq!(
            graph_failure(status, body(code, message), path).code,
            expected,
            "{status} {code}"
        );
    }
}

#[test]
fn not_found_and_expired_tokens_are_recognised() {
    assert!(is_not_found(404, &GraphErrorBody::default()));
    assert!(is_not_found(400, &body("ResourceNotFound", "")));
    assert!(!is_not_found(400, &body("BadRequest", "")));
    assert!(is_expired_token(
        401,
        &body("InvalidAuthenticationToken", "")
    ));
    assert!(!is_expired_token(401, &body("UnknownError", "")));
}

#[test]
fn login_failures_map_by_their_first_aadsts_code() {
    let cases = [
        (7000215, GraphErrorCode::AuthInvalidSecret),
        (7000222, GraphErrorCode::AuthSecretExpired),
        (700016, GraphErrorCode::AuthAppNotInTenant),
        (7000112, GraphErrorCode::AuthAppDisabled),
        (90002, GraphErrorCode::TenantNotFound),
        (50000, GraphErrorCode::Internal),
    ];
    for (aadsts, expected) in cases {
        // an `error` the OAuth fallback does not know: only the AADSTS code decides
        let raw = format!(
            r#"{{"error":"server_error","error_description":"AADSTS{aadsts}: text","error_codes":[{aadsts}],"trace_id":"trace-9","correlation_id":"c"}}"#
        );
        let error = login_failure(401, raw.as_bytes());
        assert_eq!(error.code, expected, "{aadsts}");
        assert_eq!(error.message, format!("AADSTS{aadsts}: text"));
        assert_eq!(error.request_id.as_deref(), Some("trace-9"));
    }
}

#[test]
fn an_unknown_aadsts_code_maps_by_the_oauth_error_field() {
    let cases = [
        ("invalid_client", 401, GraphErrorCode::AuthInvalidSecret),
        (
            "unauthorized_client",
            400,
            GraphErrorCode::AuthAppNotInTenant,
        ),
        ("invalid_request", 400, GraphErrorCode::TenantNotFound),
        (
            "temporarily_unavailable",
            400,
            GraphErrorCode::GraphUnavailable,
        ),
        ("invalid_scope", 400, GraphErrorCode::Internal),
    ];
    for (error, status, expected) in cases {
        let raw = format!(
            r#"{{"error":"{error}","error_description":"AADSTS7000218: text","error_codes":[7000218],"trace_id":"t","timestamp":"2026-12-07 10:00:00Z"}}"#
        );
        let failure = login_failure(status, raw.as_bytes());
        assert_eq!(failure.code, expected, "{error}");
        assert_eq!(failure.date.as_deref(), Some("2026-12-07 10:00:00Z"));
    }
    // a known AADSTS code wins over the field
    let raw = br#"{"error":"invalid_client","error_codes":[7000222]}"#;
    assert_eq!(
        login_failure(401, raw).code,
        GraphErrorCode::AuthSecretExpired
    );
}

#[test]
fn a_login_answer_that_is_not_json_is_unavailable_when_5xx() {
    assert_eq!(
        login_failure(502, b"oops").code,
        GraphErrorCode::GraphUnavailable
    );
    assert_eq!(login_failure(400, b"oops").code, GraphErrorCode::Internal);
}

impl GraphErrorBody {
    fn with_request_id(mut self, id: &str) -> Self {
        self.request_id = Some(id.to_owned());
        self
    }
}
