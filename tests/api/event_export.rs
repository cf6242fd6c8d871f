//! The feed as NDJSON: the same events as the pages, filtered and scoped alike, up to a
//! position fixed at the start; 100,000 events streamed by the real binary in flat memory;
//! and the actor and correlation filters served by their indexes.

use std::time::Duration;

use chrono::Utc;
use cqrs_es::persist::SerializedEvent;
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::store::{
    append_in_transaction, explain_filtered, read_filtered, FeedCursor, FeedFilter,
};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::events::read_feed;
use crate::helpers::{fresh_database, http_client, nightly, problem, spawn_app, ADMIN_TOKEN};

/// Splits an NDJSON body into its objects; every line, the last included, ends in `\n`.
fn lines(body: &str) -> Vec<Value> {
    assert!(body.is_empty() || body.ends_with('\n'), "lines end in \\n");
    body.lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[tokio::test]
async fn the_export_streams_what_the_pages_show_filtered_and_scoped_alike() {
    let app = spawn_app().await;
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let contoso = tenant["id"].as_str().unwrap();
    app.post_empty(&format!("{path}/disable")).await;
    app.post_empty(&format!("{path}/enable")).await;
    let (fabrikam, _, _) = app
        .tenant_with_schedule("Fabrikam", &nightly("Nightly"))
        .await;
    let fabrikam = fabrikam["id"].as_str().unwrap();

    for query in [
        "",
        "event_type=ScheduleDisabled",
        "actor=bootstrap-admin&aggregate_type=schedule",
        &format!("tenant_id={contoso}&aggregate_type=schedule"),
        "to_position=3",
    ] {
        let response = app.get(&format!("/api/v1/events/export?{query}")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/x-ndjson");
        let exported = lines(&response.text().await.unwrap());
        assert_eq!(
            exported,
            read_feed(&app, &format!("&{query}")).await,
            "{query}"
        );
        assert!(!exported.is_empty(), "{query}");
        // the same export, asked of the feed itself by content negotiation
        let negotiated = app
            .request(reqwest::Method::GET, &format!("/api/v1/events?{query}"))
            .header("Accept", "application/x-ndjson")
            .send()
            .await
            .unwrap();
        assert_eq!(negotiated.headers()["content-type"], "application/x-ndjson");
        assert_eq!(lines(&negotiated.text().await.unwrap()), exported);
    }
    // JSON stays the answer unless NDJSON is preferred
    for accept in ["*/*", "application/json, application/x-ndjson;q=0.5"] {
        let page = app
            .request(reqwest::Method::GET, "/api/v1/events")
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.headers()["content-type"],
            "application/json",
            "{accept}"
        );
    }
    let (status, body) = problem(
        app.request(reqwest::Method::GET, "/api/v1/events?limit=5")
            .header("Accept", "application/x-ndjson")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("limit"))
    );

    // an auditor exports its tenants' events only, and another tenant is missing
    let (_, token) = app.issue_token("auditor", Some(vec![contoso])).await;
    let auditor = app.as_token(Some(&token));
    let exported = lines(
        &auditor
            .get("/api/v1/events/export")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(exported.len(), 4, "{exported:?}");
    assert!(exported.iter().all(|event| event["tenant_id"] == contoso));
    let (status, _) = problem(
        auditor
            .get(&format!("/api/v1/events/export?tenant_id={fabrikam}"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (_, token) = app.issue_token("viewer", None).await;
    let (status, _) = problem(
        app.as_token(Some(&token))
            .get("/api/v1/events/export")
            .await,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_export_ends_at_the_position_committed_when_it_started() {
    let app = spawn_app().await;
    let (_, _, path) = app
        .tenant_with_schedule("Contoso", &nightly("Nightly"))
        .await;
    let response = app.get("/api/v1/events/export").await;
    let bound: i64 = response.headers()["x-export-to-position"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let head = app.count("SELECT max(position) FROM events").await;
    assert_eq!(bound, head);
    // written while the export is open: not part of it
    assert_eq!(
        app.post_empty(&format!("{path}/disable")).await.status(),
        200
    );
    let exported = lines(&response.text().await.unwrap());
    assert_eq!(exported.len(), 2);
    assert_eq!(exported.last().unwrap()["position"], bound);
    // an explicit bound above the head is lowered to it; below it, kept
    let response = app.get("/api/v1/events/export?to_position=999999").await;
    assert_eq!(
        response.headers()["x-export-to-position"],
        app.count("SELECT max(position) FROM events")
            .await
            .to_string()
            .as_str()
    );
    let response = app.get("/api/v1/events/export?to_position=1").await;
    assert_eq!(response.headers()["x-export-to-position"], "1");
    assert_eq!(lines(&response.text().await.unwrap()).len(), 1);
}

/// `count` events of made-up aggregates through the store's own append (so whatever the
/// append computes for each event is there), in transactions of 2,000. Event `n` is
/// numbered in its payload, padded with `padding` bytes, and acted by `actor(n)` under
/// `correlation(n)`.
async fn append_probes(
    pool: &Pool,
    count: usize,
    padding: usize,
    actor: impl Fn(usize) -> String,
    correlation: impl Fn(usize) -> String,
) {
    let tenant_id = Uuid::now_v7().to_string();
    let filler = "x".repeat(padding);
    let timestamp = Utc::now().to_rfc3339();
    let mut client = pool.get().await.unwrap();
    for start in (0..count).step_by(2_000) {
        let events: Vec<SerializedEvent> = (start..count.min(start + 2_000))
            .map(|n| {
                SerializedEvent::new(
                    format!("probe-{}", n / 1_000),
                    n % 1_000 + 1,
                    "audit_probe".to_owned(),
                    "ProbeRecorded".to_owned(),
                    "1".to_owned(),
                    json!({"type": "ProbeRecorded", "n": n, "padding": filler}),
                    json!({"actor": actor(n), "correlation_id": correlation(n),
                           "tenant_id": tenant_id, "timestamp": timestamp}),
                )
            })
            .collect();
        let transaction = client.transaction().await.unwrap();
        append_in_transaction(&transaction, &events).await.unwrap();
        transaction.commit().await.unwrap();
    }
}

#[tokio::test]
async fn the_actor_and_correlation_filters_are_served_by_their_indexes() {
    let (_, pool, _database) = fresh_database().await;
    let rare = |n: usize| n % 5_000 == 7;
    append_probes(
        &pool,
        20_000,
        0,
        |n| if rare(n) { "probe:rare" } else { "probe:bulk" }.to_owned(),
        |n| {
            if rare(n) {
                format!("rare-{n}")
            } else {
                "bulk".to_owned()
            }
        },
    )
    .await;
    let client = pool.get().await.unwrap();
    client.batch_execute("ANALYZE events").await.unwrap();

    let by_actor = FeedFilter {
        actor: Some("probe:rare".to_owned()),
        ..FeedFilter::default()
    };
    let found = read_filtered(&client, &[], &by_actor, FeedCursor::START, 100)
        .await
        .unwrap();
    let numbers: Vec<i64> = found
        .iter()
        .map(|event| event.payload["n"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [7, 5_007, 10_007, 15_007]);
    let plan = explain_filtered(&client, &by_actor, FeedCursor::START, 100)
        .await
        .unwrap();
    assert!(plan.contains("events_actor_feed"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");

    let by_correlation = FeedFilter {
        correlation_id: Some("rare-5007".to_owned()),
        ..FeedFilter::default()
    };
    let found = read_filtered(&client, &[], &by_correlation, FeedCursor::START, 100)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].payload["n"], 5_007);
    let plan = explain_filtered(&client, &by_correlation, FeedCursor::START, 100)
        .await
        .unwrap();
    assert!(plan.contains("events_correlation_feed"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
}

/// `tenantpilot serve` (the API alone) on `database_url`, once it answers, and its port.
async fn serve(database_url: &str) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("TENANTPILOT_BIND", format!("127.0.0.1:{port}"))
        .env("TENANTPILOT_ROLES", "api")
        .env("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env(
            "TENANTPILOT_SECRET_KEY",
            tenantpilot::secrets::SecretKey::generate().to_base64(),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let http = http_client();
    for _ in 0..600 {
        let ready = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await;
        if ready.is_ok_and(|response| response.status() == 200) {
            return (child, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tenantpilot serve did not get ready within a minute");
}

/// The process's peak resident memory so far, in bytes (`VmHWM`).
fn peak_memory(child: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id().unwrap())).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kilobytes: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kilobytes * 1024
}

/// Reads an export chunk by chunk (never the whole body at once), checking each line as it
/// completes: returns (lines, bytes).
async fn read_export(mut response: reqwest::Response) -> (usize, usize) {
    let (mut count, mut bytes, mut pending) = (0, 0, Vec::new());
    while let Some(chunk) = response.chunk().await.expect("the body streams to its end") {
        bytes += chunk.len();
        pending.extend_from_slice(&chunk);
        let complete = pending
            .iter()
            .rposition(|byte| *byte == b'\n')
            .map_or(0, |i| i + 1);
        for line in pending[..complete]
            .split(|byte| *byte == b'\n')
            .filter(|l| !l.is_empty())
        {
            let event: Value = serde_json::from_slice(line).unwrap();
            assert_eq!(event["payload"]["n"], count, "every event, in order");
            count += 1;
        }
        pending.drain(..complete);
    }
    assert!(pending.is_empty(), "the last line ends in \\n");
    (count, bytes)
}

const EVENTS: usize = 100_000;
/// The peak memory the export may add to the server: a few batches. The export is far
/// larger (about 140 MB), so buffering it, or running ahead of the client, cannot pass.
const GROWTH_BOUND: u64 = 32 * 1024 * 1024;

#[tokio::test]
async fn the_binary_exports_100000_events_completely_in_order_and_in_flat_memory() {
    let (url, pool, _database) = fresh_database().await;
    append_probes(&pool, EVENTS, 1_200, |_| "probe".into(), |_| "load".into()).await;
    let (child, port) = serve(&url).await;
    let http = http_client();
    let export = |query: &str| {
        http.get(format!(
            "http://127.0.0.1:{port}/api/v1/events/export{query}"
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
    };
    // warm up every code path the export takes, then measure from there
    let (warm_up, _) = read_export(export("?to_position=3000").await.unwrap()).await;
    assert_eq!(warm_up, 3_000);
    let before = peak_memory(&child);

    let response = export("").await.unwrap();
    assert_eq!(response.status(), 200);
    let (count, bytes) = read_export(response).await;
    let after = peak_memory(&child);
    let growth = after.saturating_sub(before);
    eprintln!(
        "exported {count} events, {:.1} MB; server peak RSS {:.1} MB before, {:.1} MB after (+{:.1} MB)",
        bytes as f64 / 1e6,
        before as f64 / 1e6,
        after as f64 / 1e6,
        growth as f64 / 1e6
    );
    assert_eq!(count, EVENTS);
    assert!(
        bytes as u64 > 4 * GROWTH_BOUND,
        "the export is {bytes} bytes"
    );
    assert!(
        growth < GROWTH_BOUND,
        "the server's peak memory grew by {growth} bytes over an export of {bytes}"
    );
}
