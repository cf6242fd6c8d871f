//! How many Graph requests reading a whole tenant takes, by kind (list pages, details,
//! assignments, child collections), counted by the simulator: the client asks for the
//! largest page Graph serves (`$top`), so lists and settings come in one page where the
//! default pages would take several. No database: the client reads every catalog type and
//! foundation, the reads a backup run makes.

use std::collections::BTreeMap;
use std::path::Path;

use tenantpilot::config::SecretString;
use tenantpilot::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use tenantpilot::graph::{GraphClient, GraphSettings, TenantCredentials};
use tenantpilot::graph_sim::{GraphSimulator, SimConfig, TenantConfig, TenantStats};
use uuid::Uuid;

/// Reads every type of `tenant` once; returns the simulator's counters and objects read.
async fn read_everything(tenant: TenantConfig) -> (TenantStats, usize) {
    let config = SimConfig {
        tenants: vec![tenant.clone()],
        workers: 2,
    };
    let sim = GraphSimulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the simulator starts");
    let mut settings = GraphSettings::new(sim.graph_url(), sim.login_url());
    settings.requests_per_20s = 1_000_000;
    let client = GraphClient::new(settings).expect("client");
    let credentials = TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: tenant.azure_tenant_id.parse().unwrap(),
        client_id: tenant.client_id.parse().unwrap(),
        client_secret: SecretString::new(tenant.client_secret.clone()),
    };
    let mut objects = 0;
    for policy_type in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        if tenant.count(policy_type.key) == 0 {
            continue;
        }
        let fetched = client
            .fetch(&credentials, policy_type.key)
            .await
            .unwrap_or_else(|error| panic!("{}: {error:?}", policy_type.key));
        objects += fetched.objects.len();
    }
    let stats = sim.stats().tenant(&tenant.azure_tenant_id);
    sim.stop().await;
    (stats, objects)
}

fn example_tenant() -> TenantConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/graph-sim.json");
    let config = SimConfig::from_file(&path).expect("the example configuration");
    config.tenants[0].clone()
}

fn report(label: &str, stats: &TenantStats, objects: usize) {
    let kinds: BTreeMap<&str, u64> = stats
        .requests_by_kind
        .iter()
        .map(|(kind, n)| (kind.as_str(), *n))
        .collect();
    println!(
        "{label}: {} Graph requests for {objects} objects ({:.2} per object); by kind {kinds:?}",
        stats.graph_requests,
        stats.graph_requests as f64 / objects.max(1) as f64
    );
}

#[tokio::test]
async fn the_example_tenant_is_read_with_one_page_per_list_and_per_settings_collection() {
    let tenant = example_tenant();
    let (stats, objects) = read_everything(tenant.clone()).await;
    report("examples/graph-sim.json tenant 0", &stats, objects);
    // one list request per type holding objects (typed app-protection views count too)
    let types = POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .filter(|t| tenant.count(t.key) > 0)
        .count() as u64;
    let lists = stats.requests_by_kind["list"];
    assert!(
        lists <= types + 3,
        "{lists} list pages for {types} types: $top did not take the largest page"
    );
    // settings-catalog and compliance settings come with the detail (proven whole by
    // `settingCount`); only intents and inventory policies read `/settings`, one page each
    assert_eq!(
        stats.requests_by_kind["settings"],
        paged_settings(&tenant),
        "settings pages beyond the first were requested"
    );
    assert_eq!(
        stats.responses_by_status.get(&200),
        Some(&stats.graph_requests)
    );
}

#[tokio::test]
async fn the_demo_tenant_is_read_with_one_page_per_list() {
    let tenant = SimConfig::demo().tenants[0].clone();
    let (stats, objects) = read_everything(tenant.clone()).await;
    report("demo tenant", &stats, objects);
    assert_eq!(stats.requests_by_kind["settings"], paged_settings(&tenant));
}

/// The objects whose settings are read with `GET /{id}/settings` (not expanded).
fn paged_settings(tenant: &TenantConfig) -> u64 {
    ["endpointSecurityIntents", "inventoryPolicies"]
        .iter()
        .map(|key| tenant.count(key) as u64)
        .sum()
}

/// Every member of a Graph collection, following `@odata.nextLink` (the expected side).
async fn read_collection(url: String, token: &str) -> Vec<serde_json::Value> {
    let http = reqwest::Client::new();
    let mut members = Vec::new();
    let mut next = Some(url);
    while let Some(url) = next {
        let page: serde_json::Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        members.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    members
}

#[tokio::test]
async fn endpoint_security_policies_built_from_templates_are_captured_whole() {
    let mut tenant = TenantConfig::new(
        "3e2d1c0b-4a5f-4e6d-9c8b-7a6f5e4d3c2b",
        "4f3e2d1c-5b6a-4f7e-8d9c-8b7a6f5e4d3c",
        "template~secret-value",
    );
    tenant.counts.insert("settingsCatalog".into(), 30);
    tenant.settings_per_policy = 55;
    let config = SimConfig {
        tenants: vec![tenant.clone()],
        workers: 2,
    };
    let sim = GraphSimulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the simulator starts");
    let mut settings = GraphSettings::new(sim.graph_url(), sim.login_url());
    settings.requests_per_20s = 1_000_000;
    let client = GraphClient::new(settings).expect("client");
    let credentials = TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: tenant.azure_tenant_id.parse().unwrap(),
        client_id: tenant.client_id.parse().unwrap(),
        client_secret: SecretString::new(tenant.client_secret.clone()),
    };
    let fetched = client
        .fetch(&credentials, "settingsCatalog")
        .await
        .expect("settings catalog read");
    assert_eq!(fetched.objects.len(), 30);
    assert!(fetched.warnings.is_empty(), "{:?}", fetched.warnings);

    let token_body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", tenant.client_id.as_str()),
            ("client_secret", tenant.client_secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .finish();
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.login_url(),
            tenant.azure_tenant_id
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let templated: Vec<_> = fetched
        .objects
        .iter()
        .filter(|o| {
            o.content.to_value()["templateReference"]["templateFamily"]
                == "endpointSecurityAntivirus"
        })
        .collect();
    assert_eq!(
        templated.len(),
        6,
        "one policy in five is built from a template"
    );
    for object in templated {
        let base = format!(
            "{}/beta/deviceManagement/configurationPolicies/{}",
            sim.graph_url(),
            object.graph_id
        );
        let listed = read_collection(
            format!(
                "{}/beta/deviceManagement/configurationPolicies",
                sim.graph_url()
            ),
            token,
        )
        .await
        .into_iter()
        .find(|p| p["id"] == object.graph_id.as_str())
        .unwrap();
        let reference = &object.content.to_value()["templateReference"];
        assert_eq!(reference, &listed["templateReference"]);
        assert!(reference["templateId"].as_str().unwrap().ends_with("_1"));
        assert_eq!(reference["templateDisplayVersion"], "Version 1");
        assert_eq!(
            object.content.to_value()["technologies"],
            "mdm,microsoftSense"
        );
        let settings = read_collection(format!("{base}/settings"), token).await;
        assert_eq!(settings.len(), 55);
        assert_eq!(
            object.content.to_value()["settings"],
            serde_json::Value::Array(settings)
        );
        let assignments = read_collection(format!("{base}/assignments"), token).await;
        assert_eq!(
            object.content.to_value()["assignments"],
            serde_json::Value::Array(assignments)
        );
    }
    sim.stop().await;
}
