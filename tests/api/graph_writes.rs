//! The Graph client's write side (restore) over real HTTP, against a small server that
//! stands in for the login and Graph and records every request: what each type's create,
//! update and assign send, secrets on the wire but sealed in the record, which failures a
//! write is retried after, the error codes, the write pacing, `find_created` and
//! `granted_roles`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use tenantpilot::config::SecretString;
use tenantpilot::graph::write::{RestoredSecret, SentRequest, SEALED};
use tenantpilot::graph::{GraphClient, GraphErrorCode, GraphSettings, TenantCredentials};
use uuid::Uuid;

/// One request the fake saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    body: Option<Value>,
    at: Instant,
}

impl Seen {
    fn is_token(&self) -> bool {
        self.uri.ends_with("/oauth2/v2.0/token")
    }
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

fn reply(status: u16, body: Option<Value>) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body,
    }
}

fn graph_error(status: u16, code: &str, message: &str) -> Reply {
    reply(
        status,
        Some(json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-12-07T12:00:00", "request-id": "req-7"}}})),
    )
}

type Responder = Box<dyn Fn(&Seen, usize) -> Option<Reply> + Send + Sync>;

#[derive(Default)]
struct State {
    seen: Mutex<Vec<Seen>>,
    responder: Mutex<Option<Responder>>,
    roles: Mutex<Vec<String>>,
}

struct FakeGraph {
    base: String,
    state: Arc<State>,
}

const CREATED_ID: &str = "9c7e0a4e-0000-4000-8000-000000000001";

impl FakeGraph {
    async fn start() -> Self {
        let state = Arc::new(State::default());
        *state.roles.lock().expect("roles") = vec![
            "DeviceManagementConfiguration.ReadWrite.All".to_owned(),
            "DeviceManagementRBAC.ReadWrite.All".to_owned(),
        ];
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(handle))
        })
        .workers(2)
        .bind(("127.0.0.1", 0))
        .expect("fake Graph binds");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// Answers first; `n` is how many Graph requests with the same method and URI came
    /// before this one.
    fn respond(&self, responder: impl Fn(&Seen, usize) -> Option<Reply> + Send + Sync + 'static) {
        *self.state.responder.lock().expect("responder") = Some(Box::new(responder));
    }

    fn writes(&self) -> Vec<Seen> {
        let seen = self.state.seen.lock().expect("seen").clone();
        seen.into_iter().filter(|seen| !seen.is_token()).collect()
    }

    fn client_with(&self, writes_per_20s: u32) -> GraphClient {
        let mut settings = GraphSettings::new(&self.base, &self.base);
        settings.requests_per_20s = 100_000;
        settings.writes_per_20s = writes_per_20s;
        settings.max_retry_wait = Duration::from_secs(5);
        GraphClient::new(settings).expect("client builds")
    }

    fn client(&self) -> GraphClient {
        self.client_with(100_000)
    }
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let seen = Seen {
        method: request.method().to_string(),
        uri: request.uri().to_string(),
        body: serde_json::from_slice(&body).ok(),
        at: Instant::now(),
    };
    let before = {
        let mut all = state.seen.lock().expect("seen");
        let before = all
            .iter()
            .filter(|s| s.method == seen.method && s.uri == seen.uri)
            .count();
        all.push(seen.clone());
        before
    };
    let answer = if seen.is_token() {
        token(&state.roles.lock().expect("roles"))
    } else {
        let custom = state
            .responder
            .lock()
            .expect("responder")
            .as_ref()
            .and_then(|respond| respond(&seen, before));
        custom.unwrap_or_else(|| graph_default(&seen))
    };
    let status = actix_web::http::StatusCode::from_u16(answer.status).expect("status");
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers {
        response.insert_header((name, value));
    }
    match answer.body {
        Some(body) => response
            .content_type("application/json")
            .body(body.to_string()),
        None => response.finish(),
    }
}

fn token(roles: &[String]) -> Reply {
    let jwt = format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"roles": roles}).to_string())
    );
    reply(
        200,
        Some(json!({"token_type": "Bearer", "expires_in": 3599, "access_token": jwt})),
    )
}

/// Graph's documented answers: a POST to a collection creates (201 with the object), an
/// action or PATCH / PUT answers 204.
fn graph_default(seen: &Seen) -> Reply {
    let path = seen.uri.split('?').next().unwrap_or_default();
    let is_collection = [
        "/deviceConfigurations",
        "/configurationPolicies",
        "/groupPolicyConfigurations",
        "/windowsAutopilotDeploymentProfiles",
    ]
    .iter()
    .any(|collection| path.ends_with(collection))
        || path.ends_with("/createInstance");
    match seen.method.as_str() {
        "POST" if is_collection => {
            let mut object = seen.body.clone().unwrap_or_else(|| json!({}));
            object["id"] = json!(CREATED_ID);
            object["createdDateTime"] = json!("2026-12-07T14:00:00.1234567Z");
            reply(201, Some(object))
        }
        "POST" | "PATCH" | "PUT" => reply(204, None),
        _ => graph_error(404, "ResourceNotFound", "Resource not found"),
    }
}

fn credentials() -> TenantCredentials {
    TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret: SecretString::new("s3cret~value"),
    }
}

const DM: &str = "/beta/deviceManagement";

fn custom_profile() -> Value {
    json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "id": "old-id",
        "createdDateTime": "2024-01-01T00:00:00Z", "lastModifiedDateTime": "2024-01-01T00:00:00Z",
        "version": 4, "supportsScopeTags": true, "displayName": "Wi-Fi PSK", "roleScopeTagIds": ["0"],
        "omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "PSK",
            "omaUri": "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml", "isEncrypted": true,
            "secretReferenceValueId": "ref-1", "value": "****"}],
        "assignments": [{"id": "a1", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]})
}

fn psk() -> Vec<RestoredSecret> {
    vec![RestoredSecret {
        path: "/omaSettings/0/value".into(),
        value: SecretString::new("correct horse battery staple"),
    }]
}

#[tokio::test]
async fn a_device_configuration_is_created_with_its_secret_in_plain_and_recorded_sealed() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let written = client
        .create_object(
            &credentials(),
            "deviceConfigurations",
            &custom_profile(),
            &psk(),
        )
        .await
        .expect("created");
    assert_eq!(written.target_id, CREATED_ID);
    let writes = graph.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.as_str(), writes[0].uri.as_str()),
        ("POST", "/beta/deviceManagement/deviceConfigurations")
    );
    let sent = writes[0].body.as_ref().expect("a JSON body");
    for never in [
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "version",
        "supportsScopeTags",
        "assignments",
    ] {
        assert!(sent.get(never).is_none(), "{never} was sent");
    }
    assert_eq!(
        sent["@odata.type"],
        "#microsoft.graph.windows10CustomConfiguration"
    );
    let setting = &sent["omaSettings"][0];
    assert_eq!(setting["value"], "correct horse battery staple");
    assert_eq!(setting["isEncrypted"], false);
    assert_eq!(setting["secretReferenceValueId"], Value::Null);
    // the record holds the same body with the secret sealed
    let mut expected = sent.clone();
    expected["omaSettings"][0]["value"] = json!(SEALED);
    assert_eq!(
        written.sent,
        [SentRequest {
            method: "POST".into(),
            path: "/deviceManagement/deviceConfigurations".into(),
            body: Some(expected),
        }]
    );
    assert!(!serde_json::to_string(&written.sent)
        .expect("json")
        .contains("battery"));
    assert_eq!(
        client.graph_requests(),
        1,
        "a write counts as a Graph request"
    );
}

#[tokio::test]
async fn settings_catalog_creates_with_settings_inline_and_updates_with_a_put() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let tenant = credentials();
    let policy = json!({"id": "p1", "name": "Edge", "platforms": "windows10", "technologies": "mdm",
        "settingCount": 1, "creationSource": null, "isAssigned": true, "roleScopeTagIds": ["0"],
        "settings": [{"id": "0", "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "edge_homepage", "choiceSettingValue": {"value": "edge_homepage_1", "children": []}}}]});
    let created = client
        .create_object(&tenant, "settingsCatalog", &policy, &[])
        .await
        .expect("created");
    let updated = client
        .update_object(
            &tenant,
            "settingsCatalog",
            "live-7",
            &policy,
            &json!({}),
            &[],
        )
        .await
        .expect("updated");
    let writes = graph.writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[0].uri, format!("{DM}/configurationPolicies"));
    assert_eq!(
        (writes[1].method.as_str(), writes[1].uri.as_str()),
        ("PUT", "/beta/deviceManagement/configurationPolicies/live-7")
    );
    for write in &writes {
        let body = write.body.as_ref().expect("body");
        assert!(body.get("settingCount").is_none() && body.get("creationSource").is_none());
        assert_eq!(
            body["settings"][0]["@odata.type"],
            "#microsoft.graph.deviceManagementConfigurationSetting"
        );
        assert!(body["settings"][0].get("id").is_none());
        assert_eq!(
            body["settings"][0]["settingInstance"]["settingDefinitionId"],
            "edge_homepage"
        );
    }
    assert_eq!(created.target_id, CREATED_ID);
    assert_eq!(updated.target_id, "live-7");
    assert_eq!(updated.sent[0].method, "PUT");
}

#[tokio::test]
async fn an_administrative_template_is_created_then_its_values_bound() {
    let graph = FakeGraph::start().await;
    let template = json!({"id": "g1", "displayName": "Edge ADMX", "description": "", "roleScopeTagIds": ["0"],
        "policyConfigurationIngestionType": "builtIn",
        "definitionValues": [{"id": "v1", "enabled": true, "configurationType": "policy",
            "definition": {"id": "def-1", "displayName": "Home page"},
            "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "id": "pv1",
                "value": "https://intranet", "presentation": {"id": "pres-1", "label": "URL"}}]}]});
    let written = graph
        .client()
        .create_object(&credentials(), "administrativeTemplates", &template, &[])
        .await
        .expect("created");
    let writes = graph.writes();
    let uris: Vec<_> = writes
        .iter()
        .map(|w| (w.method.as_str(), w.uri.as_str()))
        .collect();
    let values_uri = format!("{DM}/groupPolicyConfigurations/{CREATED_ID}/updateDefinitionValues");
    assert_eq!(
        uris,
        [
            ("POST", "/beta/deviceManagement/groupPolicyConfigurations"),
            ("POST", values_uri.as_str())
        ]
    );
    assert_eq!(
        writes[0].body,
        Some(json!({"displayName": "Edge ADMX", "description": "", "roleScopeTagIds": ["0"]}))
    );
    let definition =
        "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('def-1')";
    assert_eq!(
        writes[1].body,
        Some(
            json!({"added": [{"enabled": true, "definition@odata.bind": definition,
            "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                "value": "https://intranet", "presentation@odata.bind": format!("{definition}/presentations('pres-1')")}]}],
            "updated": [], "deletedIds": []})
        )
    );
    assert_eq!(written.sent.len(), 2);
}

#[tokio::test]
async fn assignments_replace_the_list_with_targets_only_at_each_types_endpoint() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let tenant = credentials();
    let group = json!({"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g-new",
        "deviceAndAppManagementAssignmentFilterId": "f-new", "deviceAndAppManagementAssignmentFilterType": "include"});
    let assignments = [
        json!({"id": "a1", "source": "direct", "sourceId": "p", "target": group,
        "runRemediationScript": true, "runSchedule": {"@odata.type": "#microsoft.graph.deviceHealthScriptRunOnceSchedule", "date": "2026-12-08"}}),
    ];
    client
        .assign_object(&tenant, "deviceConfigurations", "d1", &assignments, &[])
        .await
        .expect("assigned");
    client
        .assign_object(&tenant, "remediations", "r1", &assignments, &[])
        .await
        .expect("assigned");
    client
        .assign_object(&tenant, "appConfigManagedDevices", "m1", &[], &[])
        .await
        .expect("assigned");
    let none = client
        .assign_object(&tenant, "assignmentFilters", "f1", &assignments, &[])
        .await
        .expect("no-op");
    assert!(none.sent.is_empty());
    let writes = graph.writes();
    let seen: Vec<_> = writes
        .iter()
        .map(|w| (w.uri.as_str(), w.body.clone().expect("body")))
        .collect();
    assert_eq!(
        seen,
        [
            ("/beta/deviceManagement/deviceConfigurations/d1/assign", json!({"assignments": [{"target": group}]})),
            (
                "/beta/deviceManagement/deviceHealthScripts/r1/assign",
                json!({"deviceHealthScriptAssignments": [{"target": group, "runRemediationScript": true,
                    "runSchedule": {"@odata.type": "#microsoft.graph.deviceHealthScriptRunOnceSchedule", "date": "2026-12-08"}}]})
            ),
            (
                "/beta/deviceAppManagement/mobileAppConfigurations/m1/microsoft.graph.managedDeviceMobileAppConfiguration/assign",
                json!({"assignments": []})
            ),
        ]
    );
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_5xx_but_is_after_a_429() {
    let graph = FakeGraph::start().await;
    graph.respond(|seen, before| match (seen.method.as_str(), before) {
        ("POST", 0) if seen.uri.ends_with("/deviceConfigurations") => {
            Some(graph_error(503, "ServiceUnavailable", "try later"))
        }
        _ => None,
    });
    let tenant = credentials();
    let client = graph.client();
    let error = client
        .create_object(&tenant, "deviceConfigurations", &custom_profile(), &psk())
        .await
        .expect_err("not retried");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert!(
        error.message.contains("may have been carried out"),
        "{}",
        error.message
    );
    assert_eq!(graph.writes().len(), 1, "the POST was sent once");
    assert!(!error.message.contains("battery"));

    let graph = FakeGraph::start().await;
    graph.respond(|seen, before| match (seen.method.as_str(), before) {
        ("POST", 0) => Some(Reply {
            headers: vec![("Retry-After", "0".to_owned())],
            ..graph_error(429, "TooManyRequests", "slow down")
        }),
        _ => None,
    });
    let written = graph
        .client()
        .create_object(&tenant, "deviceConfigurations", &custom_profile(), &psk())
        .await
        .expect("created after the 429");
    assert_eq!(written.target_id, CREATED_ID);
    assert_eq!(graph.writes().len(), 2);
}

#[tokio::test]
async fn a_create_that_gets_no_answer_is_not_retried() {
    let graph = FakeGraph::start().await;
    graph.respond(|seen, _| {
        // slower than the client waits: Graph may still carry the POST out
        (seen.method == "POST").then(|| {
            std::thread::sleep(Duration::from_millis(1_500));
            reply(201, Some(json!({"id": "late"})))
        })
    });
    let mut settings = GraphSettings::new(&graph.base, &graph.base);
    settings.request_timeout = Duration::from_millis(500);
    let client = GraphClient::new(settings).expect("client");
    let error = client
        .create_object(
            &credentials(),
            "deviceConfigurations",
            &custom_profile(),
            &psk(),
        )
        .await
        .expect_err("timed out");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert!(
        error.message.contains("may have been carried out"),
        "{}",
        error.message
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(graph.writes().len(), 1);
}

#[tokio::test]
async fn updates_and_assignments_are_retried_after_gateway_failures() {
    let graph = FakeGraph::start().await;
    graph.respond(|seen, before| match (seen.method.as_str(), before) {
        ("PATCH", 0) => Some(graph_error(502, "BadGateway", "gateway")),
        ("PATCH", 1) => Some(graph_error(504, "GatewayTimeout", "gateway")),
        ("POST", 0) => Some(graph_error(503, "ServiceUnavailable", "busy")),
        _ => None,
    });
    let tenant = credentials();
    let client = graph.client();
    let started = Instant::now();
    client
        .update_object(
            &tenant,
            "powershellScripts",
            "s1",
            &json!({"displayName": "Fix", "scriptContent": "V3JpdGUtSG9zdA=="}),
            &json!({}),
            &[],
        )
        .await
        .expect("updated after two gateway failures");
    client
        .assign_object(&tenant, "powershellScripts", "s1", &[], &[])
        .await
        .expect("assigned after a 503");
    let methods: Vec<_> = graph.writes().iter().map(|w| w.method.clone()).collect();
    assert_eq!(methods, ["PATCH", "PATCH", "PATCH", "POST", "POST"]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn refusals_map_to_graph_rejected_and_permission_missing() {
    let graph = FakeGraph::start().await;
    graph.respond(|seen, _| {
        if seen.uri.contains("/roleScopeTags") {
            return Some(graph_error(403, "Forbidden",
                "Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementRBAC.ReadWrite.All"));
        }
        Some(graph_error(400, "BadRequest", "Cannot PATCH navigation property 'settings'"))
    });
    let tenant = credentials();
    let client = graph.client();
    let rejected = client
        .update_object(
            &tenant,
            "deviceConfigurations",
            "d1",
            &json!({"displayName": "x"}),
            &json!({}),
            &[],
        )
        .await
        .expect_err("rejected");
    assert_eq!(rejected.code, GraphErrorCode::GraphRejected);
    assert_eq!(rejected.status, Some(400));
    assert_eq!(rejected.request_id.as_deref(), Some("req-7"));
    assert!(
        rejected
            .message
            .contains("Cannot PATCH navigation property"),
        "{}",
        rejected.message
    );
    let forbidden = client
        .create_object(&tenant, "scopeTags", &json!({"displayName": "Paris"}), &[])
        .await
        .expect_err("forbidden");
    assert_eq!(forbidden.code, GraphErrorCode::PermissionMissing);
    assert_eq!(
        forbidden.scope.as_deref(),
        Some("DeviceManagementRBAC.ReadWrite.All")
    );
    // each refusal was sent once: neither is retried
    assert_eq!(graph.writes().len(), 2);
}

#[tokio::test]
async fn writes_are_paced_on_their_own_bucket() {
    let graph = FakeGraph::start().await;
    // 40 writes per 20 s: one every 500 ms after a burst of 2
    let client = graph.client_with(40);
    let tenant = credentials();
    let body = json!({"displayName": "x"});
    for n in 0..5 {
        client
            .update_object(
                &tenant,
                "featureUpdates",
                &format!("f{n}"),
                &body,
                &json!({}),
                &[],
            )
            .await
            .expect("updated");
    }
    let writes = graph.writes();
    let spread = writes[4].at - writes[0].at;
    assert!(spread >= Duration::from_millis(1_400), "{spread:?}");
    // reads are not held up by the write bucket
    let started = Instant::now();
    let _ = client
        .find_created(&tenant, "featureUpdates", "x", chrono::Utc::now())
        .await;
    assert!(started.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn created_objects_are_found_by_name_and_time_and_roles_read_from_the_token() {
    let graph = FakeGraph::start().await;
    graph.respond(|seen, _| {
        (seen.method == "GET").then(|| {
            reply(200, Some(json!({"value": [
                {"id": "before", "name": "Edge", "createdDateTime": "2026-12-07T13:59:00Z"},
                {"id": "after", "name": "Edge", "createdDateTime": "2026-12-07T14:00:01.5000000Z"},
                {"id": "other", "name": "Chrome", "createdDateTime": "2026-12-07T14:00:01Z"},
            ]})))
        })
    });
    let tenant = credentials();
    let client = graph.client();
    let since = "2026-12-07T14:00:00Z".parse().expect("time");
    let found = client
        .find_created(&tenant, "settingsCatalog", "Edge", since)
        .await
        .expect("listed");
    assert_eq!(found, ["after"]);
    let get = graph
        .writes()
        .into_iter()
        .find(|w| w.method == "GET")
        .expect("a list");
    assert!(
        get.uri.starts_with(
            "/beta/deviceManagement/configurationPolicies?$select=id,name,createdDateTime"
        ),
        "{}",
        get.uri
    );
    let roles = client.granted_roles(&tenant).await.expect("roles");
    assert_eq!(
        roles,
        [
            "DeviceManagementConfiguration.ReadWrite.All",
            "DeviceManagementRBAC.ReadWrite.All"
        ]
    );
}
