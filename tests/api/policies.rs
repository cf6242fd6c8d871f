//! The synced inventory over HTTP: listing with filters and cursor, ignoring and
//! unignoring (events; refused for unknown or other tenants' policies, writing nothing).

use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{problem, spawn_app, TestApp};

/// Inventory rows, as a run's sync writes them: (type, name) each.
async fn synced(app: &TestApp, tenant: &str, policies: &[(&str, &str)]) -> Vec<String> {
    let client = app.pool.get().await.unwrap();
    let mut ids = Vec::new();
    for (index, (policy_type, name)) in policies.iter().enumerate() {
        let id = Uuid::now_v7();
        client
            .execute(
                "INSERT INTO policies (id, tenant_id, policy_type, graph_id, display_name,
                                       content_hash, is_foundation, first_seen_at,
                                       last_changed_at)
                 VALUES ($1, $2::text::uuid, $3, $4, $5, 'h', false, now(), now())",
                &[&id, &tenant, policy_type, &format!("graph-{index}"), name],
            )
            .await
            .unwrap();
        ids.push(id.to_string());
    }
    ids
}

#[tokio::test]
async fn policies_list_by_type_and_name_a_page_at_a_time() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    synced(
        &app,
        tenant_id,
        &[
            ("settingsCatalog", "Windows baseline"),
            ("settingsCatalog", "Edge hardening"),
            ("deviceConfigurations", "Windows Wi-Fi"),
        ],
    )
    .await;
    let list = |query: &str| {
        let path = format!("/api/v1/tenants/{tenant_id}/policies{query}");
        let app = app.clone();
        async move { app.get(&path).await.json::<Value>().await.unwrap() }
    };
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["display_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&list("").await).len(), 3);
    assert_eq!(
        names(&list("?policy_type=settingsCatalog").await),
        ["Windows baseline", "Edge hardening"]
    );
    assert_eq!(
        names(&list("?search=windows").await),
        ["Windows baseline", "Windows Wi-Fi"]
    );
    let first = list("?limit=2").await;
    assert_eq!(names(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(names(&second), ["Windows Wi-Fi"]);
    assert!(second["next_cursor"].is_null());

    let (status, body) = problem(
        app.get(&format!(
            "/api/v1/tenants/{tenant_id}/policies?policy_type=nope"
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[tokio::test]
async fn ignoring_is_an_event_and_shows_on_the_policy() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let ids = synced(&app, tenant_id, &[("settingsCatalog", "Windows baseline")]).await;
    let path = format!("/api/v1/tenants/{tenant_id}/policies/{}", ids[0]);

    let ignored: Value = app
        .post_empty(&format!("{path}/ignore"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ignored["ignored"], true);
    assert_eq!(
        app.get(&path).await.json::<Value>().await.unwrap()["ignored"],
        true
    );
    // ignoring again records nothing
    let before = app.event_count().await;
    assert_eq!(
        app.post_empty(&format!("{path}/ignore")).await.status(),
        200
    );
    assert_eq!(app.event_count().await, before);

    let unignored: Value = app
        .post_empty(&format!("{path}/unignore"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unignored["ignored"], false);
    let events: Vec<String> = app
        .events_of(&ids[0])
        .await
        .into_iter()
        .map(|(event_type, _, _)| event_type)
        .collect();
    assert_eq!(events, ["PolicyIgnored", "PolicyUnignored"]);
}

#[tokio::test]
async fn an_unknown_or_other_tenants_policy_is_not_found_and_nothing_is_written() {
    let app = spawn_app().await;
    let own = app.create_tenant("Contoso").await;
    let other = app.create_tenant("Fabrikam").await;
    let own_id = own["id"].as_str().unwrap();
    let others = synced(
        &app,
        other["id"].as_str().unwrap(),
        &[("settingsCatalog", "X")],
    )
    .await;
    let before = app.event_count().await;
    for policy_id in [others[0].clone(), Uuid::now_v7().to_string()] {
        for action in ["ignore", "unignore"] {
            let (status, body) = problem(
                app.post_empty(&format!(
                    "/api/v1/tenants/{own_id}/policies/{policy_id}/{action}"
                ))
                .await,
            )
            .await;
            assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
        }
    }
    let (status, _) = problem(
        app.post_empty(&format!(
            "/api/v1/tenants/{own_id}/policies/not-a-uuid/ignore"
        ))
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_query_value_with_control_characters_is_refused_not_a_server_error() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/tenants/{tenant_id}/policies?search=%00%C3%AA"),
        "/api/v1/events?aggregate_id=a%00b".to_owned(),
    ] {
        let (status, body) = problem(app.get(&path).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_query")),
            "{path}"
        );
    }
}
