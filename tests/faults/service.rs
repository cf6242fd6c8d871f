//! `tenantpilot serve` as a child process of the test: started, killed with SIGKILL and
//! started again on the same database and port, its stderr kept in a file for the checks.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tenantpilot::clock::ManualClock;
use tokio::process::{Child, Command};

use crate::helpers::{at, fresh_database, http_client, DatabaseGuard, TestApp, ADMIN_TOKEN};

pub struct Service {
    child: Option<Child>,
    env: Vec<(String, String)>,
    log: PathBuf,
    pub app: TestApp,
}

/// A port nobody listens on right now (the child binds it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Service {
    /// A service on a fresh database; `env` adds to (or overrides) the defaults.
    pub async fn start(env: &[(&str, String)]) -> Self {
        let (database_url, pool, guard) = fresh_database().await;
        Self::start_on(database_url, pool, Arc::new(guard), env).await
    }

    pub async fn start_on(
        database_url: String,
        pool: deadpool_postgres::Pool,
        database: Arc<DatabaseGuard>,
        extra: &[(&str, String)],
    ) -> Self {
        let port = free_port();
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url.clone()),
            ("TENANTPILOT_BIND", format!("127.0.0.1:{port}")),
            ("TENANTPILOT_ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            (
                "TENANTPILOT_SECRET_KEY",
                tenantpilot::secrets::SecretKey::generate().to_base64(),
            ),
            ("TENANTPILOT_LEASE_SECONDS", "2".to_owned()),
            ("TENANTPILOT_WORKER_POLL_MS", "50".to_owned()),
            ("TENANTPILOT_PROJECTOR_POLL_MS", "50".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).to_owned(), value.clone()));
        }
        let log = std::env::temp_dir().join(format!("tp-fault-{}.log", uuid::Uuid::new_v4()));
        let app = TestApp {
            address: format!("http://127.0.0.1:{port}"),
            database_url,
            pool,
            clock: ManualClock::new(at("2026-06-01T12:00:00Z")),
            http: http_client(),
            token: Some(ADMIN_TOKEN.to_owned()),
            database,
        };
        let mut service = Self {
            child: None,
            env,
            log,
            app,
        };
        service.spawn().await;
        service
    }

    /// Starts the process and waits until `/readyz` answers 200.
    pub async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("the service starts");
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(30)).await;
    }

    /// SIGKILL: no shutdown hook runs, no lease is released, no buffer is flushed.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("SIGKILL delivered");
        }
    }

    pub async fn ready(&self) -> Option<u16> {
        self.app
            .http
            .get(self.app.url("/readyz"))
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .ok()
            .map(|response| response.status().as_u16())
    }

    pub async fn wait_ready(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.ready().await != Some(200) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the service was not ready within {within:?}; its log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the process is still running (it has not exited or crashed).
    pub fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// No thread of any incarnation of the service panicked.
    pub fn assert_no_panic(&self) {
        let log = self.log_text();
        assert!(!log.contains("panicked"), "the service panicked:\n{log}");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}
