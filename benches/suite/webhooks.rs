//! Webhook fan-out: 10,000 public events (schedule changes, written through the Schedule
//! aggregate by 8 concurrent writers) to 5 subscribed endpoints, one of them a black hole
//! (it accepts connections and never answers, so each attempt to it waits for the timeout).
//! Measured: from the first event written until the 4 live endpoints have each received all
//! 10,000 messages (each once), with the service's defaults (10 s timeout, 64 attempts in
//! flight, 8 per endpoint).
//!
//! `cargo bench --bench suite -- webhooks` — needs the local PostgreSQL; creates its own database
//! and drops it afterwards.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::Utc;
use deadpool_postgres::Pool;
use serde_json::json;
use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::domain::cadence::{Cadence, TimeOfDay};
use tenantpilot::domain::schedule::{
    CreateSchedule, PolicyTypeSelection, RetentionKeepLast, Schedule, ScheduleCommand,
    ScheduleName, ScheduleSpec,
};
use tenantpilot::domain::tenant::{RegisterTenant, Tenant, TenantCommand, TenantName};
use tenantpilot::startup::Application;
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use uuid::Uuid;

use crate::common::{drop_database, server_url, Report, ADMIN_TOKEN};

const EVENTS: usize = 10_000;
const SCHEDULES: usize = 100;
const WRITERS: usize = 8;
const LIVE: usize = 4;
const LIMIT: Duration = Duration::from_secs(180);

/// A live endpoint: answers 200 at once and remembers every `webhook-id` it saw.
#[derive(Default)]
struct Seen {
    ids: Mutex<HashSet<String>>,
    requests: Mutex<usize>,
}

async fn receive(seen: web::Data<Seen>, request: HttpRequest) -> HttpResponse {
    let id = request
        .headers()
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    seen.ids.lock().unwrap().insert(id);
    *seen.requests.lock().unwrap() += 1;
    HttpResponse::Ok().finish()
}

fn live_endpoint() -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let data = web::Data::from(seen.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, seen)
}

/// A black hole: connections are accepted and held, nothing is ever answered.
fn dead_endpoint() -> String {
    let listener = tokio::net::TcpListener::from_std({
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        listener
    })
    .unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

async fn start(url: &str) -> (Application, Pool) {
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
        "TENANTPILOT_ROLES" => Some("api,consumers,webhooks".to_owned()),
        "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
        "TENANTPILOT_SECRET_KEY" => Some(tenantpilot::secrets::SecretKey::generate().to_base64()),
        "TENANTPILOT_WEBHOOK_ALLOW_PRIVATE" => Some("1".to_owned()),
        _ => None,
    })
    .expect("bench settings");
    let app = Application::build(&settings, Arc::new(SystemClock))
        .await
        .expect("application starts");
    let pool = app.pool().clone();
    (app, pool)
}

async fn subscribe(http: &reqwest::Client, api: &str, url: &str) {
    let response = http
        .post(format!("{api}/api/v1/webhooks"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"url": url, "event_types": ["*"]}))
        .send()
        .await
        .expect("webhook request");
    assert_eq!(response.status(), 201, "webhook created");
}

fn spec(name: &str) -> ScheduleSpec {
    ScheduleSpec {
        name: ScheduleName::parse(name).unwrap(),
        enabled: true,
        cadence: Cadence::Daily {
            times: vec![TimeOfDay::parse("02:30").unwrap()],
        },
        timezone: "Europe/Berlin".parse().unwrap(),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
        include_foundations: false,
        retention_keep_last: RetentionKeepLast::new(7).unwrap(),
    }
}

/// `EVENTS` schedule changes: `SCHEDULES` schedules created, then disabled and enabled in
/// turn by `WRITERS` concurrent writers (every one a `backup_schedule.changed`).
async fn write_events(repository: PgEventRepository) {
    let tenant_id = Uuid::now_v7();
    let metadata = EventMetadata::system("bench", "webhooks", Utc::now()).for_tenant(tenant_id);
    let tenants = AggregateStore::<Tenant>::new(repository.clone(), ());
    let register = TenantCommand::Register(RegisterTenant {
        tenant_id,
        display_name: TenantName::parse("Bench").unwrap(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret_id: None,
    });
    tenants
        .execute(&tenant_id.to_string(), register, &metadata, None)
        .await
        .expect("tenant");
    let schedules = Arc::new(AggregateStore::<Schedule>::new(repository, ()));
    let per_writer = EVENTS / WRITERS;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (schedules, metadata) = (schedules.clone(), metadata.clone());
            tokio::spawn(async move {
                let ids: Vec<Uuid> = (0..SCHEDULES / WRITERS + 1)
                    .map(|_| Uuid::now_v7())
                    .collect();
                let mut written = 0;
                for (index, id) in ids.iter().enumerate() {
                    let create = ScheduleCommand::Create(CreateSchedule {
                        schedule_id: *id,
                        tenant_id,
                        spec: spec(&format!("Writer {writer} schedule {index}")),
                        now: Utc::now(),
                    });
                    schedules
                        .execute(&id.to_string(), create, &metadata, None)
                        .await
                        .expect("create");
                    written += 1;
                }
                let mut round = 0;
                while written < per_writer {
                    let id = ids[round % ids.len()];
                    let command = if (round / ids.len()).is_multiple_of(2) {
                        ScheduleCommand::Disable { tenant_id }
                    } else {
                        ScheduleCommand::Enable {
                            tenant_id,
                            now: Utc::now(),
                        }
                    };
                    schedules
                        .execute(&id.to_string(), command, &metadata, None)
                        .await
                        .expect("toggle");
                    written += 1;
                    round += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
}

pub async fn run(report: &mut Report) {
    tenantpilot::graph::install_tls_provider();
    let name = format!("tp_bench_webhooks_{}", Uuid::new_v4().simple());
    let url = format!("{}/{name}", server_url());
    let (app, pool) = start(&url).await;
    let api = format!("http://127.0.0.1:{}", app.port());
    let repository = app.repository().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let mut live = Vec::new();
    for _ in 0..LIVE {
        let (endpoint, seen) = live_endpoint();
        subscribe(&http, &api, &endpoint).await;
        live.push(seen);
    }
    subscribe(&http, &api, &dead_endpoint()).await;

    let started = Instant::now();
    write_events(repository).await;
    let written = started.elapsed();
    let done = loop {
        let least = live
            .iter()
            .map(|seen| seen.ids.lock().unwrap().len())
            .min()
            .unwrap_or_default();
        if least >= EVENTS {
            break Some(started.elapsed());
        }
        if started.elapsed() > LIMIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let requests: Vec<usize> = live
        .iter()
        .map(|seen| *seen.requests.lock().unwrap())
        .collect();
    let distinct: Vec<usize> = live
        .iter()
        .map(|seen| seen.ids.lock().unwrap().len())
        .collect();
    println!(
        "webhooks: {EVENTS} events written by {WRITERS} writers in {:.2} s",
        written.as_secs_f64()
    );
    report.add(
        format!("webhook fan-out of {EVENTS} events to {LIVE} live endpoints + 1 dead"),
        match done {
            Some(elapsed) => format!(
                "all delivered {:.1} s after the first event ({:.0} deliveries/s)",
                elapsed.as_secs_f64(),
                (EVENTS * LIVE) as f64 / elapsed.as_secs_f64()
            ),
            None => format!("NOT all delivered within {LIMIT:?}"),
        },
        "within 60 s",
    );
    match done {
        Some(elapsed) => println!(
            "webhooks: {EVENTS} events x {LIVE} live endpoints (+1 black hole) all delivered \
             {:.2} s after the first event ({:.2} s after the last was written), \
             {:.0} deliveries/s; requests per endpoint {requests:?}, distinct {distinct:?}",
            elapsed.as_secs_f64(),
            (elapsed.saturating_sub(written)).as_secs_f64(),
            (EVENTS * LIVE) as f64 / elapsed.as_secs_f64(),
        ),
        None => println!(
            "webhooks: NOT all delivered within {LIMIT:?}: distinct per endpoint {distinct:?}"
        ),
    }
    let client = pool.get().await.expect("connection");
    let dead_attempts: i64 = client
        .query_one(
            "SELECT count(*) FROM webhook_attempts WHERE outcome = 'failed'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    println!("webhooks: {dead_attempts} attempts to the black hole timed out meanwhile");
    drop(client);
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), serving).await;
    drop_database(&name, pool).await;
}
