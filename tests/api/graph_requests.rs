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
    // one settings request per settings-catalog policy, compliance policy read by detail
    let settings_catalog = tenant.count("settingsCatalog") as u64;
    let intents = tenant.count("endpointSecurityIntents") as u64;
    assert_eq!(
        stats.requests_by_kind["settings"],
        settings_catalog + intents,
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
    let settings_catalog = tenant.count("settingsCatalog") as u64;
    let intents = tenant.count("endpointSecurityIntents") as u64;
    assert_eq!(
        stats.requests_by_kind["settings"],
        settings_catalog + intents
    );
}
