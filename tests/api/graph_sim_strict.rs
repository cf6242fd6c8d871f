//! The Graph simulator as strict as Graph, over real HTTP: JSON batching (20 at most, each
//! request counted and throttled as if alone, `dependsOn`), the login endpoint's OpenID and
//! instance discovery, query options without `$` and in any case, `$top` up to each level's
//! maximum, the shapes the metadata gives, and the `expand_error` fault from the
//! configuration and the admin API. No database.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tenantpilot::graph_sim::{Fault, RunningSimulator, TenantConfig};

use crate::graph_sim::{http, start};

const TENANT: &str = "5b0e7c1d-2f3a-4b5c-9d6e-7f8091a2b3c4";
const CLIENT: &str = "6c1f8d2e-3a4b-4c5d-8e6f-708192a3b4c5";
const SECRET: &str = "strict~secret-value";

fn tenant() -> TenantConfig {
    let mut tenant = TenantConfig::new(TENANT, CLIENT, SECRET);
    for (key, count) in [
        ("settingsCatalog", 60),
        ("deviceConfigurations", 8),
        ("deviceCompliancePolicies", 4),
        ("autopilotProfiles", 3),
        ("enrollmentConfigurations", 4),
    ] {
        tenant.counts.insert(key.to_owned(), count);
    }
    tenant.foundations.insert("complianceScripts".to_owned(), 2);
    tenant.settings_per_policy = 30;
    tenant
}

/// A token from `token_endpoint` (the simulator's, or one a discovery document named).
async fn token_from(token_endpoint: &str) -> String {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .finish();
    let response = http()
        .post(token_endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn token(sim: &RunningSimulator) -> String {
    token_from(&format!("{}/{TENANT}/oauth2/v2.0/token", sim.login_url())).await
}

async fn get(sim: &RunningSimulator, token: &str, path: &str) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{}/beta{path}", sim.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_ok(sim: &RunningSimulator, token: &str, path: &str) -> Value {
    let (status, body) = get(sim, token, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn batch(
    sim: &RunningSimulator,
    token: Option<&str>,
    requests: Value,
) -> (StatusCode, Value) {
    let mut request = http()
        .post(format!("{}/beta/$batch", sim.graph_url()))
        .json(&json!({ "requests": requests }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn ids(sim: &RunningSimulator, key: &str) -> Vec<String> {
    sim.handle()
        .objects(TENANT, key)
        .unwrap()
        .into_iter()
        .map(|object| object.id)
        .collect()
}

fn responses_by_id(body: &Value) -> std::collections::HashMap<String, Value> {
    body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

#[tokio::test]
async fn a_batch_of_twenty_is_served_like_twenty_requests_and_twenty_one_are_refused() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let policies = ids(&sim, "settingsCatalog");
    let requests: Vec<Value> = (0..20)
        .map(|n| {
            let url = match n % 4 {
                0 => "/deviceManagement/configurationPolicies?$top=5".to_owned(),
                1 => format!("/deviceManagement/configurationPolicies/{}", policies[n]),
                2 => format!(
                    "/deviceManagement/configurationPolicies/{}/settings",
                    policies[n]
                ),
                _ => format!(
                    "deviceManagement/configurationPolicies/{}/assignments",
                    policies[n]
                ),
            };
            json!({"id": n.to_string(), "method": "GET", "url": url})
        })
        .collect();
    sim.handle().stats().reset();
    let (status, body) = batch(&sim, Some(&token), json!(requests)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = responses_by_id(&body);
    assert_eq!(answers.len(), 20);
    for (n, request) in requests.iter().enumerate() {
        let answer = &answers[&n.to_string()];
        assert_eq!(answer["status"], 200, "{answer}");
        assert!(answer["headers"]["Content-Type"]
            .as_str()
            .unwrap()
            .starts_with("application/json"));
        // the same content a direct request gets
        let url = request["url"].as_str().unwrap().trim_start_matches('/');
        let direct = get_ok(&sim, &token, &format!("/{url}")).await;
        assert_eq!(answer["body"]["value"], direct["value"], "{url}");
        assert_eq!(answer["body"]["id"], direct["id"], "{url}");
    }
    let stats = sim.stats().tenant(TENANT);
    assert_eq!(stats.batch_requests, 1);
    assert_eq!(stats.graph_requests, 40, "20 inside the batch, 20 direct");
    assert_eq!(stats.requests_by_kind["list"], 10);

    let mut too_many = requests.clone();
    too_many.push(
        json!({"id": "20", "method": "GET", "url": "/deviceManagement/configurationPolicies"}),
    );
    let (status, body) = batch(&sim, Some(&token), json!(too_many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["innerError"]["request-id"].is_string());
    assert_eq!(
        sim.stats().tenant(TENANT).graph_requests,
        40,
        "nothing of it was served"
    );

    let duplicate = json!([
        {"id": "a", "method": "GET", "url": "/deviceManagement/configurationPolicies"},
        {"id": "A", "method": "GET", "url": "/deviceManagement/configurationPolicies"}
    ]);
    assert_eq!(
        batch(&sim, Some(&token), duplicate).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, body) = batch(&sim, None, json!([])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    sim.stop().await;
}

#[tokio::test]
async fn requests_inside_a_batch_are_throttled_like_direct_ones() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    sim.set_faults(
        TENANT,
        vec![Fault::Throttle {
            policy_type: Some("settingsCatalog".into()),
            count: 3,
            retry_after_secs: 7,
        }],
    )
    .unwrap();
    let requests: Vec<Value> = (0..5)
        .map(|n| json!({"id": format!("r{n}"), "method": "GET", "url": "/deviceManagement/configurationPolicies"}))
        .chain([json!({"id": "other", "method": "GET", "url": "/deviceManagement/deviceConfigurations"})])
        .collect();
    let (status, body) = batch(&sim, Some(&token), json!(requests)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the envelope succeeds; its requests answer for themselves"
    );
    let answers: Vec<&Value> = body["responses"].as_array().unwrap().iter().collect();
    let throttled: Vec<&&Value> = answers.iter().filter(|a| a["status"] == 429).collect();
    assert_eq!(throttled.len(), 3, "{body}");
    for answer in &throttled {
        assert_eq!(answer["headers"]["Retry-After"], "7");
        assert_eq!(answer["body"]["error"]["code"], "TooManyRequests");
    }
    assert_eq!(answers.iter().filter(|a| a["status"] == 200).count(), 3);
    let stats = sim.stats().tenant(TENANT);
    assert_eq!(stats.throttled.len(), 3);
    assert_eq!(stats.responses_by_status[&429], 3);
    assert_eq!(stats.graph_requests, 6);
    // the fault is spent: a direct request now passes
    get_ok(&sim, &token, "/deviceManagement/configurationPolicies").await;
    sim.stop().await;
}

#[tokio::test]
async fn depends_on_orders_requests_and_a_failed_dependency_answers_424() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let policy = &ids(&sim, "settingsCatalog")[0];
    let requests = json!([
        {"id": "missing", "method": "GET", "url": "/deviceManagement/configurationPolicies/no-such-policy"},
        {"id": "after-missing", "dependsOn": ["missing"], "method": "GET", "url": "/deviceManagement/configurationPolicies"},
        {"id": "first", "method": "GET", "url": format!("/deviceManagement/configurationPolicies/{policy}")},
        {"id": "second", "dependsOn": ["FIRST"], "method": "GET", "url": format!("/deviceManagement/configurationPolicies/{policy}/settings")},
        {"id": "write", "method": "PATCH", "url": "/deviceManagement/configurationPolicies", "headers": {"Content-Type": "application/json"}, "body": {}}
    ]);
    let (status, body) = batch(&sim, Some(&token), requests).await;
    assert_eq!(status, StatusCode::OK);
    let answers = responses_by_id(&body);
    assert_eq!(answers["missing"]["status"], 404);
    assert_eq!(answers["after-missing"]["status"], 424);
    assert_eq!(answers["first"]["status"], 200);
    assert_eq!(answers["second"]["status"], 200);
    assert_eq!(answers["write"]["status"], 405);
    // the dependent request never reached a handler
    assert_eq!(sim.stats().tenant(TENANT).graph_requests, 4);
    let cycle = json!([
        {"id": "1", "dependsOn": ["2"], "method": "GET", "url": "/deviceManagement/configurationPolicies"},
        {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/deviceManagement/configurationPolicies"}
    ]);
    assert_eq!(
        batch(&sim, Some(&token), cycle).await.0,
        StatusCode::BAD_REQUEST
    );
    sim.stop().await;
}

#[tokio::test]
async fn msal_discovers_the_login_endpoint_and_gets_a_token_where_the_document_says() {
    let sim = start(tenant()).await;
    let login = sim.login_url();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("api-version", "1.1"),
            (
                "authorization_endpoint",
                &format!("{login}/{TENANT}/oauth2/v2.0/authorize"),
            ),
        ])
        .finish();
    let instance: Value = http()
        .get(format!("{login}/common/discovery/instance?{query}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let discovery = instance["tenant_discovery_endpoint"].as_str().unwrap();
    assert_eq!(
        discovery,
        format!("{login}/{TENANT}/v2.0/.well-known/openid-configuration")
    );
    let host = login.trim_start_matches("http://");
    assert_eq!(instance["metadata"][0]["aliases"], json!([host]));

    let document: Value = http()
        .get(discovery)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["issuer"], format!("{login}/{TENANT}/v2.0"));
    assert_eq!(
        document["authorization_endpoint"],
        format!("{login}/{TENANT}/oauth2/v2.0/authorize")
    );
    let token = token_from(document["token_endpoint"].as_str().unwrap()).await;
    get_ok(&sim, &token, "/deviceManagement/configurationPolicies").await;
    // client_secret_basic, as the document lists it and MSAL's OAuth client sends it
    let methods = &document["token_endpoint_auth_methods_supported"];
    assert!(methods
        .as_array()
        .unwrap()
        .contains(&json!("client_secret_basic")));
    let basic: Value = http()
        .post(document["token_endpoint"].as_str().unwrap())
        .basic_auth(CLIENT, Some(SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let basic_token = basic["access_token"]
        .as_str()
        .expect("a token for Basic credentials");
    get_ok(&sim, basic_token, "/deviceManagement/configurationPolicies").await;
    let keys: Value = http()
        .get(document["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(keys["keys"].is_array());

    let v1: Value = http()
        .get(format!("{login}/{TENANT}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v1["issuer"], format!("https://sts.windows.net/{TENANT}/"));
    let common: Value = http()
        .get(format!(
            "{login}/common/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(common["issuer"], format!("{login}/{{tenantid}}/v2.0"));
    let unknown = http()
        .get(format!(
            "{login}/00000000-0000-4000-8000-000000000000/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!(error["error_codes"], json!([90002]));
    sim.stop().await;
}

#[tokio::test]
async fn query_options_without_dollar_and_property_names_in_any_case_are_honoured() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let with = get_ok(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?$top=3&$select=name,platforms",
    )
    .await;
    let without = get_ok(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?top=3&select=NAME,Platforms",
    )
    .await;
    assert_eq!(with["value"].as_array().unwrap().len(), 3);
    assert_eq!(with["value"], without["value"]);
    let first = without["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "name", "platforms"]);
    // the next link carries the options as written and pages on
    let next = without["@odata.nextLink"].as_str().unwrap();
    let rest: Value = http()
        .get(next)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["value"].as_array().unwrap().len(), 3);
    assert_ne!(rest["value"][0]["id"], without["value"][0]["id"]);

    // $orderby by a property named in any case, across pages
    let mut names: Vec<String> = Vec::new();
    let mut next = Some(format!(
        "{}/beta/deviceManagement/configurationPolicies?orderby=NAME%20desc,ID&select=name",
        sim.graph_url()
    ));
    while let Some(url) = next {
        let page: Value = http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned()),
        );
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(names.len(), 60);
    assert!(names.windows(2).all(|pair| pair[0] >= pair[1]), "{names:?}");

    let policy = &ids(&sim, "deviceCompliancePolicies")[0];
    let expanded = get_ok(
        &sim,
        &token,
        &format!("/deviceManagement/deviceCompliancePolicies/{policy}?expand=Assignments,scheduledActionsForRule(expand=scheduledActionConfigurations)"),
    )
    .await;
    assert!(expanded["assignments"].is_array(), "{expanded}");
    assert!(expanded.get("Assignments").is_none());
    assert!(expanded["scheduledActionsForRule"][0]["scheduledActionConfigurations"].is_array());
    sim.stop().await;
}

#[tokio::test]
async fn top_reads_up_to_the_level_maximum_and_a_larger_top_is_capped_not_refused() {
    let mut config = tenant();
    config.max_tops.insert("settingsCatalog".into(), 40);
    let sim = start(config).await;
    let token = token(&sim).await;
    let default = get_ok(&sim, &token, "/deviceManagement/configurationPolicies").await;
    assert_eq!(
        default["value"].as_array().unwrap().len(),
        25,
        "Graph's default page"
    );
    let capped = get_ok(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?$top=999",
    )
    .await;
    assert_eq!(capped["value"].as_array().unwrap().len(), 40);
    let mut seen = capped["value"].as_array().unwrap().len();
    let mut next = capped["@odata.nextLink"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let page: Value = http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen += page["value"].as_array().unwrap().len();
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 60);
    // settings keep the default maximum (999): 30 settings in one page
    let policy = &ids(&sim, "settingsCatalog")[0];
    let settings = get_ok(
        &sim,
        &token,
        &format!("/deviceManagement/configurationPolicies/{policy}/settings?$top=999"),
    )
    .await;
    assert_eq!(settings["value"].as_array().unwrap().len(), 30);
    assert!(settings.get("@odata.nextLink").is_none());
    let (status, body) = get(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?$top=many",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    sim.stop().await;
}

#[tokio::test]
async fn objects_carry_the_properties_the_beta_metadata_gives_them() {
    let sim = start(tenant()).await;
    let token = token(&sim).await;
    let enrollment = get_ok(
        &sim,
        &token,
        "/deviceManagement/deviceEnrollmentConfigurations",
    )
    .await;
    let restrictions: Vec<&Value> = enrollment["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["@odata.type"] == "#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration"
        })
        .collect();
    assert!(!restrictions.is_empty());
    for restriction in restrictions {
        assert_eq!(
            restriction["deviceEnrollmentConfigurationType"],
            "platformRestrictions"
        );
    }
    for profile in get_ok(
        &sim,
        &token,
        "/deviceManagement/windowsAutopilotDeploymentProfiles",
    )
    .await["value"]
        .as_array()
        .unwrap()
    {
        let (new, old) = (
            &profile["outOfBoxExperienceSetting"],
            &profile["outOfBoxExperienceSettings"],
        );
        assert_eq!(new["privacySettingsHidden"], old["hidePrivacySettings"]);
        assert_eq!(new["userType"], old["userType"]);
        assert!(new["keyboardSelectionPageSkipped"].is_boolean());
    }
    for script in get_ok(&sim, &token, "/deviceManagement/deviceComplianceScripts").await["value"]
        .as_array()
        .unwrap()
    {
        assert_eq!(script["platform"], "windows10");
    }
    let policies = get_ok(
        &sim,
        &token,
        "/deviceManagement/configurationPolicies?$top=999",
    )
    .await;
    let policies = policies["value"].as_array().unwrap();
    assert!(policies
        .iter()
        .all(|p| p["disableEntraGroupPolicyAssignment"] == false));
    let families: Vec<&str> = policies
        .iter()
        .map(|p| p["templateReference"]["templateFamily"].as_str().unwrap())
        .collect();
    assert_eq!(
        families
            .iter()
            .filter(|f| **f == "endpointSecurityAntivirus")
            .count(),
        12
    );
    assert_eq!(families.iter().filter(|f| **f == "none").count(), 48);
    for policy in policies
        .iter()
        .filter(|p| p["templateReference"]["templateFamily"] != "none")
    {
        let reference = &policy["templateReference"];
        assert!(reference["templateId"].as_str().unwrap().ends_with("_1"));
        assert!(
            reference["templateDisplayName"]
                .as_str()
                .unwrap()
                .contains("Defender")
                || reference["templateDisplayName"] == "Windows Security Experience"
        );
        assert_eq!(reference["templateDisplayVersion"], "Version 1");
    }
    sim.stop().await;
}

#[tokio::test]
async fn the_expand_error_fault_is_reachable_from_the_configuration_and_the_admin_api() {
    let mut config = tenant();
    config.faults = serde_json::from_value(json!([
        {"kind": "expand_error", "policy_type": "deviceConfigurations", "count": 1}
    ]))
    .unwrap();
    let sim = start(config).await;
    let token = token(&sim).await;
    let path = "/deviceManagement/deviceConfigurations?$expand=assignments";
    let (status, body) = get(&sim, &token, path).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["code"], "InternalServerError");
    get_ok(&sim, &token, path).await;

    let admin = http()
        .put(format!("{}/_sim/tenants/{TENANT}/faults", sim.graph_url()))
        .json(&json!([{"kind": "expand_error", "count": 2}]))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
    get_ok(&sim, &token, "/deviceManagement/deviceConfigurations").await;
    assert_eq!(
        get(&sim, &token, path).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let policy = &ids(&sim, "deviceCompliancePolicies")[0];
    let expanded =
        format!("/deviceManagement/deviceCompliancePolicies/{policy}?$expand=assignments");
    assert_eq!(
        get(&sim, &token, &expanded).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    get_ok(&sim, &token, &expanded).await;
    sim.stop().await;
}
