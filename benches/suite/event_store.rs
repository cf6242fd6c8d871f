//! Event-store throughput with the ordering mechanism (transaction ids, the feed's
//! horizon) on, what the hash chain costs appends, and the write latency of the HTTP API in
//! front of it under concurrent clients.
//!
//! `cargo bench --bench suite -- store chain writes` — needs the local PostgreSQL; creates
//! its own databases and drops them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use deadpool_postgres::Pool;
use serde_json::{json, Value};
use tenantpilot::clock::SystemClock;
use tenantpilot::config::Settings;
use tenantpilot::domain::schedule::Schedule;
use tenantpilot::startup::Application;
use tenantpilot::store::{read_all, FeedCursor, HashChain, PgEventRepository};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::common::{drop_database, percentile_ms, server_url, Report, ADMIN_TOKEN};

const WRITERS: usize = 8;

fn event(aggregate_id: &str, sequence: usize) -> SerializedEvent {
    SerializedEvent::new(
        aggregate_id.to_owned(),
        sequence,
        "bench".to_owned(),
        "SlotClaimed".to_owned(),
        "1".to_owned(),
        json!({"type": "SlotClaimed", "run_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
               "scheduled_for": "2026-11-27T01:30:00Z", "trigger": "scheduled"}),
        json!({"actor": "system:scheduler", "correlation_id": "tick-1",
               "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
               "timestamp": "2026-11-27T01:30:00.000000Z"}),
    )
}

/// `WRITERS` concurrent writers, each appending `commits` appends of `per_commit` events;
/// returns the events per second. With `shared`, they share one repository (one process:
/// group commit batches them); otherwise each has its own, like separate processes, and
/// they commit concurrently.
async fn append(
    repository: &PgEventRepository,
    label: &str,
    commits: usize,
    per_commit: usize,
    shared: bool,
) -> f64 {
    append_with(
        repository,
        PgEventRepository::new,
        label,
        commits,
        per_commit,
        shared,
    )
    .await
}

/// [`append`], each separate writer's repository made by `separate`.
async fn append_with(
    repository: &PgEventRepository,
    separate: fn(Pool) -> PgEventRepository,
    label: &str,
    commits: usize,
    per_commit: usize,
    shared: bool,
) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let repository = if shared {
                repository.clone()
            } else {
                separate(repository.pool().clone())
            };
            let label = label.to_owned();
            tokio::spawn(async move {
                let aggregate_id = format!("{label}-{writer}");
                for commit in 0..commits {
                    let events: Vec<_> = (1..=per_commit)
                        .map(|n| event(&aggregate_id, commit * per_commit + n))
                        .collect();
                    repository
                        .persist::<Schedule>(&events, None)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let elapsed = started.elapsed();
    let events = WRITERS * commits * per_commit;
    let rate = events as f64 / elapsed.as_secs_f64();
    println!(
        "append {label:<38} {events:>6} events in {:>6.2} s: {rate:>8.0} events/s ({:.0} appends/s)",
        elapsed.as_secs_f64(),
        (WRITERS * commits) as f64 / elapsed.as_secs_f64(),
    );
    rate
}

/// `WRITERS` appenders in the ways the store is used, then a full `read_all`.
pub async fn store_throughput() {
    let url = format!(
        "{}/tp_bench_store_{}",
        server_url(),
        Uuid::new_v4().simple()
    );
    let pool = tenantpilot::db::prepare(&url, WRITERS + 2)
        .await
        .expect("bench database");
    let repository = PgEventRepository::new(pool.clone());

    // warm-up: prepared statements on every pooled connection, WAL segments
    append(&repository, "warm-up", 100, 1, false).await;
    append(
        &repository,
        "1 event/append, 8 tasks, 1 process",
        500,
        1,
        true,
    )
    .await;
    append(
        &repository,
        "10 events/append, 8 tasks, 1 process",
        100,
        10,
        true,
    )
    .await;
    append(&repository, "1 event/append, 8 processes", 500, 1, false).await;
    read_all_pages(&pool).await;
    verify_all(&pool).await;
    let name = url.rsplit('/').next().unwrap_or_default().to_owned();
    drop_database(&name, pool).await;
}

async fn read_all_pages(pool: &Pool) {
    let client = pool.get().await.expect("connection");
    let started = Instant::now();
    let (mut after, mut total) = (FeedCursor::START, 0);
    loop {
        let batch = read_all(&client, &[], after, 500).await.expect("read");
        let Some(last) = batch.last() else { break };
        after = last.cursor();
        total += batch.len();
    }
    let elapsed = started.elapsed();
    println!(
        "read_all pages of 500                       {total:>6} events in {:>6.2} s: {:>8.0} events/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
}

/// A full verification of the hash chain over everything the part appended.
async fn verify_all(pool: &Pool) {
    let started = Instant::now();
    let report = tenantpilot::audit::verify(pool, chrono::Utc::now(), true)
        .await
        .expect("verification runs");
    let elapsed = started.elapsed();
    assert!(report.is_ok(), "the bench's log verifies: {report:?}");
    println!(
        "audit verify --full                         {:>6} events in {:>6.2} s: {:>8.0} events/s",
        report.events_checked,
        elapsed.as_secs_f64(),
        report.events_checked as f64 / elapsed.as_secs_f64()
    );
}

/// Rounds of each chain-cost scenario; each round runs every mode once, briefly, so that the
/// modes compared meet the same load (the development machine is shared and its load
/// drifts over minutes).
const CHAIN_ROUNDS: usize = 12;

/// The modes compared: no chain (as before it), the chain as the service runs it (a writer
/// knows the hashes it committed last), and the chain with every predecessor read from the
/// database (as when another process wrote it: the worst case).
const CHAIN_MODES: [(&str, HashChain); 3] = [
    ("no chain", HashChain::Off),
    ("chain", HashChain::On),
    ("chain, reads", HashChain::ReadEveryPredecessor),
];

fn repository_for(mode: HashChain) -> fn(Pool) -> PgEventRepository {
    match mode {
        HashChain::On => PgEventRepository::new,
        HashChain::ReadEveryPredecessor => {
            |pool| PgEventRepository::with_chain(pool, HashChain::ReadEveryPredecessor)
        }
        HashChain::Off => |pool| PgEventRepository::with_chain(pool, HashChain::Off),
    }
}

/// What the hash chain costs appends: the store part's scenarios, shorter, each run in
/// rounds in every mode (the order rotating, so no mode always meets the warmer or fuller
/// table), in a database of its own where appends without a hash are allowed. Prints each
/// mode's median rate and the median over rounds of its rate relative to no chain in the
/// same round; and the CPU time the appends took (this process and its PostgreSQL
/// backends), which a shared machine's load disturbs far less than the rates.
pub async fn chain_cost(report: &mut Report) {
    let name = format!("tp_bench_chain_{}", Uuid::new_v4().simple());
    let pool = tenantpilot::db::prepare(&format!("{}/{name}", server_url()), WRITERS + 2)
        .await
        .expect("bench database");
    pool.get()
        .await
        .expect("connection")
        .batch_execute("ALTER TABLE events DROP CONSTRAINT events_hash_present")
        .await
        .expect("appends without a hash allowed here");
    let repositories: Vec<PgEventRepository> = CHAIN_MODES
        .iter()
        .map(|(_, mode)| repository_for(*mode)(pool.clone()))
        .collect();
    for ((label, mode), repository) in CHAIN_MODES.iter().zip(&repositories) {
        let label = format!("warm-up, {label}");
        append_with(repository, repository_for(*mode), &label, 100, 1, false).await;
    }
    let scenarios = [
        ("1 event/append, 8 tasks, 1 process", 250, 1, true),
        ("10 events/append, 8 tasks, 1 process", 100, 10, true),
        ("1 event/append, 8 processes", 150, 1, false),
    ];
    let mut summary = Vec::new();
    for (scenario, commits, per_commit, shared) in scenarios {
        let mut rates = vec![Vec::new(); CHAIN_MODES.len()];
        let mut cpu = vec![Vec::new(); CHAIN_MODES.len()];
        let events = (WRITERS * commits * per_commit) as f64;
        for round in 0..CHAIN_ROUNDS {
            for turn in 0..CHAIN_MODES.len() {
                let index = (round + turn) % CHAIN_MODES.len();
                let (label, mode) = CHAIN_MODES[index];
                let before = cpu_ticks(&pool).await;
                let rate = append_with(
                    &repositories[index],
                    repository_for(mode),
                    &format!("{label} #{round} {scenario}"),
                    commits,
                    per_commit,
                    shared,
                )
                .await;
                rates[index].push(rate);
                let ticks = cpu_ticks(&pool).await.since(&before);
                cpu[index].push(ticks as f64 * 1e6 / TICKS_PER_SECOND / events);
            }
        }
        // each round's rate relative to no chain in that round
        let relative = |mode: usize| {
            let mut ratios: Vec<f64> = (0..CHAIN_ROUNDS)
                .map(|round| rates[mode][round] / rates[0][round])
                .collect();
            (median(&mut ratios) - 1.0) * 100.0
        };
        let (chain, reads) = (relative(1), relative(2));
        let medians: Vec<f64> = rates.iter_mut().map(|rates| median(rates)).collect();
        let cpu: Vec<f64> = cpu.iter_mut().map(|cpu| median(cpu)).collect();
        summary.push((scenario, medians, chain, reads, cpu));
    }
    println!(
        "chain cost over {CHAIN_ROUNDS} rounds: median events/s (median of the rounds' \
         ratios to no chain); median CPU per event (bench process + its PostgreSQL backends)"
    );
    for (scenario, medians, chain, reads, cpu) in summary {
        report.add(
            format!("appends with the hash chain vs without, {scenario}"),
            format!(
                "{chain:+.1}% events/s ({:.0} vs {:.0}), CPU per event {:+.1}%",
                medians[1],
                medians[0],
                (cpu[1] / cpu[0] - 1.0) * 100.0
            ),
            "within 10%",
        );
        println!(
            "  {scenario:<38} no chain {:>7.0}, chain {:>7.0} ({chain:+.1}%), \
             chain reading every predecessor {:>7.0} ({reads:+.1}%)",
            medians[0], medians[1], medians[2],
        );
        println!(
            "  {:<38} CPU µs/event: no chain {:.0}, chain {:.0} ({:+.1}%), \
             chain reading every predecessor {:.0} ({:+.1}%)",
            "",
            cpu[0],
            cpu[1],
            (cpu[1] / cpu[0] - 1.0) * 100.0,
            cpu[2],
            (cpu[2] / cpu[0] - 1.0) * 100.0,
        );
    }
    drop_database(&name, pool).await;
}

/// Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU ticks (user + system) of this process and of every PostgreSQL backend connected to
/// the pool's database, by process id.
struct CpuTicks(BTreeMap<u32, u64>);

impl CpuTicks {
    /// Ticks used since `before` (a backend that started in between counts in full).
    fn since(&self, before: &CpuTicks) -> u64 {
        self.0
            .iter()
            .map(|(pid, ticks)| ticks.saturating_sub(before.0.get(pid).copied().unwrap_or(0)))
            .sum()
    }
}

async fn cpu_ticks(pool: &Pool) -> CpuTicks {
    let client = pool.get().await.expect("connection");
    let backends: Vec<i32> = client
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
            &[],
        )
        .await
        .expect("backends")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let pids = backends
        .into_iter()
        .filter_map(|pid| u32::try_from(pid).ok())
        .chain([std::process::id()]);
    CpuTicks(
        pids.filter_map(|pid| Some((pid, process_ticks(pid)?)))
            .collect(),
    )
}

/// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15).
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name may hold spaces: fields are counted after its closing parenthesis
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// Concurrent clients, each sending its requests one after another (a closed loop, so the
/// request rate is what the service sustains, not one we impose).
const CLIENTS: usize = 16;
const WARM_UP_PER_CLIENT: usize = 4;
const REQUESTS_PER_CLIENT: usize = 125;
/// Generous: a request this slow counts as failed rather than hanging the bench.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The real application on port 0 over a fresh database, as the API tests start it.
struct RunningApp {
    address: String,
    database: String,
    pool: Pool,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<anyhow::Result<()>>,
}

/// The API and the consumers, as `serve` runs them: a write answers once the consumers have
/// projected it (read-your-writes), so each request still pays for its projection. No
/// dispatcher: it would only compete for the two cores.
async fn start_app() -> RunningApp {
    let database = format!("tp_bench_api_{}", Uuid::new_v4().simple());
    let url = format!("{}/{database}", server_url());
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "TENANTPILOT_BIND" => Some("127.0.0.1:0".to_owned()),
        "TENANTPILOT_ROLES" => Some("api,consumers".to_owned()),
        "TENANTPILOT_ADMIN_TOKEN" => Some(ADMIN_TOKEN.to_owned()),
        "TENANTPILOT_SECRET_KEY" => Some(tenantpilot::secrets::SecretKey::generate().to_base64()),
        _ => None,
    })
    .expect("bench settings");
    let app = Application::build(&settings, Arc::new(SystemClock))
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    RunningApp {
        address,
        database,
        pool,
        stop,
        serving,
    }
}

async fn create_tenant(http: &reqwest::Client, address: &str) -> String {
    let body = json!({
        "display_name": "Bench tenant",
        "azure_tenant_id": Uuid::new_v4().to_string(),
        "client_id": Uuid::new_v4().to_string(),
        "client_secret": "bench-app-secret",
    });
    let response = http
        .post(format!("{address}/api/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("tenant request");
    assert_eq!(response.status(), 201, "tenant created");
    let tenant: Value = response.json().await.expect("tenant body");
    tenant["id"].as_str().expect("tenant id").to_owned()
}

fn schedule(name: &str) -> Value {
    json!({
        "name": name,
        "cadence": {"kind": "daily", "times": ["02:30"]},
        "timezone": "Europe/Berlin",
        "policy_types": ["deviceConfigurations"],
        "retention_keep_last": 7
    })
}

/// What became of one request: its status, or why there was none.
type Outcome = (Duration, Result<u16, &'static str>);

/// One client's `count` creations, each timed until its whole response has arrived.
async fn client(http: reqwest::Client, url: String, names: String, count: usize) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(count);
    for n in 0..count {
        let request = http
            .post(&url)
            .bearer_auth(ADMIN_TOKEN)
            .json(&schedule(&format!("{names} {n}")));
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                // the body too: it is part of the answer, and frees the connection for reuse
                match response.bytes().await {
                    Ok(_) => Ok(status),
                    Err(_) => Err("body not received"),
                }
            }
            Err(error) if error.is_timeout() => Err("timeout"),
            Err(_) => Err("no response"),
        };
        outcomes.push((started.elapsed(), outcome));
    }
    outcomes
}

/// `CLIENTS` clients with `per_client` requests each; every schedule name is unique.
async fn load(http: &reqwest::Client, url: &str, round: &str, per_client: usize) -> Vec<Outcome> {
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|index| {
            let names = format!("{round} client {index}");
            tokio::spawn(client(http.clone(), url.to_owned(), names, per_client))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(CLIENTS * per_client);
    for task in tasks {
        outcomes.extend(task.await.expect("client"));
    }
    outcomes
}

/// Latency percentiles over the 201s (a fast refusal says nothing about the write path),
/// throughput over every request; anything but a 201 is counted and shown.
fn report_writes(report: &mut Report, outcomes: &[Outcome], elapsed: Duration) {
    let mut created: Vec<Duration> = Vec::with_capacity(outcomes.len());
    let mut other: BTreeMap<String, usize> = BTreeMap::new();
    for (latency, outcome) in outcomes {
        match outcome {
            Ok(201) => created.push(*latency),
            Ok(status) => *other.entry(status.to_string()).or_default() += 1,
            Err(reason) => *other.entry((*reason).to_owned()).or_default() += 1,
        }
    }
    if !other.is_empty() {
        println!("POST backup-schedules: responses other than 201: {other:?}");
    }
    assert!(
        created.len() * 2 > outcomes.len(),
        "most schedule creations failed: {other:?}"
    );
    created.sort();
    report.add(
        format!("POST backup-schedules, {CLIENTS} concurrent clients (p50 / p99)"),
        format!(
            "{:.1} ms / {:.1} ms, {:.0} requests/s ({} requests)",
            percentile_ms(&created, 50),
            percentile_ms(&created, 99),
            outcomes.len() as f64 / elapsed.as_secs_f64(),
            outcomes.len()
        ),
        "measured",
    );
}

/// Write latency of schedule creation through the whole stack: HTTP, auth, validation,
/// the aggregate, the append and the wait for the read models.
pub async fn api_write_latency(report: &mut Report) {
    let app = start_app().await;
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("HTTP client");
    let tenant_id = create_tenant(&http, &app.address).await;
    let url = format!(
        "{}/api/v1/tenants/{tenant_id}/backup-schedules",
        app.address
    );
    // warm-up: HTTP connections, pooled database connections and their prepared statements
    load(&http, &url, "warm-up", WARM_UP_PER_CLIENT).await;
    let started = Instant::now();
    let outcomes = load(&http, &url, "measured", REQUESTS_PER_CLIENT).await;
    report_writes(report, &outcomes, started.elapsed());

    // idle keep-alive connections would hold up the graceful stop
    drop(http);
    let _ = app.stop.send(());
    match tokio::time::timeout(Duration::from_secs(40), app.serving).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(error))) => eprintln!("application stopped with an error: {error:#}"),
        Ok(Err(error)) => eprintln!("application task failed: {error}"),
        Err(_) => eprintln!("application did not stop within 40 s"),
    }
    drop_database(&app.database, app.pool).await;
}
