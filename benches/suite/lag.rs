//! Projection lag under append load: writers in the service's process append at a steady
//! rate (as API writes and the dispatcher do), and the read-model checkpoint is sampled every
//! 2 ms; an event's lag is from its commit to the first sample at or past its position.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::DomainEvent;
use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::startup::Application;
use tenantpilot::store::FeedCursor;
use uuid::Uuid;

use crate::common::{database, drop_database, percentile_ms, server_url, Report, ADMIN_TOKEN};
use crate::log::{at, schedule_created, LogWriter};

const WRITERS: usize = 8;
const SECONDS: u64 = 10;

pub async fn run(report: &mut Report) {
    for rate in [500, 2_000] {
        measure(report, rate).await;
    }
}

async fn measure(report: &mut Report, events_per_second: u64) {
    let (name, pool) = database("lag", 4).await;
    let url = format!("{}/{name}", server_url());
    let settings = Settings::from_lookup(|variable| match variable {
        "DATABASE_URL" => Some(url.clone()),
        "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
        "TENANTPILOT_ROLES" => Some("api,consumers".to_owned()),
        "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
        "TENANTPILOT_SECRET_KEY" => Some(tenantpilot::secrets::SecretKey::generate().to_base64()),
        _ => None,
    })
    .unwrap();
    let app = Application::build(&settings, Arc::new(SystemClock))
        .await
        .unwrap();
    let repository = app.repository().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    // the checkpoint, sampled
    let timeline = Arc::new(Mutex::new(Vec::<(Instant, FeedCursor)>::new()));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (pool, timeline, sampling) = (pool.clone(), timeline.clone(), sampling.clone());
        tokio::spawn(async move {
            let client = pool.get().await.unwrap();
            let mut tick = tokio::time::interval(Duration::from_millis(2));
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                let checkpoint = client
                    .query(
                        "SELECT transaction_id, position FROM consumer_checkpoints
                         WHERE name = 'read_models'",
                        &[],
                    )
                    .await
                    .unwrap()
                    .first()
                    .map_or(FeedCursor::START, |row| FeedCursor::from_row(row, 0));
                timeline.lock().unwrap().push((Instant::now(), checkpoint));
            }
        })
    };

    // the schedules' tenant, registered: a schedule needs a live one
    let log = LogWriter::new(repository.clone()).await;
    let (tenant_id, metadata) = (log.tenant_id, log.metadata.clone());
    let per_writer = Duration::from_secs_f64(WRITERS as f64 / events_per_second as f64);
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (repository, metadata) = (repository.clone(), metadata.clone());
            tokio::spawn(async move {
                let mut committed = Vec::new();
                let mut tick = tokio::time::interval(per_writer);
                let deadline = Instant::now() + Duration::from_secs(SECONDS);
                let mut index = 0;
                while Instant::now() < deadline {
                    tick.tick().await;
                    index += 1;
                    let id = Uuid::now_v7();
                    let created = schedule_created(
                        id,
                        tenant_id,
                        writer * 1_000_000 + index,
                        at("2026-03-29T00:30:00Z"),
                    );
                    let event = SerializedEvent::new(
                        id.to_string(),
                        1,
                        "schedule".to_owned(),
                        created.event_type(),
                        created.event_version(),
                        serde_json::to_value(&created).unwrap(),
                        metadata.clone(),
                    );
                    repository
                        .persist::<Schedule>(&[event], None)
                        .await
                        .unwrap();
                    committed.push((id.to_string(), Instant::now()));
                }
                committed
            })
        })
        .collect();
    let mut committed = Vec::new();
    for writer in writers {
        committed.extend(writer.await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap();

    let client = pool.get().await.unwrap();
    let places: HashMap<String, FeedCursor> = client
        .query(
            "SELECT aggregate_id, transaction_id, position FROM events
             WHERE aggregate_type = 'schedule'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), FeedCursor::from_row(row, 1)))
        .collect();
    drop(client);
    let timeline = timeline.lock().unwrap().clone();
    let mut lags: Vec<Duration> = committed
        .iter()
        .map(|(id, at)| {
            let place = places[id];
            // the checkpoint only moves forward: the first sample at or past the event
            let first = timeline.partition_point(|(_, checkpoint)| *checkpoint < place);
            let (seen, _) = timeline.get(first).expect("every event was projected");
            seen.saturating_duration_since(*at)
        })
        .collect();
    lags.sort();
    report.add(
        format!("projection lag at {events_per_second} appends/s (p50 / p99)"),
        format!(
            "{:.1} ms / {:.1} ms over {} events",
            percentile_ms(&lags, 50),
            percentile_ms(&lags, 99),
            lags.len()
        ),
        "measured",
    );
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), serving).await;
    drop_database(&name, pool).await;
}
