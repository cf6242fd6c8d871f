//! Tamper evidence: the hash chain written with every append, its verification (full and
//! incremental), anchors, the legacy backfill, and the API and command line in front.

use std::time::Duration;

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::audit::{record_anchor, verify, BrokenReason, VerificationReport};
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::store::{
    event_hash, jsonb_text, read_chain_rows, FeedCursor, HashChain, PgEventRepository, GENESIS,
};

use crate::helpers::{at, fresh_database, spawn_app, spawn_app_with, ADMIN_TOKEN};

const TENANT: &str = "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f";

fn probe(stream: &str, sequence: usize, payload: Value) -> SerializedEvent {
    SerializedEvent::new(
        stream.to_owned(),
        sequence,
        "audit_probe".to_owned(),
        "ProbeRecorded".to_owned(),
        "1".to_owned(),
        payload,
        json!({"actor": "test", "correlation_id": "audit-test", "tenant_id": TENANT,
               "timestamp": "2026-06-01T12:00:00.000000Z"}),
    )
}

/// Appends `count` events to each of `streams` (one append per event, streams taking
/// turns, so the global order interleaves them), after `already` events each.
async fn append_rounds(
    repository: &PgEventRepository,
    streams: &[&str],
    already: usize,
    count: usize,
) {
    for sequence in already + 1..=already + count {
        for stream in streams {
            let payload = json!({"type": "ProbeRecorded", "n": sequence, "stream": stream});
            repository
                .persist::<Schedule>(&[probe(stream, sequence, payload)], None)
                .await
                .expect("append");
        }
    }
}

async fn position_of(pool: &Pool, stream: &str, sequence: i64) -> i64 {
    pool.get()
        .await
        .unwrap()
        .query_one(
            "SELECT position FROM events WHERE aggregate_id = $1 AND sequence = $2",
            &[&stream, &sequence],
        )
        .await
        .unwrap()
        .get(0)
}

/// Runs `sql` with the immutability trigger off, as someone with write access to the
/// database could.
async fn tamper(pool: &Pool, sql: &str) {
    pool.get()
        .await
        .unwrap()
        .batch_execute(&format!(
            "BEGIN; ALTER TABLE events DISABLE TRIGGER events_no_update; {sql};
             ALTER TABLE events ENABLE TRIGGER events_no_update; COMMIT;"
        ))
        .await
        .expect("tampering succeeds");
}

async fn verified(pool: &Pool, full: bool) -> VerificationReport {
    verify(pool, at("2026-06-01T13:00:00Z"), full)
        .await
        .expect("verification runs")
}

fn assert_broken(report: &VerificationReport, position: i64, reason: BrokenReason) {
    assert!(!report.is_ok(), "{report:#?}");
    assert_eq!(report.first_broken_position, Some(position), "{report:#?}");
    assert_eq!(report.reason, Some(reason), "{report:#?}");
}

#[tokio::test]
async fn a_fresh_log_verifies_and_the_next_run_continues_after_it() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 5).await;
    // one append of several events of one stream: they chain to each other in memory
    let batch: Vec<_> = (6..=8)
        .map(|sequence| probe("a", sequence, json!({"n": sequence})))
        .collect();
    repository.persist::<Schedule>(&batch, None).await.unwrap();

    let first = verified(&pool, false).await;
    assert!(first.is_ok(), "{first:#?}");
    assert_eq!(
        (
            first.events_checked,
            first.event_count,
            first.started_after_position
        ),
        (13, 13, 0)
    );
    let head = position_of(&pool, "a", 8).await;
    assert_eq!(first.verified_through_position, head);
    assert_eq!(first.first_broken_position, None);

    let again = verified(&pool, false).await;
    assert!(again.is_ok(), "{again:#?}");
    assert_eq!((again.events_checked, again.event_count), (0, 13));
    assert_eq!(again.started_after_position, head);
    assert_eq!(again.digest, first.digest, "nothing new, the same digest");

    append_rounds(&repository, &["b"], 5, 2).await;
    append_rounds(&repository, &["c"], 0, 2).await;
    let next = verified(&pool, false).await;
    assert!(next.is_ok(), "{next:#?}");
    assert_eq!((next.events_checked, next.event_count), (4, 17));
    let full = verified(&pool, true).await;
    assert!(full.is_ok(), "{full:#?}");
    assert_eq!((full.events_checked, full.digest), (17, next.digest));
}

#[tokio::test]
async fn an_edited_payload_breaks_verification_at_exactly_its_position() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 3).await;
    assert!(verified(&pool, false).await.is_ok());
    let verified_through = position_of(&pool, "b", 3).await;
    append_rounds(&repository, &["a", "b"], 3, 3).await;

    // beyond the verified position: incremental and full runs both find it
    let beyond = position_of(&pool, "a", 5).await;
    tamper(
        &pool,
        &format!(
            "UPDATE events SET payload = jsonb_set(payload, '{{n}}', '50') WHERE position = {beyond}"
        ),
    )
    .await;
    let incremental = verified(&pool, false).await;
    assert_broken(&incremental, beyond, BrokenReason::HashMismatch);
    assert_eq!(incremental.started_after_position, verified_through);
    assert!(incremental.verified_through_position < beyond);
    assert_broken(
        &verified(&pool, true).await,
        beyond,
        BrokenReason::HashMismatch,
    );
    // a broken run stores nothing: the next incremental run starts where the last good one
    let still = verified(&pool, false).await;
    assert_eq!(still.started_after_position, verified_through);

    // before it: only a full run reads it again, and it is the first break now
    let before = position_of(&pool, "b", 2).await;
    assert!(before < verified_through);
    tamper(
        &pool,
        &format!(
            "UPDATE events SET metadata = metadata || '{{\"actor\": \"someone else\"}}' \
             WHERE position = {before}"
        ),
    )
    .await;
    assert_broken(
        &verified(&pool, true).await,
        before,
        BrokenReason::HashMismatch,
    );
    assert_broken(
        &verified(&pool, false).await,
        beyond,
        BrokenReason::HashMismatch,
    );
}

#[tokio::test]
async fn a_forger_who_recomputes_the_hash_is_caught_at_the_streams_next_event() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 4).await;
    let forged = position_of(&pool, "a", 2).await;
    tamper(
        &pool,
        &format!("UPDATE events SET payload = '{{\"n\": 2, \"forged\": true}}' WHERE position = {forged}"),
    )
    .await;
    assert_broken(
        &verified(&pool, true).await,
        forged,
        BrokenReason::HashMismatch,
    );

    // the forger gives the edited event the hash of its new content
    let client = pool.get().await.unwrap();
    let row = read_chain_rows(&client, cursor_before(&client, forged).await, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.position, forged);
    let previous: Vec<u8> = client
        .query_one(
            "SELECT hash FROM events WHERE aggregate_id = 'a' AND sequence = 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let rehashed = event_hash(&previous.try_into().unwrap(), &row.hashed());
    tamper(
        &pool,
        &format!(
            "UPDATE events SET hash = '\\x{}' WHERE position = {forged}",
            tenantpilot::store::hex(&rehashed)
        ),
    )
    .await;

    let next_of_stream = position_of(&pool, "a", 3).await;
    let report = verified(&pool, true).await;
    assert_broken(&report, next_of_stream, BrokenReason::HashMismatch);
    assert!(report.verified_through_position > forged, "{report:#?}");
}

#[tokio::test]
async fn deleting_the_last_events_after_an_anchor_is_an_anchor_mismatch() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 4).await;
    let early = record_anchor(&pool, at("2026-06-01T12:00:00Z"))
        .await
        .unwrap()
        .expect("an anchor of the first events");
    append_rounds(&repository, &["a", "b"], 4, 3).await;
    let anchor = record_anchor(&pool, at("2026-06-01T13:00:00Z"))
        .await
        .unwrap()
        .expect("an anchor of the head");
    let head = position_of(&pool, "b", 7).await;
    assert_eq!((anchor.position, anchor.event_count), (head, 14));
    assert_eq!(early.event_count, 8);
    // nothing new: no anchor
    assert!(record_anchor(&pool, at("2026-06-01T14:00:00Z"))
        .await
        .unwrap()
        .is_none());
    let intact = verified(&pool, true).await;
    assert!(intact.is_ok(), "{intact:#?}");
    assert_eq!(intact.anchors_checked, 2);
    assert_eq!(intact.digest, anchor.digest);

    // the last three events go; the per-stream chains of what is left are intact
    let cut = position_of(&pool, "b", 6).await;
    tamper(
        &pool,
        &format!("DELETE FROM events WHERE position >= {cut}"),
    )
    .await;

    let full = verified(&pool, true).await;
    assert_broken(&full, anchor.position, BrokenReason::AnchorMismatch);
    let check = full.last_anchor.as_ref().expect("the anchor compared");
    assert_eq!((check.found_event_count, check.matches), (11, false));
    assert_eq!(full.anchors_checked, 2, "the early anchor still matches");
    // the run stored before the deletion notices the verified events are fewer now
    let incremental = verified(&pool, false).await;
    assert_broken(&incremental, head, BrokenReason::VerifiedPrefixChanged);
}

#[tokio::test]
async fn a_tail_deleted_beyond_the_verified_position_is_found_incrementally() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a"], 0, 3).await;
    assert!(verified(&pool, false).await.is_ok());
    append_rounds(&repository, &["a"], 3, 3).await;
    let anchor = record_anchor(&pool, at("2026-06-01T13:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    let cut = position_of(&pool, "a", 5).await;
    tamper(
        &pool,
        &format!("DELETE FROM events WHERE position >= {cut}"),
    )
    .await;
    let report = verified(&pool, false).await;
    assert_broken(&report, anchor.position, BrokenReason::AnchorMismatch);
    assert_eq!(report.events_checked, 1);
}

#[tokio::test]
async fn a_deleted_event_inside_a_stream_breaks_its_successor() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 3).await;
    let gone = position_of(&pool, "a", 2).await;
    tamper(
        &pool,
        &format!("DELETE FROM events WHERE position = {gone}"),
    )
    .await;
    let successor = position_of(&pool, "a", 3).await;
    assert_broken(
        &verified(&pool, true).await,
        successor,
        BrokenReason::MissingPredecessor,
    );
    // and a NULLed hash is reported where it is
    let b2 = position_of(&pool, "b", 2).await;
    tamper(&pool, &format!(
        "ALTER TABLE events DROP CONSTRAINT events_hash_present; UPDATE events SET hash = NULL WHERE position = {b2}"
    ))
    .await;
    assert_broken(&verified(&pool, true).await, b2, BrokenReason::MissingHash);
}

/// JSON whose `jsonb` form differs from what serde_json sends: key order, number notation,
/// escapes, non-ASCII text. Each must hash the same on the way in (computed from the value)
/// and on the way out (read back as PostgreSQL prints it).
fn awkward_payloads() -> Vec<Value> {
    let mut payloads = vec![
        json!({"zeta": 1, "a": 2, "ab": 3, "é": 4, "z": {"yy": [], "x": {}}}),
        json!({"floats": [0.1, 0.5, -0.0, 3.0, 1e-7, 1.5e-7, 1e20, 1e21, 1e300, 2.2250738585072014e-308,
                          5e-324, 1.7976931348623157e308, 123456.789, -2.5e-3, 1.0 / 3.0]}),
        json!({"integers": [0, -1, i64::MIN, i64::MAX, u64::MAX, 9007199254740993_u64]}),
        json!({"integral floats": [1e15, 1e16, 1e17, 1e18, 2.0_f64.powi(60), 2.0_f64.powi(64), -1e19]}),
        json!({"text": "quote \" backslash \\ slash / tab \t newline \n cr \r bell \u{7} esc \u{1b} del \u{7f}",
               "unicode": "Grüße, 東京, עברית, emoji 😀👩‍👩‍👧, combining e\u{301}, bom \u{feff}, nbsp \u{a0}, line sep \u{2028}"}),
        json!([1, [2, [3, [4, [5, {"deep": [true, false, null]}]]]]]),
        json!("a bare string"),
        json!(42),
        json!(null),
        json!({"": "empty key", " ": "space key", "\u{1}": "control key"}),
    ];
    // floats across the whole range, from a fixed generator
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut floats = Vec::new();
    while floats.len() < 300 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let value = f64::from_bits(state);
        if value.is_finite() {
            floats.push(value);
            floats.push((state >> 11) as f64 / (1_u64 << 53) as f64 * 1000.0);
        }
    }
    payloads.push(json!({"random floats": floats}));
    payloads
}

#[tokio::test]
async fn payloads_of_every_json_shape_survive_the_jsonb_round_trip() {
    let (_, pool, _database) = fresh_database().await;
    let client = pool.get().await.unwrap();
    for payload in awkward_payloads() {
        let printed: String = client
            .query_one("SELECT $1::jsonb::text", &[&payload])
            .await
            .unwrap()
            .get(0);
        assert_eq!(jsonb_text(&payload), printed, "for {payload}");
    }
    let repository = PgEventRepository::new(pool.clone());
    let events: Vec<_> = awkward_payloads()
        .into_iter()
        .enumerate()
        .map(|(index, payload)| probe("awkward", index + 1, payload))
        .collect();
    repository.persist::<Schedule>(&events, None).await.unwrap();
    let report = verified(&pool, true).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.events_checked, events.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_group_committed_appends_chain_and_verify() {
    let (_, pool, _database) = fresh_database().await;
    let shared = PgEventRepository::new(pool.clone());
    // 16 tasks through one writer (batched together) and 4 through writers of their own
    let tasks: Vec<_> = (0..20)
        .map(|task| {
            let repository = if task < 16 {
                shared.clone()
            } else {
                PgEventRepository::new(pool.clone())
            };
            tokio::spawn(async move {
                let stream = format!("stream-{task}");
                for sequence in 1..=25 {
                    let events = [
                        probe(&stream, 2 * sequence - 1, json!({"n": 2 * sequence - 1})),
                        probe(&stream, 2 * sequence, json!({"n": 2 * sequence})),
                    ];
                    repository
                        .persist::<Schedule>(&events, None)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let report = verified(&pool, true).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.events_checked, 20 * 50);
}

#[tokio::test]
async fn streams_written_by_several_writers_chain_through_the_database() {
    let (_, pool, _database) = fresh_database().await;
    // two processes' writers taking turns on the same streams: each knows only what it
    // committed itself, so the other's last event is read from the database
    let writers = [
        PgEventRepository::new(pool.clone()),
        PgEventRepository::new(pool.clone()),
    ];
    for sequence in 1..=6 {
        for stream in ["a", "b"] {
            let writer = &writers[sequence % 2];
            writer
                .persist::<Schedule>(&[probe(stream, sequence, json!({"n": sequence}))], None)
                .await
                .expect("append");
        }
    }
    // and one writer again, whose memory of stream a is two events old
    writers[0]
        .persist::<Schedule>(&[probe("a", 7, json!({"n": 7}))], None)
        .await
        .unwrap();
    let report = verified(&pool, true).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.events_checked, 13);
}

/// A database as an older release left it: migrations before 0008, events without hashes.
async fn legacy_database(pool: &Pool) {
    let client = pool.get().await.unwrap();
    client
        .batch_execute(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;
             CREATE TABLE schema_migrations (name text PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now());",
        )
        .await
        .unwrap();
    for (name, sql) in &tenantpilot::db::MIGRATIONS[..7] {
        client.batch_execute(sql).await.unwrap();
        client
            .execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])
            .await
            .unwrap();
    }
    // as the append of that release wrote them
    for (stream, sequence) in [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)] {
        let event = probe(
            stream,
            sequence,
            json!({"n": sequence, "legacy": [1.5, "ü"]}),
        );
        client
            .execute(
                "INSERT INTO events (event_id, aggregate_type, aggregate_id, sequence, event_type,
                                     event_version, tenant_id, payload, metadata)
                 VALUES ($1, $2, $3, $4, $5, $6, $7::text::uuid, $8, $9)",
                &[
                    &uuid::Uuid::now_v7(),
                    &event.aggregate_type,
                    &event.aggregate_id,
                    &(sequence as i64),
                    &event.event_type,
                    &event.event_version,
                    &TENANT,
                    &event.payload,
                    &event.metadata,
                ],
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn events_written_before_the_chain_are_hashed_at_start_up() {
    let (url, pool, _database) = fresh_database().await;
    legacy_database(&pool).await;
    // migration 0008 alone: the trigger lets exactly one kind of UPDATE through
    let client = pool.get().await.unwrap();
    client
        .batch_execute(tenantpilot::db::MIGRATIONS[7].1)
        .await
        .unwrap();
    let refused = [
        "UPDATE events SET hash = '\\x00', payload = '{}' WHERE position = 1",
        "UPDATE events SET hash = '\\x00', recorded_at = now() - interval '1 day' WHERE position = 1",
        "UPDATE events SET payload = '{}' WHERE position = 1",
        "DELETE FROM events WHERE position = 1",
    ];
    for sql in refused {
        assert!(
            client.execute(sql, &[]).await.is_err(),
            "{sql} was let through"
        );
    }
    client
        .execute("UPDATE events SET hash = '\\x01' WHERE position = 1", &[])
        .await
        .expect("giving a missing hash is the one update allowed");
    assert!(
        client
            .execute("UPDATE events SET hash = '\\x02' WHERE position = 1", &[])
            .await
            .is_err(),
        "a hash, once given, stays"
    );
    // (that row's made-up hash is what a verifier must reject; start again without it)
    drop(client);
    legacy_database(&pool).await;

    // start-up: the pending migration, then the backfill
    let started = tenantpilot::db::prepare(&url, 4).await.unwrap();
    let client = started.get().await.unwrap();
    let unhashed: i64 = client
        .query_one("SELECT count(*) FROM events WHERE hash IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(unhashed, 0);
    // the first event's hash, computed here from its stored form
    let first = read_chain_rows(&client, FeedCursor::START, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        first.hash.as_deref(),
        Some(&event_hash(&GENESIS, &first.hashed())[..])
    );
    // the backfilled chain verifies, and new appends extend it
    let repository = PgEventRepository::new(started.clone());
    append_rounds(&repository, &["a"], 3, 1).await;
    append_rounds(&repository, &["b"], 2, 1).await;
    let report = verified(&started, true).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.events_checked, 5 + 2);
    // a second start finds nothing left to do
    assert_eq!(
        tenantpilot::store::backfill_hashes(&client).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn new_events_cannot_be_stored_without_a_hash() {
    let (_, pool, _database) = fresh_database().await;
    let unchained = PgEventRepository::with_chain(pool.clone(), HashChain::Off);
    let refused = unchained
        .persist::<Schedule>(&[probe("a", 1, json!({}))], None)
        .await;
    assert!(refused.is_err(), "the NOT VALID check applies to new rows");
    let client = pool.get().await.unwrap();
    let stored: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn the_api_verifies_for_admins_and_auditors_who_see_every_tenant() {
    let app = spawn_app().await;
    // commands on the same aggregates, each chaining to the head its load read, and the
    // consumers' reactions (a run-now queues a run)
    let (tenant, _, path) = app
        .tenant_with_schedule("Contoso", &crate::helpers::nightly("Nightly"))
        .await;
    let tenant_id = tenant["id"].as_str().unwrap();
    for name in ["Nightly 2", "Nightly 3"] {
        let renamed = app.patch(&path, &json!({"name": name}), None).await;
        assert_eq!(renamed.status(), 200);
    }
    assert_eq!(
        app.post_empty(&format!("{path}/run-now")).await.status(),
        202
    );

    // (the run creator may still be appending: the count is read on both sides)
    let before = app.event_count().await;
    let response = app.get("/api/v1/audit/verify").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let after = app.event_count().await;
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(report["full"], false);
    assert_eq!(report["first_broken_position"], Value::Null);
    let checked = report["events_checked"].as_i64().unwrap();
    assert!(
        before >= 6 && (before..=after).contains(&checked),
        "{report}"
    );
    assert_eq!(report["digest"].as_str().unwrap().len(), 64);

    let (_, auditor) = app.issue_token("auditor", None).await;
    let response = app
        .as_token(Some(&auditor))
        .get("/api/v1/audit/verify?full=true")
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["status"].as_str(), report["full"].as_bool()),
        (Some("ok"), Some(true))
    );
    assert_eq!(report["started_after_position"], 0);

    let (_, scoped) = app.issue_token("auditor", Some(vec![tenant_id])).await;
    let (_, viewer) = app.issue_token("viewer", None).await;
    for token in [&scoped, &viewer] {
        let response = app.as_token(Some(token)).get("/api/v1/audit/verify").await;
        let (status, problem) = crate::helpers::problem(response).await;
        assert_eq!((status, problem["code"].as_str()), (403, Some("forbidden")));
    }
    for query in ["full=maybe", "position=3"] {
        let response = app.get(&format!("/api/v1/audit/verify?{query}")).await;
        let (status, _) = crate::helpers::problem(response).await;
        assert_eq!(status, 400, "{query}");
    }

    let position: i64 = app.count("SELECT min(position) FROM events").await;
    tamper(
        &app.pool,
        &format!("UPDATE events SET payload = payload || '{{\"display_name\": \"Forged\"}}' WHERE position = {position}"),
    )
    .await;
    let report: Value = app
        .get("/api/v1/audit/verify?full=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["status"], "broken", "{report}");
    assert_eq!(report["first_broken_position"], position);
    assert_eq!(report["reason"], "hash_mismatch");
}

#[tokio::test]
async fn consumers_anchor_the_head_at_their_interval() {
    let app =
        spawn_app_with(|name| (name == "TENANTPILOT_AUDIT_ANCHOR_SECONDS").then(|| "1".to_owned()))
            .await;
    app.create_tenant("Contoso").await;
    let head = app.count("SELECT max(position) FROM events").await;
    let mut anchored = 0;
    for _ in 0..100 {
        anchored = app
            .count("SELECT coalesce(max(position), 0) FROM audit_anchors")
            .await;
        if anchored >= head {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(anchored >= head, "no anchor of the head within 10 s");
    let report: Value = app.get("/api/v1/audit/verify").await.json().await.unwrap();
    assert_eq!(report["status"], "ok", "{report}");
    assert!(report["anchors_checked"].as_i64().unwrap() >= 1, "{report}");
}

async fn cli(database_url: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN)
        .output()
        .await
        .expect("the binary runs")
}

#[tokio::test]
async fn the_command_line_anchors_verifies_and_exits_1_when_broken() {
    let (url, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    append_rounds(&repository, &["a", "b"], 0, 3).await;

    let output = cli(&url, &["audit", "anchor"]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let anchored: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(anchored["recorded"], true);
    assert_eq!(anchored["anchor"]["event_count"], 6);
    let output = cli(&url, &["audit", "anchor"]).await;
    let again: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(again["recorded"], false, "nothing new since");
    assert_eq!(again["anchor"], anchored["anchor"]);

    let output = cli(&url, &["audit", "verify"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (report["status"].as_str(), report["events_checked"].as_i64()),
        (Some("ok"), Some(6))
    );
    assert_eq!(report["anchors_checked"], 1);

    let position = position_of(&pool, "b", 1).await;
    tamper(
        &pool,
        &format!("UPDATE events SET event_type = 'SomethingElse' WHERE position = {position}"),
    )
    .await;
    let output = cli(&url, &["audit", "verify", "--full"]).await;
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "broken");
    assert_eq!(report["full"], true);
    assert_eq!(report["first_broken_position"], position);
    assert_eq!(report["reason"], "hash_mismatch");
}

/// Everything a backup writes (the worker's run events, the inventory's policy events, the
/// recorder's reaction on the schedule), from the process's several append paths, chains.
#[tokio::test]
async fn a_log_written_by_backup_runs_verifies() {
    let world = crate::graph_world::World::new(crate::graph_world::tenant_config(&[(
        "deviceConfigurations",
        3,
    )]))
    .await;
    let path = world
        .schedule("Nightly", &["deviceConfigurations"], false)
        .await;
    for _ in 0..2 {
        let run = world.run_now(&path).await;
        assert_eq!(run["status"], "success", "{run}");
    }
    let report: Value = world
        .app
        .get("/api/v1/audit/verify?full=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["status"], "ok", "{report}");
    assert!(report["events_checked"].as_i64().unwrap() > 10, "{report}");
}

/// The place in the feed just before the event at `position`.
async fn cursor_before(client: &deadpool_postgres::Client, position: i64) -> FeedCursor {
    let transaction_id: i64 = client
        .query_one(
            "SELECT transaction_id FROM events WHERE position = $1",
            &[&position],
        )
        .await
        .unwrap()
        .get(0);
    FeedCursor::new(transaction_id, position - 1)
}
