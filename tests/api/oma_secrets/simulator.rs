//! The simulator's `getOmaSettingPlainTextValue`, as Graph documents it.

use serde_json::Value;

use super::{plain_text_call, sim_get};
use crate::graph_world::{sim_token, start_simulator, tenant_config};

#[tokio::test]
async fn the_simulator_reveals_a_plain_value_only_as_graph_documents() {
    let tenant = tenant_config(&[("deviceConfigurations", 2)]);
    let sim = start_simulator(vec![tenant.clone()]).await;
    let token = sim_token(&sim, &tenant).await;
    let list: Value = crate::helpers::http_client()
        .get(format!(
            "{}/beta/deviceManagement/deviceConfigurations",
            sim.graph_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // index 1 is the custom profile: its encrypted settings are masked in the list
    let custom = &list["value"][1];
    let id = custom["id"].as_str().unwrap();
    let setting = &custom["omaSettings"][1];
    assert_eq!(
        (&setting["isEncrypted"], &setting["value"]),
        (&Value::from(true), &Value::from("****"))
    );
    let reference = setting["secretReferenceValueId"].as_str().unwrap();

    let (status, body) = sim_get(&sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 200);
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#Edm.String"));
    let value = body["value"].as_str().unwrap();
    assert!(value != "****" && !value.is_empty());
    // the same value on every read
    let (_, again) = sim_get(&sim, &token, id, &plain_text_call(reference)).await;
    assert_eq!(again["value"], value);

    for (call, target, expected) in [
        (
            "getOmaSettingPlainTextValue".to_owned(),
            id,
            (400, "BadRequest"),
        ),
        (
            "getOmaSettingPlainTextValue(secretReferenceValueId=12)".to_owned(),
            id,
            (400, "BadRequest"),
        ),
        (
            plain_text_call("no-such-reference"),
            id,
            (404, "ResourceNotFound"),
        ),
        (
            plain_text_call(reference),
            "no-such-profile",
            (404, "ResourceNotFound"),
        ),
    ] {
        let (status, body) = sim_get(&sim, &token, target, &call).await;
        assert_eq!(
            (status, body["error"]["code"].as_str().unwrap()),
            expected,
            "{call}"
        );
    }

    // Graph requires the ReadWrite permission to reveal a secret value
    let mut read_only = tenant.clone();
    read_only
        .roles
        .retain(|role| role != "DeviceManagementConfiguration.ReadWrite.All");
    let sim_read_only = start_simulator(vec![read_only.clone()]).await;
    let token = sim_token(&sim_read_only, &read_only).await;
    let (status, body) = sim_get(&sim_read_only, &token, id, &plain_text_call(reference)).await;
    assert_eq!(status, 403);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("DeviceManagementConfiguration.ReadWrite.All"));
}
