//! The event store's guarantees, exercised against PostgreSQL.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cqrs_es::persist::{PersistedEventRepository, PersistenceError, SerializedEvent};
use serde_json::json;
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::store::{append_in_transaction, read_all, FeedCursor, PgEventRepository};

use crate::helpers::fresh_database;

fn event(aggregate_id: &str, sequence: usize) -> SerializedEvent {
    SerializedEvent::new(
        aggregate_id.to_owned(),
        sequence,
        "ordering_probe".to_owned(),
        "ProbeRecorded".to_owned(),
        "1".to_owned(),
        json!({"type": "ProbeRecorded", "n": sequence}),
        json!({"actor": "test"}),
    )
}

/// 8 writers append 500 single-event commits each while a reader tails the feed. Events
/// must reach the reader in one order that never goes back: a reader that passed over an
/// event committed later at an earlier place would never see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_sees_every_concurrent_append_exactly_once_in_order() {
    const WRITERS: usize = 8;
    const EVENTS_EACH: usize = 500;
    let (_, pool, _database) = fresh_database().await;

    // Each writer has its own repository, so its own group-commit writer: like separate
    // processes, their transactions commit concurrently, nothing serialises them.
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let repository = PgEventRepository::new(pool.clone());
            tokio::spawn(async move {
                let aggregate_id = format!("writer-{writer}");
                for sequence in 1..=EVENTS_EACH {
                    repository
                        .persist::<Schedule>(&[event(&aggregate_id, sequence)], None)
                        .await
                        .expect("append succeeds");
                }
            })
        })
        .collect();

    let writers_done = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn({
        let pool = pool.clone();
        let writers_done = writers_done.clone();
        async move {
            let client = pool.get().await.expect("reader connection");
            let mut seen = Vec::new();
            let mut after = FeedCursor::START;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            while seen.len() < WRITERS * EVENTS_EACH && tokio::time::Instant::now() < deadline {
                // read the flag before reading the feed: an empty read after every writer
                // committed means the reader has seen all it ever will
                let finished = writers_done.load(Ordering::SeqCst);
                let batch = read_all(&client, &[], after, 100).await.expect("read");
                if batch.is_empty() {
                    if finished {
                        break;
                    }
                    tokio::task::yield_now().await;
                    continue;
                }
                for stored in batch {
                    assert!(stored.cursor() > after, "the feed only moves forward");
                    after = stored.cursor();
                    seen.push((stored.aggregate_id, stored.sequence));
                }
            }
            seen
        }
    });

    for writer in writers {
        writer.await.expect("writer finished");
    }
    writers_done.store(true, Ordering::SeqCst);
    let seen = reader.await.expect("reader finished");
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no event is read twice");
    assert_eq!(
        seen.len(),
        WRITERS * EVENTS_EACH,
        "the tailing reader saw every event (a skipped one means the horizon failed)"
    );
    for writer in 0..WRITERS {
        let sequences: Vec<i64> = seen
            .iter()
            .filter(|(id, _)| *id == format!("writer-{writer}"))
            .map(|(_, sequence)| *sequence)
            .collect();
        assert_eq!(sequences, (1..=EVENTS_EACH as i64).collect::<Vec<_>>());
    }
}

/// The horizon, made deterministic: a transaction that takes its position first but commits
/// last. A reader without the horizon, in feed order or in position order alike, would read
/// the later append, move its checkpoint past it and never see the first one: the unguarded
/// reads below show that happening, the feed does not.
#[tokio::test]
async fn an_append_that_commits_after_a_later_one_is_not_passed_over() {
    let (_, pool, _database) = fresh_database().await;
    let mut slow_client = pool.get().await.unwrap();
    let slow = slow_client.transaction().await.unwrap();
    append_in_transaction(&slow, &[event("slow", 1)])
        .await
        .unwrap();
    PgEventRepository::new(pool.clone())
        .persist::<Schedule>(&[event("fast", 1)], None)
        .await
        .unwrap();

    let client = pool.get().await.unwrap();
    let unguarded_next = |after: FeedCursor| {
        let client = &client;
        async move {
            client
                .query(
                    "SELECT aggregate_id, transaction_id, position FROM events
                     WHERE (transaction_id, position) > ($1, $2)
                     ORDER BY transaction_id, position",
                    &[&after.transaction_id, &after.position],
                )
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get::<_, String>(0), FeedCursor::from_row(row, 1)))
                .collect::<Vec<_>>()
        }
    };
    // while the first is open: the feed holds the second back; an unguarded reader takes it
    assert!(read_all(&client, &[], FeedCursor::START, 10)
        .await
        .unwrap()
        .is_empty());
    let unguarded = unguarded_next(FeedCursor::START).await;
    assert_eq!(unguarded.len(), 1);
    assert_eq!(unguarded[0].0, "fast");
    let unguarded_checkpoint = unguarded[0].1;

    slow.commit().await.unwrap();
    drop(slow_client);
    // the unguarded reader has passed over the first append for good
    assert!(unguarded_next(unguarded_checkpoint).await.is_empty());
    // the feed gives both, the one that took its position first first
    let feed = read_all(&client, &[], FeedCursor::START, 10).await.unwrap();
    let order: Vec<&str> = feed
        .iter()
        .map(|stored| stored.aggregate_id.as_str())
        .collect();
    assert_eq!(order, ["slow", "fast"]);
    assert!(feed[0].position < feed[1].position);
}

/// A transaction that holds an older id than the one that wrote its stream's last event
/// would put its event before its predecessor in the feed: the store refuses it as a
/// conflict (retried, it gets a newer id).
#[tokio::test]
async fn an_older_transaction_cannot_append_after_a_newer_predecessor() {
    let (_, pool, _database) = fresh_database().await;
    let mut old_client = pool.get().await.unwrap();
    let old = old_client.transaction().await.unwrap();
    // its id is taken now, as by a consumer locking its checkpoint
    old.execute("SELECT pg_current_xact_id()", &[])
        .await
        .unwrap();
    let repository = PgEventRepository::new(pool.clone());
    repository
        .persist::<Schedule>(&[event("stream", 1)], None)
        .await
        .unwrap();
    let refused = append_in_transaction(&old, &[event("stream", 2)]).await;
    assert!(matches!(
        refused,
        Err(PersistenceError::OptimisticLockError)
    ));
    drop(old);
    drop(old_client);
    // a new transaction appends it
    repository
        .persist::<Schedule>(&[event("stream", 2)], None)
        .await
        .unwrap();
    let client = pool.get().await.unwrap();
    let sequences: Vec<i64> = read_all(&client, &[], FeedCursor::START, 10)
        .await
        .unwrap()
        .iter()
        .map(|stored| stored.sequence)
        .collect();
    assert_eq!(sequences, [1, 2]);
}

#[tokio::test]
async fn a_second_writer_of_the_same_sequence_gets_an_optimistic_lock_error() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool);
    repository
        .persist::<Schedule>(&[event("a", 1)], None)
        .await
        .unwrap();
    let second = repository.persist::<Schedule>(&[event("a", 1)], None).await;
    assert!(matches!(second, Err(PersistenceError::OptimisticLockError)));
}

#[tokio::test]
async fn stored_events_cannot_be_changed_or_deleted() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    repository
        .persist::<Schedule>(&[event("a", 1)], None)
        .await
        .unwrap();
    let client = pool.get().await.unwrap();
    let update = client
        .execute("UPDATE events SET payload = '{}'::jsonb", &[])
        .await;
    let delete = client.execute("DELETE FROM events", &[]).await;
    assert!(update.is_err(), "update refused");
    assert!(delete.is_err(), "delete refused");
    let payload: serde_json::Value = client
        .query_one("SELECT payload FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(payload["n"], 1);
}

#[tokio::test]
async fn a_multi_event_append_keeps_its_order_and_is_all_or_nothing() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    repository
        .persist::<Schedule>(&[event("a", 1), event("a", 2), event("a", 3)], None)
        .await
        .unwrap();
    // sequence 3 is taken, so the whole append of 3 and 4 must fail
    let conflicting = repository
        .persist::<Schedule>(&[event("a", 4), event("a", 3)], None)
        .await;
    assert!(conflicting.is_err());
    let client = pool.get().await.unwrap();
    let events = read_all(&client, &[], FeedCursor::START, 10).await.unwrap();
    let sequences: Vec<i64> = events.iter().map(|stored| stored.sequence).collect();
    assert_eq!(sequences, vec![1, 2, 3]);
}

/// Many concurrent appends through one repository are batched by group commit; appends that
/// conflict must fail alone while the rest of their batch commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_appends_in_one_batch_fail_alone() {
    let (_, pool, _database) = fresh_database().await;
    let repository = PgEventRepository::new(pool.clone());
    let attempts: Vec<_> = (0..30)
        .map(|index| {
            let repository = repository.clone();
            // three appends race for sequence 1 of each of ten aggregates
            let aggregate_id = format!("racer-{}", index % 10);
            tokio::spawn(async move {
                let result = repository
                    .persist::<Schedule>(&[event(&aggregate_id, 1)], None)
                    .await;
                (aggregate_id, result)
            })
        })
        .collect();
    let mut wins = std::collections::HashMap::new();
    for attempt in attempts {
        let (aggregate_id, result) = attempt.await.unwrap();
        match result {
            Ok(()) => *wins.entry(aggregate_id).or_insert(0) += 1,
            Err(PersistenceError::OptimisticLockError) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(wins.len(), 10, "every aggregate got its first event");
    assert!(
        wins.values().all(|count| *count == 1),
        "exactly one winner each: {wins:?}"
    );
    let client = pool.get().await.unwrap();
    let stored: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 10);
}
