use serde_json::{json, Value};
use tenantpilot::projections::{Consumer, ReadModels, READ_MODELS};

use crate::helpers::{nightly, spawn_app, TestApp};

async fn snapshot(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let client = app.pool.get().await.unwrap();
    let rows = |sql: &'static str| {
        let client = &client;
        async move {
            client
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<_, Value>(0).to_string())
                .collect::<Vec<_>>()
        }
    };
    (
        rows("SELECT to_jsonb(t) FROM tenants t ORDER BY id").await,
        rows("SELECT to_jsonb(s) FROM backup_schedules s ORDER BY id").await,
    )
}

#[tokio::test]
async fn a_rebuild_from_zero_reproduces_the_live_read_models() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let mut ids = Vec::new();
    for name in ["Nightly", "Weekly", "Hourly-ish"] {
        let schedule: Value = app
            .create_schedule(contoso_id, &nightly(name))
            .await
            .json()
            .await
            .unwrap();
        ids.push(schedule["id"].as_str().unwrap().to_owned());
    }
    let base = format!("/api/v1/tenants/{contoso_id}/backup-schedules");
    app.patch(
        &format!("{base}/{}", ids[0]),
        &json!({"retention_keep_last": 30, "timezone": "Asia/Kathmandu"}),
        None,
    )
    .await;
    app.post_empty(&format!("{base}/{}/disable", ids[1])).await;
    app.delete(&format!("{base}/{}", ids[2])).await;
    app.post_empty(&format!(
        "/api/v1/tenants/{}/deactivate",
        fabrikam["id"].as_str().unwrap()
    ))
    .await;

    let live = snapshot(&app).await;
    assert_eq!(live.0.len(), 2);
    assert_eq!(live.1.len(), 3);
    let consumer = Consumer::new(READ_MODELS, ReadModels);
    let applied = consumer.rebuild(&app.pool).await.unwrap();
    assert_eq!(applied as i64, app.event_count().await);
    assert_eq!(snapshot(&app).await, live);
    // caught up: nothing left to apply (the checkpoint stays), and applying again changes
    // nothing
    let client = app.pool.get().await.unwrap();
    let rebuilt_to = checkpoint(&client).await;
    drop(client);
    assert_eq!(consumer.catch_up(&app.pool).await.unwrap(), rebuilt_to);
    assert_eq!(snapshot(&app).await, live);
}

async fn checkpoint(client: &deadpool_postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT position FROM consumer_checkpoints WHERE name = $1",
            &[&READ_MODELS],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_consumer_resumes_from_its_checkpoint_without_applying_twice() {
    let app = spawn_app().await;
    app.create_tenant("Contoso").await;
    let client = app.pool.get().await.unwrap();
    let first = checkpoint(&client).await;
    assert!(first > 0);
    // a fresh consumer (as after a restart) finds nothing new to do
    let consumer = Consumer::new(READ_MODELS, ReadModels);
    assert_eq!(consumer.catch_up(&app.pool).await.unwrap(), first);
    assert_eq!(checkpoint(&client).await, first);
    app.create_tenant("Fabrikam").await;
    assert!(checkpoint(&client).await > first);
    let tenants: i64 = client
        .query_one("SELECT count(*) FROM tenants", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tenants, 2);
}
