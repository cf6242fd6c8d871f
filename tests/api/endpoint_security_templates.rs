//! Endpoint-security policies built from templates live in `configurationPolicies` beside
//! plain settings-catalog policies, told apart by their `templateReference`: a run backs
//! them up whole (template family and id, every setting, assignments), end to end against
//! the Graph simulator and PostgreSQL.

use serde_json::Value;

use crate::graph_world::{tenant_config, World};

#[tokio::test]
async fn a_run_backs_up_endpoint_security_policies_built_from_templates_whole() {
    let mut tenant = tenant_config(&[("settingsCatalog", 15)]);
    tenant.settings_per_policy = 40;
    let world = World::new(tenant).await;
    let path = world
        .schedule("Security", &["settingsCatalog"], false)
        .await;
    let run = world.run_now(&path).await;
    assert_eq!(run["status"], "success", "{run:#}");

    let rows = world
        .app
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT p.graph_id, c.content FROM policies p
             JOIN content_blobs c ON c.hash = p.content_hash
             WHERE p.policy_type = 'settingsCatalog'
               AND c.content -> 'templateReference' ->> 'templateFamily' = 'endpointSecurityAntivirus'
             ORDER BY p.graph_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "one policy in five is built from a template");
    for row in rows {
        let content: Value = row.get(1);
        let reference = &content["templateReference"];
        assert!(
            reference["templateId"].as_str().unwrap().ends_with("_1"),
            "{reference}"
        );
        assert!(reference["templateDisplayName"].is_string());
        assert_eq!(reference["templateDisplayVersion"], "Version 1");
        assert_eq!(content["technologies"], "mdm,microsoftSense");
        assert_eq!(content["disableEntraGroupPolicyAssignment"], false);
        assert_eq!(
            content["settings"].as_array().map(Vec::len),
            Some(40),
            "every setting of {}",
            row.get::<_, String>(0)
        );
        assert!(content["assignments"].is_array());
    }
}
