//! The PostgreSQL connection pool, database creation and schema migrations.

mod cached;
mod migrations;

pub use cached::CachedStatements;

pub use migrations::{run_migrations, MIGRATIONS};

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(tokio_postgres::Error),
    #[error("DATABASE_URL names no database")]
    NoDatabaseName,
    #[error("cannot reach PostgreSQL: {0}")]
    Connect(tokio_postgres::Error),
    #[error("database statement failed: {0}")]
    Statement(#[from] tokio_postgres::Error),
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
    #[error("cannot get a pooled connection: {0}")]
    Checkout(#[from] deadpool_postgres::PoolError),
}

pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, DbSetupError> {
    tokio_postgres::Config::from_str(url).map_err(DbSetupError::InvalidUrl)
}

/// How long a caller waits for a pooled connection when none is free, unless configured
/// otherwise: long enough to ride out a burst, short enough that a client gets a 503 with
/// `Retry-After` rather than a hang.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(2);
/// Opening or checking a connection takes at most this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool over the database named in `url`, waiting [`DEFAULT_WAIT_TIMEOUT`] at most.
pub fn create_pool(url: &str, max_size: usize) -> Result<Pool, DbSetupError> {
    create_pool_waiting(url, max_size, DEFAULT_WAIT_TIMEOUT)
}

/// A pool whose callers wait at most `wait` for a free connection, then get
/// `PoolError::Timeout` (which the API answers with 503): no caller waits forever.
pub fn create_pool_waiting(
    url: &str,
    max_size: usize,
    wait: Duration,
) -> Result<Pool, DbSetupError> {
    let config = parse_url(url)?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(wait))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|error| DbSetupError::Pool(error.to_string()))
}

/// Creates the database named in `url` when it does not exist yet (the maintenance database
/// `postgres` on the same server is used to issue `CREATE DATABASE`).
pub async fn ensure_database_exists(url: &str) -> Result<(), DbSetupError> {
    let config = parse_url(url)?;
    let name = config
        .get_dbname()
        .ok_or(DbSetupError::NoDatabaseName)?
        .to_owned();
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    let (client, connection) = maintenance
        .connect(NoTls)
        .await
        .map_err(DbSetupError::Connect)?;
    let driver = tokio::spawn(connection);
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .is_some();
    if !exists {
        let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        match client.batch_execute(&create).await {
            Ok(()) => tracing::info!(database = %name, "created database"),
            // another process created it between our check and our CREATE: that is fine
            Err(error) if error.code() == Some(&SqlState::DUPLICATE_DATABASE) => {}
            Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {}
            Err(error) => return Err(error.into()),
        }
    }
    drop(client);
    let _ = driver.await;
    Ok(())
}

/// Creates the database if needed, runs the migrations and returns a pool.
pub async fn prepare(url: &str, max_size: usize) -> Result<Pool, DbSetupError> {
    prepare_waiting(url, max_size, DEFAULT_WAIT_TIMEOUT).await
}

/// [`prepare`] with a chosen wait for free connections (`TENANTPILOT_DB_POOL_TIMEOUT_MS`).
pub async fn prepare_waiting(
    url: &str,
    max_size: usize,
    wait: Duration,
) -> Result<Pool, DbSetupError> {
    ensure_database_exists(url).await?;
    let pool = create_pool_waiting(url, max_size, wait)?;
    run_migrations(&pool).await?;
    Ok(pool)
}
