//! The Graph simulator over real HTTP: the login endpoint and its AADSTS errors, Graph
//! paging at every level, the per-type quirks (script content, macOS assignments, app
//! protection views), every injected fault, the statistics and content changes. No database.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tenantpilot::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use tenantpilot::graph_sim::{
    is_singleton, token_claims, Fault, GraphSimulator, RunningSimulator, SimConfig, TenantConfig,
    AADSTS_CODES, BUILT_IN_ROLES, BUILT_IN_STRENGTHS,
};

const TENANT: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const CLIENT: &str = "11112222-3333-4444-8555-666677778888";
const SECRET: &str = "sim~secret-value";

fn tenant() -> TenantConfig {
    let mut tenant = TenantConfig::new(TENANT, CLIENT, SECRET);
    for key in POLICY_TYPES.iter().chain(FOUNDATION_TYPES).map(|t| t.key) {
        let count = if FOUNDATION_TYPES.iter().any(|f| f.key == key) {
            3
        } else {
            6
        };
        let map = if count == 3 {
            &mut tenant.foundations
        } else {
            &mut tenant.counts
        };
        map.insert(key.to_owned(), count);
    }
    tenant.settings_per_policy = 30;
    tenant.definition_values_per_policy = 12;
    tenant
}

pub(crate) async fn start(tenant: TenantConfig) -> RunningSimulator {
    let config = SimConfig {
        tenants: vec![tenant],
        workers: 2,
    };
    GraphSimulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the simulator starts")
}

/// One client for every request, as a real Graph client keeps its connections.
pub(crate) fn http() -> Client {
    static CLIENT: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| {
        tenantpilot::graph::install_tls_provider();
        Client::new()
    });
    CLIENT.clone()
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn token_response(
    sim: &RunningSimulator,
    tenant: &str,
    client: &str,
    secret: &str,
) -> Response {
    http()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.login_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("client_id", client),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ]))
        .send()
        .await
        .unwrap()
}

async fn token(sim: &RunningSimulator) -> String {
    let response = token_response(sim, TENANT, CLIENT, SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(sim: &RunningSimulator, token: &str, path: &str) -> Response {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}/beta{path}", sim.graph_url())
    };
    http().get(url).bearer_auth(token).send().await.unwrap()
}

async fn get_ok(sim: &RunningSimulator, token: &str, path: &str) -> Value {
    let response = get(sim, token, path).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// Every member of a collection, following `@odata.nextLink`; also the number of pages.
async fn read_all(sim: &RunningSimulator, token: &str, path: &str) -> (Vec<Value>, usize) {
    let (mut items, mut pages) = (Vec::new(), 0);
    let mut next = Some(path.to_owned());
    while let Some(url) = next {
        let body = get_ok(sim, token, &url).await;
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        pages += 1;
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    (items, pages)
}

async fn graph_error(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    assert!(response.headers().contains_key("request-id"));
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_token_is_a_jwt_with_the_tenant_the_app_roles_and_expiry() {
    let sim = start(tenant()).await;
    let response = token_response(&sim, TENANT, CLIENT, SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let claims = token_claims(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["tid"], TENANT);
    assert_eq!(claims["appid"], CLIENT);
    assert!(claims["roles"]
        .as_array()
        .unwrap()
        .contains(&"DeviceManagementConfiguration.Read.All".into()));
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp() + 3500);
    assert_eq!(sim.stats().tenant(TENANT).token_requests, 1);
    sim.stop().await;
}

#[tokio::test]
async fn wrong_credentials_answer_aadsts_errors_as_entra_does() {
    let sim = start(tenant()).await;
    let cases = [
        (
            "7c1b0000-0000-4000-8000-000000000000",
            CLIENT,
            SECRET,
            400,
            "invalid_request",
            90_002,
        ),
        (
            TENANT,
            "00000000-0000-4000-8000-000000000001",
            SECRET,
            400,
            "unauthorized_client",
            700_016,
        ),
        (
            TENANT,
            CLIENT,
            "the-secret-id-not-its-value",
            401,
            "invalid_client",
            7_000_215,
        ),
    ];
    for (tenant, client, secret, status, error, code) in cases {
        let response = token_response(&sim, tenant, client, secret).await;
        assert_eq!(response.status().as_u16(), status, "{code}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], error);
        assert_eq!(body["error_codes"][0], code);
        assert!(body["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}:")));
        assert!(
            body["trace_id"].is_string()
                && body["correlation_id"].is_string()
                && body["timestamp"].is_string()
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn each_token_fault_answers_its_aadsts_code() {
    let sim = start(tenant()).await;
    for &code in AADSTS_CODES {
        sim.set_faults(TENANT, vec![Fault::TokenError { aadsts: code }])
            .unwrap();
        let response = token_response(&sim, TENANT, CLIENT, SECRET).await;
        let expected = if matches!(code, 7_000_215 | 7_000_222 | 7_000_218) {
            401
        } else {
            400
        };
        assert_eq!(response.status().as_u16(), expected, "{code}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error_codes"][0], code);
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_token_without_roles_is_refused_by_graph() {
    let mut config = tenant();
    config.faults = vec![Fault::NoRoles];
    let sim = start(config).await;
    let token = token(&sim).await;
    assert!(token_claims(&token).unwrap().get("roles").is_none());
    let (status, body) =
        graph_error(get(&sim, &token, "/deviceManagement/deviceConfigurations").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "Forbidden");
    sim.stop().await;
}

#[tokio::test]
async fn graph_wants_an_issued_unexpired_token() {
    let mut config = tenant();
    config.token_lifetime_secs = 1;
    let sim = start(config).await;
    let path = "/deviceManagement/deviceConfigurations";
    let (status, body) = graph_error(
        http()
            .get(format!("{}/beta{path}", sim.graph_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["innerError"]["request-id"].is_string());
    let (status, _) = graph_error(get(&sim, "made.up.sim", path).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let token = token(&sim).await;
    assert_eq!(get(&sim, &token, path).await.status(), StatusCode::OK);
    sim.handle().expire_tokens(TENANT).unwrap();
    let (status, body) = graph_error(get(&sim, &token, path).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    // and by the clock, with a one-second lifetime
    let fresh = self::token(&sim).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get(&sim, &fresh, path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    sim.stop().await;
}

#[tokio::test]
async fn two_thousand_settings_catalog_policies_page_to_the_full_count_with_settings_at_25() {
    let mut config = TenantConfig::new(TENANT, CLIENT, SECRET);
    config.counts.insert("settingsCatalog".into(), 2000);
    config.settings_per_policy = 60;
    let sim = start(config).await;
    let token = token(&sim).await;
    let started = Instant::now();
    let (policies, pages) = read_all(&sim, &token, "/deviceManagement/configurationPolicies").await;
    assert_eq!((policies.len(), pages), (2000, 80));
    let ids: HashSet<&str> = policies.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2000);
    let expected: HashSet<String> = sim
        .handle()
        .objects(TENANT, "settingsCatalog")
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect());
    assert!(policies
        .iter()
        .all(|p| p.get("settings").is_none() && p["settingCount"] == 60));

    let id = policies[7]["id"].as_str().unwrap();
    let (settings, pages) = read_all(
        &sim,
        &token,
        &format!("/deviceManagement/configurationPolicies/{id}/settings"),
    )
    .await;
    assert_eq!((settings.len(), pages), (60, 3));
    let expanded = get_ok(
        &sim,
        &token,
        &format!("/deviceManagement/configurationPolicies/{id}?$expand=settings"),
    )
    .await;
    assert_eq!(expanded["settings"].as_array().unwrap(), &settings);
    // $top is the page size
    let top = get_ok(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?$top=500",
    )
    .await;
    assert_eq!(top["value"].as_array().unwrap().len(), 500);
    eprintln!(
        "2,000 policies listed and one policy's settings read in {:?}",
        started.elapsed()
    );
    sim.stop().await;
}

#[tokio::test]
async fn every_catalog_type_and_foundation_lists_and_reads_its_objects() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    for policy_type in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        if is_singleton(policy_type.key) {
            // one object at the path itself, whatever the configured count
            let object = get_ok(&sim, &token, policy_type.graph_path).await;
            assert!(object.get("value").is_none(), "{}", policy_type.key);
            continue;
        }
        let (items, _) = read_all(&sim, &token, policy_type.graph_path).await;
        let expected = match policy_type.key {
            "scopeTags" => 4,
            // Microsoft's built-in roles and strengths are listed too
            "roleDefinitions" => 6 + BUILT_IN_ROLES.len(),
            "authenticationStrengths" => 3 + BUILT_IN_STRENGTHS,
            _ if FOUNDATION_TYPES.contains(policy_type) => 3,
            _ => 6,
        };
        assert_eq!(items.len(), expected, "{}", policy_type.key);
        if policy_type.key == "appProtection" {
            continue; // read from the typed collections, below
        }
        let id = items[1]["id"].as_str().unwrap();
        let detail = get_ok(&sim, &token, &format!("{}/{id}", policy_type.graph_path)).await;
        assert_eq!(detail["id"], id, "{}", policy_type.key);
        let missing = get(
            &sim,
            &token,
            &format!(
                "{}/00000000-dead-4000-8000-000000000000",
                policy_type.graph_path
            ),
        )
        .await;
        let (status, body) = graph_error(missing).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("ResourceNotFound"))
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn expands_and_child_collections_follow_graph() {
    let mut config = tenant();
    config.page_sizes.insert("definitionValues".into(), 5);
    config.page_sizes.insert("presentationValues".into(), 1);
    let sim = start(config).await;
    let token = token(&sim).await;
    // $expand=assignments on lists that support it, 400 where Graph refuses it
    for path in [
        "/deviceManagement/deviceConfigurations",
        "/deviceManagement/deviceCompliancePolicies",
        "/deviceManagement/groupPolicyConfigurations",
        "/deviceAppManagement/mobileAppConfigurations",
    ] {
        let (items, _) = read_all(&sim, &token, &format!("{path}?$expand=assignments")).await;
        assert!(items.iter().all(|i| i["assignments"].is_array()), "{path}");
        assert!(
            items
                .iter()
                .any(|i| !i["assignments"].as_array().unwrap().is_empty()),
            "{path}"
        );
    }
    for path in [
        "/deviceManagement/configurationPolicies",
        "/deviceManagement/deviceShellScripts",
        "/deviceAppManagement/managedAppPolicies",
    ] {
        let (status, body) =
            graph_error(get(&sim, &token, &format!("{path}?$expand=assignments")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    // compliance actions with their nested configurations
    let (policies, _) = read_all(&sim, &token, "/deviceManagement/deviceCompliancePolicies?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)").await;
    assert!(policies.iter().all(|p| p["scheduledActionsForRule"][0]
        ["scheduledActionConfigurations"]
        .as_array()
        .is_some_and(|c| !c.is_empty())));
    // administrative templates: three levels, each paged
    let (templates, _) =
        read_all(&sim, &token, "/deviceManagement/groupPolicyConfigurations").await;
    let id = templates[0]["id"].as_str().unwrap();
    let (values, pages) = read_all(
        &sim,
        &token,
        &format!(
            "/deviceManagement/groupPolicyConfigurations/{id}/definitionValues?$expand=definition"
        ),
    )
    .await;
    assert_eq!((values.len(), pages), (12, 3));
    assert!(values
        .iter()
        .all(|v| v["definition"]["displayName"].is_string()));
    let mut presentations = 0;
    for value in &values {
        let vid = value["id"].as_str().unwrap();
        let (members, pages) = read_all(&sim, &token, &format!("/deviceManagement/groupPolicyConfigurations/{id}/definitionValues/{vid}/presentationValues?$expand=presentation")).await;
        assert_eq!(pages, members.len().max(1));
        assert!(members
            .iter()
            .all(|m| m["presentation"]["@odata.type"].is_string()));
        presentations += members.len();
    }
    assert!(presentations > 0);
    // app protection: mixed list, typed re-read with apps and assignments
    let (mixed, _) = read_all(&sim, &token, "/deviceAppManagement/managedAppPolicies").await;
    let kinds: HashSet<&str> = mixed
        .iter()
        .map(|p| p["@odata.type"].as_str().unwrap())
        .collect();
    assert!(kinds.len() >= 3, "{kinds:?}");
    for policy in &mixed {
        let collection = match policy["@odata.type"].as_str().unwrap() {
            "#microsoft.graph.iosManagedAppProtection" => "iosManagedAppProtections",
            "#microsoft.graph.androidManagedAppProtection" => "androidManagedAppProtections",
            "#microsoft.graph.windowsInformationProtectionPolicy" => {
                let id = policy["id"].as_str().unwrap();
                assert!(
                    policy["enterpriseDomain"].is_null(),
                    "listed with base properties"
                );
                let full = get_ok(
                    &sim,
                    &token,
                    &format!("/deviceAppManagement/windowsInformationProtectionPolicies/{id}"),
                )
                .await;
                assert!(full["enterpriseDomain"].is_string());
                let (files, _) = read_all(&sim, &token, &format!("/deviceAppManagement/windowsInformationProtectionPolicies/{id}/protectedAppLockerFiles")).await;
                assert!(!files.is_empty());
                continue;
            }
            "#microsoft.graph.mdmWindowsInformationProtectionPolicy" => continue,
            _ => "windowsManagedAppProtections",
        };
        let full = get_ok(
            &sim,
            &token,
            &format!(
                "/deviceAppManagement/{collection}/{}?$expand=apps,assignments",
                policy["id"].as_str().unwrap()
            ),
        )
        .await;
        assert!(
            full["apps"].as_array().is_some_and(|a| !a.is_empty())
                && full["assignments"].is_array()
        );
    }
    // policy sets, notification templates, settings-catalog compliance
    assert_eq!(
        get(
            &sim,
            &token,
            "/deviceAppManagement/policySets?$expand=items"
        )
        .await
        .status(),
        400,
        "list-level $expand on policy sets is refused"
    );
    let (sets, _) = read_all(&sim, &token, "/deviceAppManagement/policySets").await;
    for set in &sets {
        let id = set["id"].as_str().unwrap();
        let full = get_ok(
            &sim,
            &token,
            &format!("/deviceAppManagement/policySets/{id}?$expand=assignments,items"),
        )
        .await;
        assert!(full["items"].as_array().is_some_and(|i| !i.is_empty()));
        assert!(full["assignments"].is_array());
    }
    let (templates, _) = read_all(
        &sim,
        &token,
        "/deviceManagement/notificationMessageTemplates?$expand=localizedNotificationMessages",
    )
    .await;
    assert!(templates.iter().all(|t| t["localizedNotificationMessages"]
        .as_array()
        .is_some_and(|m| m.len() == 2)));
    let (compliance, _) = read_all(&sim, &token, "/deviceManagement/compliancePolicies").await;
    let id = compliance[0]["id"].as_str().unwrap();
    let full = get_ok(
        &sim,
        &token,
        &format!("/deviceManagement/compliancePolicies/{id}?$expand=settings"),
    )
    .await;
    assert_eq!(
        full["settings"].as_array().unwrap().len() as u64,
        full["settingCount"].as_u64().unwrap()
    );
    let (assignments, _) = read_all(
        &sim,
        &token,
        &format!("/deviceManagement/compliancePolicies/{id}/assignments"),
    )
    .await;
    assert!(assignments
        .iter()
        .all(|a| a["target"]["@odata.type"].is_string()));
    sim.stop().await;
}

#[tokio::test]
async fn script_content_is_only_in_the_detail_and_remediations_include_global_scripts() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    for (path, field) in [
        ("/deviceManagement/deviceManagementScripts", "scriptContent"),
        ("/deviceManagement/deviceShellScripts", "scriptContent"),
        (
            "/deviceManagement/deviceHealthScripts",
            "detectionScriptContent",
        ),
        (
            "/deviceManagement/deviceComplianceScripts",
            "detectionScriptContent",
        ),
    ] {
        let (scripts, _) = read_all(&sim, &token, path).await;
        assert!(scripts.iter().all(|s| s[field].is_null()), "{path}");
        let detail = get_ok(
            &sim,
            &token,
            &format!("{path}/{}", scripts[2]["id"].as_str().unwrap()),
        )
        .await;
        let content = base64::engine::general_purpose::STANDARD
            .decode(detail[field].as_str().unwrap())
            .unwrap();
        assert!(!content.is_empty(), "{path}");
    }
    let (remediations, _) = read_all(&sim, &token, "/deviceManagement/deviceHealthScripts").await;
    let global = remediations
        .iter()
        .filter(|r| r["isGlobalScript"] == true)
        .count();
    assert_eq!(global, tenantpilot::graph_sim::GLOBAL_REMEDIATIONS);
    sim.stop().await;
}

#[tokio::test]
async fn macos_script_assignments_answer_400_and_only_expand_works() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let (scripts, _) = read_all(&sim, &token, "/deviceManagement/deviceShellScripts").await;
    let id = scripts[0]["id"].as_str().unwrap();
    let (status, body) = graph_error(
        get(
            &sim,
            &token,
            &format!("/deviceManagement/deviceShellScripts/{id}/assignments"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let detail = get_ok(
        &sim,
        &token,
        &format!("/deviceManagement/deviceShellScripts/{id}?$expand=assignments"),
    )
    .await;
    assert!(detail["assignments"].is_array());
    sim.stop().await;
}

#[tokio::test]
async fn a_throttle_fault_answers_429_with_retry_after_exactly_n_times() {
    let mut config = tenant();
    config.faults = vec![Fault::Throttle {
        policy_type: Some("deviceConfigurations".into()),
        count: 3,
        retry_after_secs: 7,
    }];
    let sim = start(config).await;
    let token = token(&sim).await;
    // another type is not throttled
    get_ok(&sim, &token, "/deviceManagement/configurationPolicies").await;
    for _ in 0..3 {
        let response = get(&sim, &token, "/deviceManagement/deviceConfigurations").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "7");
        let (_, body) = graph_error(response).await;
        assert_eq!(body["error"]["code"], "TooManyRequests");
    }
    get_ok(&sim, &token, "/deviceManagement/deviceConfigurations").await;
    let stats = sim.stats().tenant(TENANT);
    assert_eq!(stats.throttled.len(), 3);
    assert!(stats.throttled.iter().all(|t| t.retry_after_secs == Some(7)
        && t.policy_type.as_deref() == Some("deviceConfigurations")));
    assert_eq!(stats.responses_by_status[&429], 3);
    sim.stop().await;
}

#[tokio::test]
async fn the_other_faults_answer_as_graph_does() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let handle = sim.handle();
    let error = |path: &'static str| {
        let (sim, token) = (&sim, token.clone());
        async move { graph_error(get(sim, &token, path).await).await }
    };

    handle
        .set_faults(
            TENANT,
            vec![Fault::Forbidden {
                policy_type: "appProtection".into(),
                scope: None,
            }],
        )
        .unwrap();
    let (status, body) = error("/deviceAppManagement/managedAppPolicies").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("Forbidden"))
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("must have one of the following scopes: DeviceManagementApps.Read.All, DeviceManagementApps.ReadWrite.All"));
    get_ok(&sim, &token, "/deviceManagement/deviceConfigurations").await;

    handle
        .set_faults(
            TENANT,
            vec![Fault::ServerError {
                policy_type: None,
                status: 504,
                count: 2,
            }],
        )
        .unwrap();
    assert_eq!(
        error("/deviceManagement/intents").await.0,
        StatusCode::GATEWAY_TIMEOUT
    );
    assert_eq!(
        error("/deviceManagement/roleScopeTags").await.0,
        StatusCode::GATEWAY_TIMEOUT
    );
    get_ok(&sim, &token, "/deviceManagement/intents").await;

    handle
        .set_faults(TENANT, vec![Fault::IntuneNotProvisioned])
        .unwrap();
    let (status, body) = error("/deviceManagement/deviceConfigurations").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "Request not applicable to target tenant."
    );

    handle
        .set_faults(TENANT, vec![Fault::LicenseExpired])
        .unwrap();
    let (status, body) = error("/deviceManagement/roleScopeTags").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("UnknownError"))
    );

    handle
        .set_faults(
            TENANT,
            vec![Fault::MalformedJson {
                policy_type: "remediations".into(),
            }],
        )
        .unwrap();
    let response = get(&sim, &token, "/deviceManagement/deviceHealthScripts").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).is_err());

    handle
        .set_faults(
            TENANT,
            vec![Fault::DeletedBeforeDetail {
                policy_type: "powershellScripts".into(),
                index: 1,
            }],
        )
        .unwrap();
    let (scripts, _) = read_all(&sim, &token, "/deviceManagement/deviceManagementScripts").await;
    assert_eq!(scripts.len(), 6);
    let gone = get(
        &sim,
        &token,
        &format!(
            "/deviceManagement/deviceManagementScripts/{}",
            scripts[1]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // a missing permission in the roles answers 403 naming it, without any fault
    sim.stop().await;
    let mut config = tenant();
    config.roles = vec!["DeviceManagementConfiguration.Read.All".into()];
    let sim = start(config).await;
    let token = self::token(&sim).await;
    let (status, body) = graph_error(
        get(
            &sim,
            &token,
            "/deviceManagement/windowsAutopilotDeploymentProfiles",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("DeviceManagementServiceConfig.Read.All"));
    sim.stop().await;
}

#[tokio::test]
async fn stats_count_requests_and_the_most_in_flight_at_once() {
    let mut config = tenant();
    config.faults = vec![Fault::Slow {
        policy_type: None,
        delay_ms: 300,
    }];
    let sim = start(config).await;
    let token = token(&sim).await;
    let requests = (0..6).map(|_| get(&sim, &token, "/deviceManagement/deviceConfigurations"));
    let responses = futures_util::future::join_all(requests).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    let stats = sim.stats().tenant(TENANT);
    assert_eq!(stats.max_in_flight, 6);
    assert_eq!(stats.in_flight, 0);
    assert_eq!(
        (
            stats.graph_requests,
            stats.token_requests,
            stats.total_requests
        ),
        (6, 1, 7)
    );
    assert_eq!(stats.requests_by_family["deviceConfigurations"], 6);
    let served: Value = http()
        .get(format!("{}/_sim/stats", sim.graph_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["tenants"][TENANT]["max_in_flight"], 6);
    sim.stop().await;
}

#[tokio::test]
async fn a_mutation_changes_exactly_one_object_and_deletes_and_additions_show() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let list = "/deviceManagement/deviceConfigurations?$expand=assignments";
    let (before, _) = read_all(&sim, &token, list).await;
    let (again, _) = read_all(&sim, &token, list).await;
    assert_eq!(before, again, "two reads give identical JSON");

    let changed: Value = http()
        .post(format!("{}/_sim/tenants/{TENANT}/mutate", sim.graph_url()))
        .json(&serde_json::json!({"policy_type": "deviceConfigurations", "index": 3}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["revision"], 1);
    let (after, _) = read_all(&sim, &token, list).await;
    let differing: Vec<usize> = (0..before.len())
        .filter(|&i| before[i] != after[i])
        .collect();
    assert_eq!(differing, [3]);
    let (old, new) = (&before[3], &after[3]);
    assert_eq!(
        (old["id"].clone(), new["id"].clone()),
        (changed["id"].clone(), changed["id"].clone())
    );
    assert_eq!(new["version"], old["version"].as_u64().unwrap() + 1);
    assert!(new["lastModifiedDateTime"].as_str() > old["lastModifiedDateTime"].as_str());

    // a settings-catalog mutation shows in its settings
    let policy = sim.handle().objects(TENANT, "settingsCatalog").unwrap()[2].clone();
    let settings = format!(
        "/deviceManagement/configurationPolicies/{}/settings",
        policy.id
    );
    let (old_settings, _) = read_all(&sim, &token, &settings).await;
    sim.mutate(TENANT, "settingsCatalog", policy.index).unwrap();
    let (new_settings, _) = read_all(&sim, &token, &settings).await;
    assert_ne!(old_settings[0], new_settings[0]);
    assert_eq!(old_settings[1..], new_settings[1..]);

    // delete and add
    let gone = sim
        .handle()
        .delete(TENANT, "deviceConfigurations", 0)
        .unwrap();
    let added = sim.handle().add(TENANT, "deviceConfigurations", 2).unwrap();
    let (now, _) = read_all(&sim, &token, list).await;
    let ids: HashMap<&str, &Value> = now.iter().map(|o| (o["id"].as_str().unwrap(), o)).collect();
    assert_eq!(now.len(), 7);
    assert!(!ids.contains_key(gone.id.as_str()));
    assert!(added.iter().all(|a| ids.contains_key(a.id.as_str())));
    let status = get(
        &sim,
        &token,
        &format!("/deviceManagement/deviceConfigurations/{}", gone.id),
    )
    .await
    .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.stop().await;
}

#[tokio::test]
async fn two_simulators_with_the_same_configuration_serve_the_same_content() {
    let (a, b) = (start(tenant()).await, start(tenant()).await);
    let (token_a, token_b) = (token(&a).await, token(&b).await);
    for policy_type in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        if is_singleton(policy_type.key) {
            let mut left = get_ok(&a, &token_a, policy_type.graph_path).await;
            let mut right = get_ok(&b, &token_b, policy_type.graph_path).await;
            // the context names each simulator's own host
            left["@odata.context"] = Value::Null;
            right["@odata.context"] = Value::Null;
            assert_eq!(left, right, "{}", policy_type.key);
            continue;
        }
        let (left, _) = read_all(&a, &token_a, policy_type.graph_path).await;
        let (right, _) = read_all(&b, &token_b, policy_type.graph_path).await;
        assert_eq!(left, right, "{}", policy_type.key);
    }
    a.stop().await;
    b.stop().await;
}

/// The read a backup of a 2,000-policy tenant makes (lists, every settings page, every
/// administrative-template level, script and app-protection details), 8 requests at a time.
#[tokio::test]
async fn a_mixed_two_thousand_policy_tenant_is_read_in_full_quickly() {
    let mut config = TenantConfig::new(TENANT, CLIENT, SECRET);
    for (key, count) in [
        ("settingsCatalog", 700),
        ("deviceConfigurations", 400),
        ("administrativeTemplates", 150),
        ("powershellScripts", 150),
        ("remediations", 100),
        ("appProtection", 150),
        ("deviceCompliancePolicies", 100),
        ("compliancePolicies", 50),
        ("endpointSecurityIntents", 50),
        ("macosShellScripts", 50),
        ("appConfigManagedDevices", 50),
        ("enrollmentConfigurations", 50),
    ] {
        config.counts.insert(key.into(), count);
    }
    config.settings_per_policy = 60;
    let sim = start(config).await;
    let token = token(&sim).await;
    let started = Instant::now();
    let mut paths: Vec<String> = Vec::new();
    for policy_type in POLICY_TYPES {
        let (items, _) = read_all(&sim, &token, policy_type.graph_path).await;
        for item in &items {
            let id = item["id"].as_str().unwrap();
            match policy_type.key {
                "settingsCatalog" | "endpointSecurityIntents" => {
                    paths.push(format!("{}/{id}/settings", policy_type.graph_path))
                }
                "administrativeTemplates" => paths.push(format!(
                    "{}/{id}/definitionValues?$expand=definition",
                    policy_type.graph_path
                )),
                "powershellScripts" | "remediations" | "macosShellScripts" => paths.push(format!(
                    "{}/{id}?$expand=assignments",
                    policy_type.graph_path
                )),
                _ => {}
            }
        }
    }
    let fetched = std::sync::atomic::AtomicUsize::new(0);
    let nested = tokio::sync::Mutex::new(Vec::new());
    let work = tokio::sync::Mutex::new(paths);
    let worker = || async {
        while let Some(path) = {
            let next = work.lock().await.pop();
            next
        } {
            let items = if path.ends_with("?$expand=assignments") {
                vec![get_ok(&sim, &token, &path).await]
            } else {
                read_all(&sim, &token, &path).await.0
            };
            fetched.fetch_add(items.len().max(1), std::sync::atomic::Ordering::Relaxed);
            if let Some(base) = path.strip_suffix("/definitionValues?$expand=definition") {
                let mut nested = nested.lock().await;
                for value in &items {
                    nested.push(format!(
                        "{base}/definitionValues/{}/presentationValues?$expand=presentation",
                        value["id"].as_str().unwrap()
                    ));
                }
            }
        }
    };
    futures_util::future::join_all((0..8).map(|_| worker())).await;
    *work.lock().await = std::mem::take(&mut *nested.lock().await);
    futures_util::future::join_all((0..8).map(|_| worker())).await;
    let elapsed = started.elapsed();
    let stats = sim.stats().tenant(TENANT);
    eprintln!(
        "{} Graph requests in {elapsed:?} ({} objects read)",
        stats.graph_requests,
        fetched.into_inner()
    );
    assert!(stats.max_in_flight <= 8);
    sim.stop().await;
}
