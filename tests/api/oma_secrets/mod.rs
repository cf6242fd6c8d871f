//! Encrypted custom OMA-URI values over real HTTP against the simulator and a real
//! PostgreSQL: read through `getOmaSettingPlainTextValue`, stored sealed with their backup
//! set, never in clear (nor base64) in the database dump, the export or an API answer;
//! re-sealed by the key rotation, purged with their set, and no new blob for an unchanged
//! second run. This module holds what the tests share.

mod capture;
mod simulator;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;
use tenantpilot::graph_sim::{RunningSimulator, TenantConfig};
use tenantpilot::secrets::SecretKey;

use crate::graph_world::{graph_settings, register, sim_token, start_simulator, World};
use crate::helpers::spawn_app_with;

/// A world whose app seals with a key the test knows.
pub async fn world_with_key(tenant: TenantConfig, key: &SecretKey) -> World {
    let sim = start_simulator(vec![tenant.clone()]).await;
    let graph = graph_settings(&sim);
    let key = key.to_base64();
    let app = spawn_app_with(move |name| match name {
        "TENANTPILOT_SECRET_KEY" => Some(key.clone()),
        _ => graph(name),
    })
    .await;
    let tenant_id = register(&app, &tenant).await;
    World {
        app,
        sim,
        tenant,
        tenant_id,
    }
}

/// `GET .../deviceConfigurations/{id}/{call}` on the simulator: status and body.
pub async fn sim_get(sim: &RunningSimulator, token: &str, id: &str, call: &str) -> (u16, Value) {
    let url = format!(
        "{}/beta/deviceManagement/deviceConfigurations/{id}/{call}",
        sim.graph_url()
    );
    let response = crate::helpers::http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub fn plain_text_call(reference: &str) -> String {
    format!("getOmaSettingPlainTextValue(secretReferenceValueId='{reference}')")
}

/// The plain value the simulated Graph reveals for one setting, read as any client would.
pub async fn plain_value(
    sim: &RunningSimulator,
    tenant: &TenantConfig,
    id: &str,
    reference: &str,
) -> String {
    let token = sim_token(sim, tenant).await;
    let (status, body) = sim_get(sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 200, "{body}");
    body["value"].as_str().unwrap().to_owned()
}

/// The custom profiles of the set, with their item detail (content and secrets).
pub async fn custom_items(world: &World, set: &str) -> Vec<Value> {
    let base = format!(
        "/api/v1/tenants/{}/backup-sets/{set}/items",
        world.tenant_id
    );
    let page: Value = world
        .app
        .get(&format!("{base}?limit=200"))
        .await
        .json()
        .await
        .unwrap();
    let mut details = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let detail: Value = world
            .app
            .get(&format!("{base}/{}", item["id"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        if detail["content"]["@odata.type"] == "#microsoft.graph.windows10CustomConfiguration" {
            details.push(detail);
        }
    }
    details
}

/// Every way the value could be written out: in clear and base64 (standard, URL-safe,
/// padded or not, at every byte alignment).
fn encodings(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    for shift in 0..3 {
        let bytes = [&b"xx"[..shift], value.as_bytes()].concat();
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            // past the first quantum, the characters depend on the value alone
            forms.push(encoded[4..encoded.len() - 4].to_owned());
        }
    }
    forms
}

pub fn assert_absent(haystack: &[u8], values: &[String], what: &str) {
    let text = String::from_utf8_lossy(haystack);
    for value in values {
        for form in encodings(value) {
            assert!(
                !text.contains(&form),
                "{what} holds a secret value ({form})"
            );
        }
    }
}

pub fn pg_dump(database_url: &str) -> Vec<u8> {
    let name = database_url.rsplit('/').next().unwrap();
    let output = std::process::Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-U", "postgres", name])
        .output()
        .expect("pg_dump runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
