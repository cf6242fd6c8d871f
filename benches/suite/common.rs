//! What every benchmark of the suite shares: the PostgreSQL server, bench databases made and
//! dropped, the service as a child process, percentiles, and the figures it reports.

use std::process::Stdio;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::process::{Child, Command};
use uuid::Uuid;

pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";

/// The server bench databases are made on (`TENANTPILOT_BENCH_DATABASE_SERVER`).
pub fn server_url() -> String {
    std::env::var("TENANTPILOT_BENCH_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A fresh, migrated database; drop it with [`drop_database`].
pub async fn database(label: &str, pool_size: usize) -> (String, Pool) {
    let name = format!("tp_bench_{label}_{}", Uuid::new_v4().simple());
    let pool = tenantpilot::db::prepare(&format!("{}/{name}", server_url()), pool_size)
        .await
        .expect("bench database");
    (name, pool)
}

pub async fn drop_database(name: &str, pool: Pool) {
    pool.close();
    let admin = tenantpilot::db::create_pool(&format!("{}/postgres", server_url()), 1).unwrap();
    if let Ok(client) = admin.get().await {
        if let Err(error) = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
        {
            eprintln!("could not drop bench database {name}: {error}");
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// `tenantpilot serve` (the release binary) as a process of its own on `database`.
pub struct Service {
    _child: Child,
    pub base: String,
    pub http: reqwest::Client,
}

impl Service {
    pub async fn start(database: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
            .arg("serve")
            .env("DATABASE_URL", format!("{}/{database}", server_url()))
            .env("TENANTPILOT_BIND", format!("127.0.0.1:{port}"))
            .env("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN)
            .env(
                "TENANTPILOT_SECRET_KEY",
                tenantpilot::secrets::SecretKey::generate().to_base64(),
            )
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the service starts");
        tenantpilot::graph::install_tls_provider();
        let service = Self {
            _child: child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..300 {
            let ready = service
                .http
                .get(format!("{}/readyz", service.base))
                .send()
                .await;
            if ready.is_ok_and(|response| response.status().is_success()) {
                return service;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the service did not become ready");
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .json(body)
            .send()
            .await
            .expect("request sent");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("a JSON body")
    }
}

/// The `percent`th percentile of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], percent: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = (sorted.len() * percent / 100).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1000.0
}

/// One measured figure, for the table the suite prints at the end.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub value: String,
    pub goal: &'static str,
}

#[derive(Debug, Default)]
pub struct Report {
    pub figures: Vec<Figure>,
}

impl Report {
    /// Records a figure and prints it at once (a long suite shows progress).
    pub fn add(&mut self, name: impl Into<String>, value: impl Into<String>, goal: &'static str) {
        let figure = Figure {
            name: name.into(),
            value: value.into(),
            goal,
        };
        println!(
            "  {}: {} (goal: {})",
            figure.name, figure.value, figure.goal
        );
        self.figures.push(figure);
    }

    /// The figures as a Markdown table (BENCHMARKS.md takes it as it is).
    pub fn table(&self) -> String {
        let mut table = String::from("| figure | measured | goal |\n|---|---|---|\n");
        for figure in &self.figures {
            table.push_str(&format!(
                "| {} | {} | {} |\n",
                figure.name, figure.value, figure.goal
            ));
        }
        table
    }
}
