//! The benchmark suite: every figure the issues name, measured on this machine and printed
//! as one table at the end (BENCHMARKS.md records a run of it).
//!
//! `cargo bench --bench suite -- all`, or name parts: `cargo bench --bench suite -- lag api`.
//! Needs the local PostgreSQL (or `TENANTPILOT_BENCH_DATABASE_SERVER`); every part makes
//! its own databases and drops them.

mod api_reads;
mod appends;
mod backup;
mod backup_sets;
mod cadence;
mod capture;
mod common;
mod event_store;
mod herd;
mod idle;
mod lag;
mod log;
mod rebuild;
mod restore;
mod webhooks;

use common::Report;

/// (name, what it measures)
const PARTS: &[(&str, &str)] = &[
    (
        "appends",
        "event appends/s, one process and 4 separate processes",
    ),
    (
        "store",
        "event-store appends and reads in one process (group commit)",
    ),
    ("chain", "what the hash chain costs appends"),
    ("writes", "API write latency, 16 concurrent clients"),
    ("cadence", "next-slot computations/s"),
    (
        "backup",
        "backup of a 2,000-policy tenant: time and peak RSS",
    ),
    (
        "capture",
        "a whole capture of the demo and the 2,000-policy tenant: requests, wall time, RSS",
    ),
    (
        "restore",
        "a 2,000-policy set restored into an empty tenant: wall time, requests, RSS",
    ),
    ("storage", "storage of 30 unchanged runs vs one"),
    ("tenants", "50 tenants backed up at once"),
    ("sets", "backup-set diff and export"),
    ("rebuild", "projection rebuild of a million events"),
    (
        "webhooks",
        "webhook fan-out of 10,000 events to 5 endpoints, one dead",
    ),
    ("lag", "projection lag under append load"),
    (
        "api",
        "API read latency at 1,000 requests/s from a second process",
    ),
    ("idle", "an idle dispatcher tick over 100,000 schedules"),
    (
        "herd",
        "100,000 schedules due in one minute: 1 dispatcher, then 3",
    ),
];

async fn run_part(name: &str, report: &mut Report) {
    match name {
        "appends" => appends::run(report).await,
        "store" => event_store::store_throughput().await,
        "chain" => event_store::chain_cost(report).await,
        "writes" => event_store::api_write_latency(report).await,
        "webhooks" => webhooks::run(report).await,
        "cadence" => cadence::run(report),
        "backup" => backup::backup_of_a_large_tenant(report).await,
        "capture" => capture::run(report).await,
        "restore" => restore::run(report).await,
        "storage" => backup::storage_of_unchanged_runs(report).await,
        "tenants" => backup::herd_of_tenants(report).await,
        "sets" => backup_sets::run(report),
        "rebuild" => rebuild::run(report).await,
        "lag" => lag::run(report).await,
        "api" => api_reads::run(report).await,
        "idle" => idle::run(report).await,
        "herd" => herd::run(report).await,
        _ => unreachable!("checked against PARTS"),
    }
}

#[tokio::main]
async fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("append-worker") {
        // a child of the `appends` part: another process appending to the same store
        return appends::worker(&arguments[1..]).await;
    }
    // `cargo bench` passes `--bench`; everything else names parts
    let asked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| !argument.starts_with("--"))
        .collect();
    let parts: Vec<&str> = if asked.is_empty() || asked.iter().any(|part| part == "all") {
        PARTS.iter().map(|(name, _)| *name).collect()
    } else {
        for part in &asked {
            if !PARTS.iter().any(|(name, _)| name == part) {
                let known: Vec<&str> = PARTS.iter().map(|(name, _)| *name).collect();
                eprintln!(
                    "unknown part {part:?}; the parts: all, {}",
                    known.join(", ")
                );
                std::process::exit(2);
            }
        }
        asked.iter().map(String::as_str).collect()
    };
    let mut report = Report::default();
    for part in parts {
        let description = PARTS.iter().find(|(name, _)| *name == part).unwrap().1;
        println!("== {part}: {description}");
        run_part(part, &mut report).await;
    }
    println!("\n{}", report.table());
}
