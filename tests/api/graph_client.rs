//! The Graph client against a small real HTTP server standing in for the login and Graph:
//! tokens, paging, retries, error mapping, concurrency, pacing and the per-type reads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use tenantpilot::config::SecretString;
use tenantpilot::graph::{
    FetchedType, GraphClient, GraphErrorCode, GraphSettings, TenantCredentials,
};
use uuid::Uuid;

/// One request the fake saw.
#[derive(Debug, Clone)]
struct Seen {
    uri: String,
    body: String,
    at: Instant,
}

impl Seen {
    fn is_token(&self) -> bool {
        self.uri.ends_with("/oauth2/v2.0/token")
    }
}

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

impl Answer {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

fn graph_error(status: u16, code: &str, message: &str) -> Answer {
    let body = json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2026-06-01T12:00:00", "request-id": "req-42"}}});
    answer(status, body)
}

type Override = Box<dyn Fn(&Seen) -> Option<Answer> + Send + Sync>;

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Value>>,
    overrides: Mutex<Option<Override>>,
    seen: Mutex<Vec<Seen>>,
    tokens_issued: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    delay: Mutex<Duration>,
}

/// The login and Graph in one local server: token requests get a token with roles, Graph
/// requests the JSON routed for their exact URI (else 404), unless the test's override
/// answers first.
struct FakeGraph {
    base: String,
    state: Arc<State>,
}

impl FakeGraph {
    async fn start() -> Self {
        let state = Arc::new(State::default());
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

    fn route(&self, uri: &str, body: Value) {
        let mut routes = self.state.routes.lock().expect("routes");
        routes.insert(uri.to_owned(), body);
    }

    /// A collection served in pages of `size`, linked by absolute nextLinks.
    fn route_pages(&self, uri: &str, items: Vec<Value>, size: usize) {
        let pages: Vec<_> = items.chunks(size).map(<[Value]>::to_vec).collect();
        let count = pages.len().max(1);
        for index in 0..count {
            let page_uri = if index == 0 {
                uri.to_owned()
            } else {
                let joiner = if uri.contains('?') { '&' } else { '?' };
                format!("{uri}{joiner}$skiptoken=page{index}%3D%3D")
            };
            let mut body = json!({"value": pages.get(index).cloned().unwrap_or_default()});
            if index + 1 < count {
                let joiner = if uri.contains('?') { '&' } else { '?' };
                let next = format!(
                    "{}{uri}{joiner}$skiptoken=page{}%3D%3D",
                    self.base,
                    index + 1
                );
                body["@odata.nextLink"] = json!(next);
            }
            self.route(&page_uri, body);
        }
    }

    fn answer_first(&self, answer: impl Fn(&Seen) -> Option<Answer> + Send + Sync + 'static) {
        *self.state.overrides.lock().expect("overrides") = Some(Box::new(answer));
    }

    fn delay_graph(&self, delay: Duration) {
        *self.state.delay.lock().expect("delay") = delay;
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen").clone()
    }

    fn graph_uris(&self) -> Vec<String> {
        let seen = self.seen().into_iter().filter(|seen| !seen.is_token());
        seen.map(|seen| seen.uri).collect()
    }

    fn settings(&self) -> GraphSettings {
        let mut settings = GraphSettings::new(&self.base, &self.base);
        settings.max_retry_wait = Duration::from_secs(10);
        settings.requests_per_20s = 100_000;
        settings
    }

    fn client(&self) -> GraphClient {
        GraphClient::new(self.settings()).expect("client builds")
    }

    /// Everything of `key`, read by a fresh client; the test fails if the read does.
    async fn fetched(&self, key: &str) -> FetchedType {
        self.client()
            .fetch(&credentials(), key)
            .await
            .expect("fetched")
    }
}

/// The Graph ids read, in order.
fn ids_of(fetched: &FetchedType) -> Vec<&str> {
    fetched
        .objects
        .iter()
        .map(|object| object.graph_id.as_str())
        .collect()
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let seen = Seen {
        uri: without_top(&request.uri().to_string()),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    state.seen.lock().expect("seen").push(seen.clone());
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let delay = *state.delay.lock().expect("delay");
    if !seen.is_token() && !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let overridden = state
        .overrides
        .lock()
        .expect("overrides")
        .as_ref()
        .and_then(|answer| answer(&seen));
    let reply = overridden.unwrap_or_else(|| default_answer(&state, &seen));
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let status = actix_web::http::StatusCode::from_u16(reply.status).expect("status");
    let mut response = HttpResponse::build(status);
    response.content_type("application/json");
    for (name, value) in reply.headers {
        response.insert_header((name, value));
    }
    response.body(reply.body)
}

/// The URI without its `$top`: the fake ignores the page size the client asks for, one of
/// the behaviours concepts/paging.md allows ("the requested page size might be ignored"),
/// so the client must read whole collections whatever page size it gets.
fn without_top(uri: &str) -> String {
    let Some((path, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|part| !part.starts_with("$top=") && !part.starts_with("%24top="))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

fn default_answer(state: &State, seen: &Seen) -> Answer {
    if seen.is_token() {
        let issued = state.tokens_issued.fetch_add(1, Ordering::SeqCst);
        return token_answer(
            json!({"roles": ["DeviceManagementConfiguration.Read.All"], "n": issued}),
        );
    }
    match state.routes.lock().expect("routes").get(&seen.uri) {
        Some(body) => answer(200, body.clone()),
        None => graph_error(404, "ResourceNotFound", "Resource not found"),
    }
}

fn token_answer(claims: Value) -> Answer {
    let jwt = format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    answer(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": jwt}),
    )
}

fn credentials() -> TenantCredentials {
    TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret: SecretString::new("s3cret~value"),
    }
}

fn objects(prefix: &str, count: usize) -> Vec<Value> {
    (0..count)
        .map(|n| json!({"id": format!("{prefix}{n}"), "displayName": format!("{prefix} {n}")}))
        .collect()
}

const DM: &str = "/beta/deviceManagement";

#[tokio::test]
async fn a_hundred_concurrent_checks_make_one_token_request() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let tenant = credentials();
    let checks = (0..100).map(|_| {
        let (client, tenant) = (client.clone(), tenant.clone());
        tokio::spawn(async move { client.check_access(&tenant).await })
    });
    for check in futures_util::future::join_all(checks).await {
        check.expect("task").expect("access");
    }
    assert_eq!(client.token_requests(), 1);
    let seen = graph.seen();
    assert_eq!(seen.len(), 1);
    let form: HashMap<String, String> = form_urlencoded::parse(seen[0].body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        seen[0].uri,
        format!("/{}/oauth2/v2.0/token", tenant.azure_tenant_id)
    );
    assert_eq!(form["scope"], "https://graph.microsoft.com/.default");
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], tenant.client_id.to_string());
    assert_eq!(form["client_secret"], "s3cret~value");
    // Another tenant gets its own token.
    client.check_access(&credentials()).await.expect("access");
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test]
async fn a_token_without_roles_means_consent_is_missing() {
    let graph = FakeGraph::start().await;
    graph.answer_first(|seen| {
        seen.is_token()
            .then(|| token_answer(json!({"aud": "graph"})))
    });
    let error = graph
        .client()
        .check_access(&credentials())
        .await
        .expect_err("no roles");
    assert_eq!(error.code, GraphErrorCode::ConsentMissing);
}

#[tokio::test]
async fn login_failures_map_by_their_aadsts_code_without_the_secret() {
    let graph = FakeGraph::start().await;
    // The Entra tenant id in the token URL names the AADSTS code the fake answers with.
    graph.answer_first(|seen| {
        let azure_tenant = seen.uri.split('/').nth(1)?.parse::<Uuid>().ok()?;
        let code = azure_tenant.as_u128();
        Some(answer(
            401,
            json!({"error": "invalid_client", "error_description": format!("AADSTS{code}: it failed."),
                "error_codes": [code], "trace_id": "trace-7", "correlation_id": "c"}),
        ))
    });
    let client = graph.client();
    let cases = [
        (7000215, GraphErrorCode::AuthInvalidSecret),
        (7000222, GraphErrorCode::AuthSecretExpired),
        (700016, GraphErrorCode::AuthAppNotInTenant),
        (7000112, GraphErrorCode::AuthAppDisabled),
        (90002, GraphErrorCode::TenantNotFound),
    ];
    for (aadsts, expected) in cases {
        let tenant = TenantCredentials {
            azure_tenant_id: Uuid::from_u128(aadsts),
            ..credentials()
        };
        let error = client.check_access(&tenant).await.expect_err("login fails");
        assert_eq!(error.code, expected, "AADSTS{aadsts}");
        assert_eq!(error.message, format!("AADSTS{aadsts}: it failed."));
        assert_eq!(error.request_id.as_deref(), Some("trace-7"));
        assert!(
            !format!("{error:?} {error}").contains("s3cret"),
            "the secret leaked"
        );
    }
    // Login refusals are final: not retried.
    assert_eq!(client.token_requests(), 5);
}

#[tokio::test]
async fn next_links_are_followed_verbatim_over_every_page() {
    let graph = FakeGraph::start().await;
    let list = format!("{DM}/assignmentFilters");
    graph.route_pages(&list, objects("dc", 7), 3);
    let fetched = graph.fetched("assignmentFilters").await;
    let ids = ids_of(&fetched);
    assert_eq!(ids, ["dc0", "dc1", "dc2", "dc3", "dc4", "dc5", "dc6"]);
    assert_eq!(fetched.objects[2].display_name, "dc 2");
    assert_eq!(
        graph.graph_uris(),
        [
            list.clone(),
            format!("{list}?$skiptoken=page1%3D%3D"),
            format!("{list}?$skiptoken=page2%3D%3D")
        ]
    );
}

#[tokio::test]
async fn settings_catalog_reads_every_settings_page_and_checks_the_count() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/configurationPolicies");
    graph.route(
        &path,
        json!({"value": [{"id": "p1", "name": "Baseline", "settingCount": 60},
                         {"id": "p2", "name": "Short", "settingCount": 3}]}),
    );
    // p1's expansion is cut short (25 of 60, no link): settingCount proves it, and the
    // settings are read again, every page; p2's count does not add up even then
    let mut first = objects("s", 60);
    first.truncate(25);
    graph.route(
        &format!("{path}/p1?$expand=settings"),
        json!({"id": "p1", "name": "Baseline", "settingCount": 60, "settings": first}),
    );
    graph.route(
        &format!("{path}/p2?$expand=settings"),
        json!({"id": "p2", "name": "Short", "settingCount": 3, "settings": objects("t", 2)}),
    );
    graph.route_pages(&format!("{path}/p1/settings"), objects("s", 60), 25);
    graph.route_pages(&format!("{path}/p2/settings"), objects("t", 2), 25);
    for id in ["p1", "p2"] {
        graph.route(
            &format!("{path}/{id}/assignments"),
            json!({"value": [{"id": "a", "target": {}}]}),
        );
    }
    let fetched = graph.fetched("settingsCatalog").await;
    let baseline = &fetched.objects[0].content.to_value();
    assert_eq!(baseline["settings"].as_array().map(Vec::len), Some(60));
    assert_eq!(baseline["settings"][59]["id"], "s59");
    assert_eq!(baseline["assignments"][0]["id"], "a");
    assert_eq!(fetched.objects[0].display_name, "Baseline");
    // a count that does not add up: kept, and reported incomplete
    assert_eq!(fetched.objects.len(), 2);
    assert_eq!((fetched.listed, fetched.whole()), (2, 1));
    assert_eq!(fetched.incomplete[0].graph_id, "p2");
    assert_eq!(fetched.incomplete[0].display_name, "Short");
    assert_eq!(
        fetched.incomplete[0].reason,
        "settingCount is 3 but 2 settings were read"
    );
    let settings_pages = graph
        .graph_uris()
        .iter()
        .filter(|uri| uri.starts_with(&format!("{path}/p1/settings")))
        .count();
    assert_eq!(settings_pages, 3);
}

/// Answers `failure` to Graph requests for the first `times` of them.
fn fail_first(
    graph: &FakeGraph,
    times: usize,
    failure: impl Fn() -> Answer + Send + Sync + 'static,
) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    graph.answer_first(move |seen| {
        if seen.is_token() {
            return None;
        }
        (counter.fetch_add(1, Ordering::SeqCst) < times).then(&failure)
    });
    count
}

#[tokio::test]
async fn throttling_is_waited_out_as_retry_after_says() {
    let graph = FakeGraph::start().await;
    graph.route(
        &format!("{DM}/assignmentFilters"),
        json!({"value": objects("f", 1)}),
    );
    let count = fail_first(&graph, 2, || {
        graph_error(429, "TooManyRequests", "slow down").header("Retry-After", "1")
    });
    let started = Instant::now();
    let fetched = graph.fetched("assignmentFilters").await;
    assert_eq!(fetched.objects.len(), 1);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn a_503_is_retried_with_backoff() {
    let graph = FakeGraph::start().await;
    graph.route(
        &format!("{DM}/assignmentFilters"),
        json!({"value": objects("filter", 2)}),
    );
    let count = fail_first(&graph, 1, || graph_error(503, "ServiceUnavailable", "busy"));
    let fetched = graph.fetched("assignmentFilters").await;
    assert_eq!(fetched.objects.len(), 2);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retries_end_in_throttled_or_graph_unavailable() {
    let graph = FakeGraph::start().await;
    let mut settings = graph.settings();
    settings.max_attempts = 3;
    let client = GraphClient::new(settings).expect("client");
    let count = fail_first(&graph, usize::MAX, || {
        graph_error(429, "TooManyRequests", "slow down").header("Retry-After", "0")
    });
    let error = client
        .fetch(&credentials(), "scopeTags")
        .await
        .expect_err("throttled");
    assert_eq!(error.code, GraphErrorCode::Throttled);
    assert_eq!(error.request_id.as_deref(), Some("req-42"));
    assert_eq!(count.load(Ordering::SeqCst), 3);

    fail_first(&graph, usize::MAX, || {
        graph_error(504, "GatewayTimeout", "gateway").header("Retry-After", "0")
    });
    let error = client
        .fetch(&credentials(), "scopeTags")
        .await
        .expect_err("unavailable");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert_eq!(error.status, Some(504));
    // A Retry-After beyond the wait budget ends the retries at once.
    let count = fail_first(&graph, usize::MAX, || {
        graph_error(503, "ServiceUnavailable", "x").header("Retry-After", "3600")
    });
    let error = client
        .fetch(&credentials(), "scopeTags")
        .await
        .expect_err("unavailable");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let graph = FakeGraph::start().await;
    graph.route(
        &format!("{DM}/assignmentFilters"),
        json!({"value": objects("filter", 1)}),
    );
    let client = graph.client();
    let tenant = credentials();
    client.check_access(&tenant).await.expect("access");
    fail_first(&graph, 1, || {
        graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired.",
        )
    });
    client
        .fetch(&tenant, "assignmentFilters")
        .await
        .expect("fetched after a refresh");
    assert_eq!(client.token_requests(), 2);

    fail_first(&graph, usize::MAX, || {
        graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired.",
        )
    });
    let error = client
        .fetch(&tenant, "assignmentFilters")
        .await
        .expect_err("refused twice");
    assert_eq!(error.status, Some(401));
    assert_eq!(client.token_requests(), 3);
    assert_eq!(client.graph_requests(), 2 + 2);
}

#[tokio::test]
async fn graph_failures_map_to_their_codes() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let scope_message = "Application must have one of the following scopes: DeviceManagementApps.Read.All - Operation ID: 1";
    fail_first(&graph, usize::MAX, move || {
        graph_error(403, "Forbidden", scope_message)
    });
    let error = client
        .fetch(&credentials(), "policySets")
        .await
        .expect_err("forbidden");
    assert_eq!(error.code, GraphErrorCode::PermissionMissing);
    assert_eq!(
        error.scope.as_deref(),
        Some("DeviceManagementApps.Read.All")
    );
    assert_eq!(error.request_id.as_deref(), Some("req-42"));
    assert!(error.message.contains(scope_message));

    fail_first(&graph, usize::MAX, || {
        graph_error(
            400,
            "BadRequest",
            "Request not applicable to target tenant.",
        )
    });
    let error = client
        .fetch(&credentials(), "deviceConfigurations")
        .await
        .expect_err("not provisioned");
    assert_eq!(error.code, GraphErrorCode::IntuneNotProvisioned);

    fail_first(&graph, usize::MAX, || graph_error(401, "UnknownError", ""));
    let error = client
        .fetch(&credentials(), "deviceConfigurations")
        .await
        .expect_err("licence");
    assert_eq!(error.code, GraphErrorCode::IntuneLicenseInactive);

    fail_first(&graph, usize::MAX, || {
        graph_error(400, "BadRequest", "Invalid $expand")
    });
    let error = client
        .fetch(&credentials(), "deviceConfigurations")
        .await
        .expect_err("query");
    assert_eq!(error.code, GraphErrorCode::UnsupportedQuery);

    // The request id comes from the header when the body has none.
    fail_first(&graph, usize::MAX, || {
        answer(
            403,
            json!({"error": {"code": "Forbidden", "message": "no"}}),
        )
        .header("request-id", "hdr-1")
    });
    let error = client
        .fetch(&credentials(), "deviceConfigurations")
        .await
        .expect_err("forbidden");
    assert_eq!(error.request_id.as_deref(), Some("hdr-1"));

    fail_first(&graph, usize::MAX, || Answer {
        status: 200,
        headers: Vec::new(),
        body: "{not json".to_owned(),
    });
    let error = client
        .fetch(&credentials(), "deviceConfigurations")
        .await
        .expect_err("malformed");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);

    let error = client
        .fetch(&credentials(), "noSuchType")
        .await
        .expect_err("unknown");
    assert_eq!(error.code, GraphErrorCode::Internal);
}

#[tokio::test]
async fn objects_deleted_between_list_and_detail_are_skipped_and_a_missing_child_keeps_its_object()
{
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/deviceManagementScripts");
    graph.route(&path, json!({"value": objects("ps", 3)}));
    graph.route(
        &format!("{path}/ps0"),
        json!({"id": "ps0", "scriptContent": "V3JpdGUtSG9zdA=="}),
    );
    graph.route(&format!("{path}/ps0/assignments"), json!({"value": []}));
    // ps1: the detail answers 404 (the fake's default).
    graph.route(
        &format!("{path}/ps2"),
        json!({"id": "ps2", "scriptContent": ""}),
    );
    graph.answer_first(|seen| {
        seen.uri
            .ends_with("/ps2/assignments")
            .then(|| graph_error(400, "ResourceNotFound", "gone"))
    });
    let fetched = graph.fetched("powershellScripts").await;
    assert_eq!(ids_of(&fetched), ["ps0", "ps2"]);
    assert_eq!(
        fetched.objects[0].content.to_value()["scriptContent"],
        "V3JpdGUtSG9zdA=="
    );
    assert_eq!(fetched.objects[0].content.to_value()["displayName"], "ps 0");
    // ps1 is gone itself; ps2 is there, only its assignments answered "not found"
    assert_eq!(fetched.deleted_while_reading, 1);
    assert_eq!((fetched.listed, fetched.whole()), (3, 1));
    assert_eq!(fetched.incomplete[0].graph_id, "ps2");
    assert!(fetched.incomplete[0].reason.contains("`assignments`"));
}

#[tokio::test]
async fn a_tenant_never_has_more_requests_in_flight_than_its_bound() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/windowsFeatureUpdateProfiles");
    graph.route(&path, json!({"value": objects("fu", 12)}));
    for n in 0..12 {
        graph.route(&format!("{path}/fu{n}/assignments"), json!({"value": []}));
    }
    graph.delay_graph(Duration::from_millis(40));
    let mut settings = graph.settings();
    settings.per_tenant_concurrency = 3;
    let client = GraphClient::new(settings).expect("client");
    let fetched = client
        .fetch(&credentials(), "featureUpdates")
        .await
        .expect("fetched");
    assert_eq!(fetched.objects.len(), 12);
    let max = graph.state.max_in_flight.load(Ordering::SeqCst);
    assert!(
        (2..=3).contains(&max),
        "{max} requests were in flight at once"
    );
}

#[tokio::test]
async fn request_starts_are_paced_under_the_budget() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/windowsQualityUpdateProfiles");
    graph.route(&path, json!({"value": objects("qu", 10)}));
    for n in 0..10 {
        graph.route(&format!("{path}/qu{n}/assignments"), json!({"value": []}));
    }
    let mut settings = graph.settings();
    settings.requests_per_20s = 100; // one start per 200 ms after a burst of 5
    let client = GraphClient::new(settings).expect("client");
    client
        .fetch(&credentials(), "qualityUpdates")
        .await
        .expect("fetched");
    let starts: Vec<_> = graph
        .seen()
        .into_iter()
        .filter(|seen| !seen.is_token())
        .map(|seen| seen.at)
        .collect();
    assert_eq!(starts.len(), 11);
    let spread = starts[10] - starts[0];
    // Unpaced this takes a few milliseconds; paced the 11th start is 1.2 s after the first.
    assert!(
        spread >= Duration::from_millis(1000),
        "starts spread over only {spread:?}"
    );
}

#[tokio::test]
async fn macos_shell_scripts_read_assignments_through_expand() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/deviceShellScripts");
    graph.route(
        &path,
        json!({"value": [{"id": "sh1", "displayName": "Dock"}]}),
    );
    graph.route(
        &format!("{path}/sh1?$expand=assignments"),
        json!({"id": "sh1", "displayName": "Dock", "scriptContent": "ZWNobw==",
               "assignments": [{"id": "a1", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]}),
    );
    let fetched = graph.fetched("macosShellScripts").await;
    let content = &fetched.objects[0].content.to_value();
    assert_eq!(content["scriptContent"], "ZWNobw==");
    assert_eq!(content["assignments"][0]["id"], "a1");
    assert_eq!(
        graph.graph_uris(),
        [path.clone(), format!("{path}/sh1?$expand=assignments")]
    );
}

#[tokio::test]
async fn administrative_templates_read_values_and_presentations_at_every_level() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/groupPolicyConfigurations");
    graph.route_pages(&path, objects("gp", 2), 1);
    for policy in ["gp0", "gp1"] {
        graph.route(
            &format!("{path}/{policy}/assignments"),
            json!({"value": [{"id": "a"}]}),
        );
        let values = format!("{path}/{policy}/definitionValues");
        graph.route_pages(
            &format!("{values}?$expand=definition"),
            objects(&format!("{policy}v"), 3),
            2,
        );
        for n in 0..3 {
            let presentations =
                format!("{values}/{policy}v{n}/presentationValues?$expand=presentation");
            graph.route_pages(&presentations, objects("pv", 3), 2);
        }
    }
    let fetched = graph.fetched("administrativeTemplates").await;
    assert_eq!(fetched.objects.len(), 2);
    let values = fetched.objects[1].content.to_value()["definitionValues"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(values.len(), 3);
    assert_eq!(values[2]["id"], "gp1v2");
    assert_eq!(
        values[2]["presentationValues"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        fetched.objects[1].content.to_value()["assignments"],
        json!([{"id": "a"}])
    );
}

#[tokio::test]
async fn app_protection_policies_are_re_read_from_their_typed_collections() {
    let graph = FakeGraph::start().await;
    let apps = "/beta/deviceAppManagement";
    graph.route(
        &format!("{apps}/managedAppPolicies"),
        json!({"value": [
            {"@odata.type": "#microsoft.graph.iosManagedAppProtection", "id": "ios1", "displayName": "iOS"},
            {"@odata.type": "#microsoft.graph.androidManagedAppProtection", "id": "and1", "displayName": "Android"},
            {"@odata.type": "#microsoft.graph.targetedManagedAppConfiguration", "id": "cfg1", "displayName": "Config"}]}),
    );
    let ios = format!("{apps}/iosManagedAppProtections/ios1");
    graph.route(
        &ios,
        json!({"id": "ios1", "displayName": "iOS", "pinRequired": true}),
    );
    graph.route(&format!("{ios}/apps"), json!({"value": [{"id": "x"}]}));
    graph.route_pages(
        &format!("{ios}/assignments"),
        vec![json!({"id": "early"}), json!({"id": "late"})],
        1,
    );
    let android = format!("{apps}/androidManagedAppProtections/and1");
    graph.route(&android, json!({"id": "and1", "displayName": "Android"}));
    graph.route(&format!("{android}/apps"), json!({"value": []}));
    graph.route(
        &format!("{android}/assignments"),
        json!({"value": [{"id": "a"}]}),
    );
    let fetched = graph.fetched("appProtection").await;
    let ids = ids_of(&fetched);
    assert_eq!(ids, ["ios1", "and1"]);
    let ios = &fetched.objects[0].content.to_value();
    assert_eq!(ios["pinRequired"], true);
    assert_eq!(
        ios["@odata.type"],
        "#microsoft.graph.iosManagedAppProtection"
    );
    assert_eq!(ios["assignments"], json!([{"id": "early"}, {"id": "late"}]));
    assert_eq!(ios["apps"], json!([{"id": "x"}]));
    assert_eq!(fetched.incomplete, []);
}

#[tokio::test]
async fn microsofts_global_remediations_are_not_backed_up() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/deviceHealthScripts");
    graph.route(
        &path,
        json!({"value": [{"id": "r1", "displayName": "Ours", "isGlobalScript": false},
                         {"id": "g1", "displayName": "Microsoft's", "isGlobalScript": true}]}),
    );
    graph.route(
        &format!("{path}/r1"),
        json!({"id": "r1", "detectionScriptContent": "ZGV0ZWN0"}),
    );
    graph.route(&format!("{path}/r1/assignments"), json!({"value": []}));
    let fetched = graph.fetched("remediations").await;
    assert_eq!(fetched.objects.len(), 1);
    assert_eq!(
        fetched.objects[0].content.to_value()["detectionScriptContent"],
        "ZGV0ZWN0"
    );
    assert!(graph.graph_uris().iter().all(|uri| !uri.contains("g1")));
}

/// Per type: the list URI, then what is read per listed object (`{collection}/{id}` plus
/// each suffix), GRAPH.md's "full content needs" and "assignments" columns.
const READS: &[(&str, &str, &[&str])] = &[
    ("deviceConfigurations", "/deviceManagement/deviceConfigurations", &["/assignments"]),
    // the detail gives no settingCount here: nothing proves the expansion, so /settings too
    ("settingsCatalog", "/deviceManagement/configurationPolicies", &["?$expand=settings", "/assignments", "/settings"]),
    (
        "deviceCompliancePolicies",
        "/deviceManagement/deviceCompliancePolicies",
        &["/scheduledActionsForRule", "/scheduledActionsForRule/x/scheduledActionConfigurations", "/assignments"],
    ),
    (
        "compliancePolicies",
        "/deviceManagement/compliancePolicies",
        &[
            "?$expand=settings",
            "/settings",
            "/assignments",
            "/scheduledActionsForRule",
            "/scheduledActionsForRule/x/scheduledActionConfigurations",
        ],
    ),
    ("endpointSecurityIntents", "/deviceManagement/intents", &["/settings", "/assignments"]),
    ("powershellScripts", "/deviceManagement/deviceManagementScripts", &["", "/assignments"]),
    ("macosShellScripts", "/deviceManagement/deviceShellScripts", &["?$expand=assignments"]),
    ("remediations", "/deviceManagement/deviceHealthScripts", &["", "/assignments"]),
    ("autopilotProfiles", "/deviceManagement/windowsAutopilotDeploymentProfiles", &["", "/assignments"]),
    ("enrollmentConfigurations", "/deviceManagement/deviceEnrollmentConfigurations", &["/assignments"]),
    ("featureUpdates", "/deviceManagement/windowsFeatureUpdateProfiles", &["/assignments"]),
    ("qualityUpdates", "/deviceManagement/windowsQualityUpdateProfiles", &["/assignments"]),
    ("driverUpdates", "/deviceManagement/windowsDriverUpdateProfiles", &["/assignments", "/driverInventories"]),
    ("appConfigManagedApps", "/deviceAppManagement/targetedManagedAppConfigurations", &["", "/apps", "/assignments"]),
    ("appConfigManagedDevices", "/deviceAppManagement/mobileAppConfigurations", &["/assignments"]),
    ("policySets", "/deviceAppManagement/policySets", &["/items", "/assignments"]),
    ("assignmentFilters", "/deviceManagement/assignmentFilters", &[]),
    ("scopeTags", "/deviceManagement/roleScopeTags", &["/assignments"]),
    ("notificationTemplates", "/deviceManagement/notificationMessageTemplates", &["/localizedNotificationMessages"]),
    (
        "reusableSettings",
        "/deviceManagement/reusablePolicySettings?$select=id,displayName,description,settingDefinitionId,settingInstance,createdDateTime,lastModifiedDateTime,version,referencingConfigurationPolicyCount",
        &[],
    ),
    ("complianceScripts", "/deviceManagement/deviceComplianceScripts", &[""]),
];

#[tokio::test]
async fn every_type_reads_what_its_full_content_needs() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    for (key, list, per_object) in READS {
        let list = format!("/beta{list}");
        let collection = list.split('?').next().unwrap_or_default().to_owned();
        // (`settingInstance`: what the reusable settings' `$select` asks for)
        graph.route(
            &list,
            json!({"value": [{"id": "o1", "displayName": "Listed", "settingInstance": {}}]}),
        );
        let mut expected = vec![list.clone()];
        for suffix in *per_object {
            let uri = format!("{collection}/o1{suffix}");
            let is_detail = suffix.is_empty() || suffix.starts_with('?');
            let body = if is_detail {
                json!({"id": "o1", "detail": true})
            } else {
                json!({"value": [{"id": "x"}]})
            };
            graph.route(&uri, body);
            expected.push(uri);
        }
        graph.state.seen.lock().expect("seen").clear();
        let fetched = client
            .fetch(&credentials(), key)
            .await
            .unwrap_or_else(|error| panic!("{key}: {error}"));
        assert_eq!(fetched.objects.len(), 1, "{key}");
        let content = &fetched.objects[0].content.to_value();
        assert_eq!(content["displayName"], "Listed", "{key}");
        for suffix in *per_object {
            match suffix.strip_prefix('/') {
                Some(field) => {
                    // a nested collection lands in its parent: the rule's actions
                    let path: Vec<&str> = field
                        .split('?')
                        .next()
                        .unwrap_or_default()
                        .split('/')
                        .collect();
                    let read = match path.as_slice() {
                        [field] => &content[*field],
                        [field, _, nested] => &content[*field][0][*nested],
                        _ => panic!("{field}"),
                    };
                    assert_eq!(read[0]["id"], "x", "{key} {field}: {content:#}");
                }
                None => assert_eq!(content["detail"], true, "{key}"),
            }
        }
        assert_eq!((fetched.listed, fetched.whole()), (1, 1), "{key}");
        let mut seen = graph.graph_uris();
        seen.sort();
        expected.sort();
        assert_eq!(seen, expected, "{key}");
    }
}

#[tokio::test]
async fn new_credentials_get_a_new_token() {
    let graph = FakeGraph::start().await;
    let client = graph.client();
    let tenant = credentials();
    client.check_access(&tenant).await.expect("access");
    client.check_access(&tenant).await.expect("access");
    let rotated = TenantCredentials {
        client_secret: SecretString::new("rotated"),
        ..tenant.clone()
    };
    client.check_access(&rotated).await.expect("access");
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test]
async fn an_unreachable_graph_is_retried_then_unavailable() {
    let login = FakeGraph::start().await;
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let mut settings = GraphSettings::new(format!("http://127.0.0.1:{port}"), &login.base);
    settings.max_attempts = 2;
    let client = GraphClient::new(settings).expect("client");
    let error = client
        .fetch(&credentials(), "scopeTags")
        .await
        .expect_err("unreachable");
    assert_eq!(error.code, GraphErrorCode::GraphUnavailable);
    assert_eq!(client.graph_requests(), 2);
}

#[tokio::test]
async fn a_child_member_without_an_id_keeps_its_object_and_the_type() {
    let graph = FakeGraph::start().await;
    let path = format!("{DM}/deviceCompliancePolicies");
    graph.route(
        &path,
        json!({"value": [{"id": "c1", "displayName": "Compliant"}, {"id": "c2", "displayName": "Other"}]}),
    );
    for id in ["c1", "c2"] {
        graph.route(&format!("{path}/{id}/assignments"), json!({"value": []}));
    }
    // c1's rule comes without an id: its actions cannot be addressed (c1 itself is there)
    graph.route(&format!("{path}/c1"), json!({"id": "c1"}));
    graph.route(
        &format!("{path}/c1/scheduledActionsForRule"),
        json!({"value": [{"ruleName": "PasswordRequired"}]}),
    );
    graph.route(
        &format!("{path}/c2/scheduledActionsForRule"),
        json!({"value": [{"id": "r2", "ruleName": "PasswordRequired"}]}),
    );
    graph.route(
        &format!("{path}/c2/scheduledActionsForRule/r2/scheduledActionConfigurations"),
        json!({"value": [{"id": "block", "actionType": "block"}]}),
    );
    let fetched = graph.fetched("deviceCompliancePolicies").await;
    assert_eq!(ids_of(&fetched), ["c1", "c2"]);
    assert_eq!((fetched.listed, fetched.whole()), (2, 1));
    assert_eq!(fetched.incomplete[0].graph_id, "c1");
    assert!(fetched.incomplete[0].reason.contains("without a usable id"));
    let other = &fetched.objects[1].content.to_value();
    assert_eq!(
        other["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["actionType"],
        "block"
    );
}
