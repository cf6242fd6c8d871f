//! Error bodies as Microsoft writes them: Graph's `{"error":{code,message,innerError}}` with
//! `request-id` headers, and the login endpoint's AADSTS bodies.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// The ids Graph puts on every answer: its own `request-id`, and the caller's
/// `client-request-id` echoed (or made up).
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

impl RequestIds {
    pub fn new(client_request_id: Option<&str>) -> Self {
        Self {
            request_id: Uuid::new_v4().to_string(),
            client_request_id: client_request_id
                .map(str::to_owned)
                .unwrap_or_else(|| Uuid::new_v4().to_string()),
        }
    }

    /// A response builder with Graph's headers set.
    pub fn response(&self, status: StatusCode) -> actix_web::HttpResponseBuilder {
        let mut builder = HttpResponse::build(status);
        builder
            .insert_header(("request-id", self.request_id.as_str()))
            .insert_header(("client-request-id", self.client_request_id.as_str()))
            .insert_header((
                "x-ms-ags-diagnostic",
                r#"{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"SIM"}}"#,
            ));
        builder
    }

    /// A JSON body with Graph's OData content type.
    pub fn json(&self, status: StatusCode, body: &Value) -> HttpResponse {
        self.json_text(status, body.to_string())
    }

    /// The same, for a body already serialized.
    pub fn json_text(&self, status: StatusCode, body: String) -> HttpResponse {
        self.response(status).content_type(ODATA_JSON).body(body)
    }

    /// Graph's error body.
    pub fn error(&self, status: StatusCode, code: &str, message: &str) -> HttpResponse {
        let body = json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
                    "request-id": self.request_id,
                    "client-request-id": self.client_request_id,
                }
            }
        });
        self.json(status, &body)
    }
}

/// Intune's wrapped message style (a JSON document inside Graph's `message`).
pub fn intune_message(message: &str, url: &str) -> String {
    format!(
        "{{\r\n  \"_version\": 3,\r\n  \"Message\": \"{message} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: {activity} - Url: https://fef.msua06.manage.microsoft.com{url}\",\r\n  \"CustomApiErrorPhrase\": \"\",\r\n  \"RetryAfter\": null,\r\n  \"ErrorSourceService\": \"\",\r\n  \"HttpHeaders\": \"{{}}\"\r\n}}",
        activity = Uuid::new_v4()
    )
}

/// The login endpoint's error: status, `error`, and the description for an AADSTS code.
pub fn aadsts(code: u32, tenant: &str, client_id: &str, detail: &str) -> HttpResponse {
    let (status, error, text) = match code {
        7_000_215 => (StatusCode::UNAUTHORIZED, "invalid_client", format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")),
        7_000_222 => (StatusCode::UNAUTHORIZED, "invalid_client", format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")),
        7_000_218 => (StatusCode::UNAUTHORIZED, "invalid_client", "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_owned()),
        700_016 => (StatusCode::BAD_REQUEST, "unauthorized_client", format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")),
        7_000_112 => (StatusCode::BAD_REQUEST, "unauthorized_client", format!("Application '{client_id}'(TenantPilot backup) is disabled.")),
        90_002 => (StatusCode::BAD_REQUEST, "invalid_request", format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")),
        70_003 => (StatusCode::BAD_REQUEST, "unsupported_grant_type", format!("The app requested an unsupported grant type '{detail}'.")),
        1_002_012 => (StatusCode::BAD_REQUEST, "invalid_scope", format!("The provided value for scope {detail} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")),
        _ => (StatusCode::BAD_REQUEST, "invalid_request", format!("The request body must contain the following parameter: '{detail}'.")),
    };
    let trace_id = Uuid::new_v4();
    let correlation_id = Uuid::new_v4();
    let timestamp = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    HttpResponse::build(status)
        .insert_header(("x-ms-request-id", trace_id.to_string()))
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

/// The AADSTS code for a missing form parameter.
pub const MISSING_PARAMETER: u32 = 900_144;
pub const UNSUPPORTED_GRANT: u32 = 70_003;
pub const INVALID_SCOPE: u32 = 1_002_012;
