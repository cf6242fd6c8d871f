use serde_json::{json, Value};

use crate::helpers::{at, nightly, problem, spawn_app};

#[tokio::test]
async fn a_created_schedule_has_its_first_slot_and_reads_back_at_once() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let response = app.create_schedule(tenant_id, &nightly("Nightly")).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    // the clock says 2026-06-01T12:00Z; 02:30 in Berlin (CEST) is 00:30Z the next day
    assert_eq!(created["next_run_at"], "2026-06-02T00:30:00Z");
    assert_eq!(created["enabled"], true);
    assert_eq!(
        created["cadence"],
        json!({"kind": "daily", "times": ["02:30"]})
    );
    assert_eq!(created["tenant_id"], tenant["id"]);
    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn changing_the_cadence_recomputes_next_run_at_and_bumps_the_etag() {
    let app = spawn_app().await;
    let (_, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    app.clock.set(at("2026-06-03T10:00:00Z"));
    let response = app
        .patch(
            &path,
            &json!({"cadence": {"kind": "weekly", "days": ["fri"], "times": ["22:00"]},
                    "timezone": "America/New_York"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    // Friday 2026-06-05 22:00 EDT = Saturday 02:00Z
    assert_eq!(updated["next_run_at"], "2026-06-06T02:00:00Z");
    assert_eq!(updated["timezone"], "America/New_York");
    assert_eq!(updated["name"], "Nightly");
}

#[tokio::test]
async fn disabling_clears_next_run_at_and_enabling_computes_it_from_now() {
    let app = spawn_app().await;
    let (_, created, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let disabled: Value = app
        .post_empty(&format!("{path}/disable"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disabled["enabled"], false);
    assert!(disabled["next_run_at"].is_null());

    app.clock.set(at("2026-07-10T08:00:00Z"));
    let enabled: Value = app
        .post_empty(&format!("{path}/enable"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["next_run_at"], "2026-07-11T00:30:00Z");
    let types: Vec<String> = app
        .events_of(created["id"].as_str().unwrap())
        .await
        .into_iter()
        .map(|(event_type, _, _)| event_type)
        .collect();
    assert_eq!(
        types,
        ["ScheduleCreated", "ScheduleDisabled", "ScheduleEnabled"]
    );
}

#[tokio::test]
async fn concurrent_creates_with_one_name_produce_exactly_one_schedule() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap().to_owned();
    let attempts = (0..12).map(|index| {
        // the same name in different letter case is the same name
        let name = if index % 2 == 0 { "Nightly" } else { "NIGHTLY" };
        let body = nightly(name);
        let app = &app;
        let tenant_id = tenant_id.clone();
        async move {
            app.create_schedule(&tenant_id, &body)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1);
    assert!(statuses
        .iter()
        .all(|status| *status == 201 || *status == 409));
    let list: Value = app
        .get(&format!("/api/v1/tenants/{tenant_id}/backup-schedules"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_name_is_free_again_after_a_rename_or_delete_and_other_tenants_may_use_it() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let first: Value = app
        .create_schedule(contoso_id, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.create_schedule(fabrikam["id"].as_str().unwrap(), &nightly("Nightly"))
            .await
            .status(),
        201
    );
    let path = format!(
        "/api/v1/tenants/{contoso_id}/backup-schedules/{}",
        first["id"].as_str().unwrap()
    );
    let renamed = app.patch(&path, &json!({"name": "Nightly v2"}), None).await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        app.create_schedule(contoso_id, &nightly("Nightly"))
            .await
            .status(),
        201
    );
    let (status, body) = problem(app.patch(&path, &json!({"name": "nightly"}), None).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("schedule_name_taken"))
    );
}

#[tokio::test]
async fn another_tenants_schedule_is_not_found() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let schedule: Value = app
        .create_schedule(contoso["id"].as_str().unwrap(), &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let wrong = format!(
        "/api/v1/tenants/{}/backup-schedules/{}",
        fabrikam["id"].as_str().unwrap(),
        schedule["id"].as_str().unwrap()
    );
    let before = app.event_count().await;
    for response in [
        app.get(&wrong).await,
        app.patch(&wrong, &json!({"name": "x"}), None).await,
        app.post_empty(&format!("{wrong}/disable")).await,
        app.delete(&wrong).await,
    ] {
        let (status, body) = problem(response).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    }
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn the_policy_type_catalog_lists_selectable_types_and_foundations() {
    let app = spawn_app().await;
    let catalog: Value = app.get("/api/v1/policy-types").await.json().await.unwrap();
    let keys: Vec<&str> = catalog["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"settingsCatalog"));
    assert!(keys.contains(&"macosShellScripts"));
    assert!(keys.contains(&"conditionalAccessPolicies"));
    // 18 policy types and 5 foundations, plus the coverage of the established tools
    assert_eq!(keys.len(), 31);
    assert_eq!(catalog["foundations"].as_array().unwrap().len(), 17);
}

#[tokio::test]
async fn probes_answer_and_readiness_checks_the_database() {
    let app = spawn_app().await;
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(app.get("/docs/").await.status(), 200);
}
