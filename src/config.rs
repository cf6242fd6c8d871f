//! Typed settings from the environment, validated once at start-up (fail fast).

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// Which parts of the service this process runs (`TENANTPILOT_ROLES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Api,
    Dispatcher,
    Worker,
    Consumers,
    /// Fans the event feed out to webhook subscriptions and delivers the messages.
    Webhooks,
}

impl Role {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "api" => Some(Self::Api),
            "dispatcher" => Some(Self::Dispatcher),
            "worker" => Some(Self::Worker),
            "consumers" => Some(Self::Consumers),
            "webhooks" => Some(Self::Webhooks),
            _ => None,
        }
    }
}

/// How log lines are written (`TENANTPILOT_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A value that must never be printed (keys, tokens, database passwords).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretString,
    pub database_pool_size: usize,
    /// How long a caller waits for a free pooled connection before giving up (503).
    pub database_pool_timeout: Duration,
    /// How long a write waits for the read models to show it before answering 202.
    pub write_visibility_timeout: Duration,
    pub bind: SocketAddr,
    pub graph_url: String,
    pub login_url: String,
    pub secret_key: Option<SecretString>,
    pub admin_token: Option<SecretString>,
    pub roles: BTreeSet<Role>,
    pub log_format: LogFormat,
    pub tick_interval: Duration,
    pub missed_slot_grace: Duration,
    pub projector_poll_interval: Duration,
    /// Runs executed at once by this process's workers.
    pub workers: usize,
    /// Admins who must agree to apply a restore, the applier included (1: the applier alone).
    pub restore_approvals: u32,
    pub lease: Duration,
    pub worker_poll_interval: Duration,
    pub graph_concurrency_per_tenant: usize,
    pub graph_concurrency: usize,
    pub graph_requests_per_20s: u32,
    /// Graph writes one tenant may start per 20 s (`TENANTPILOT_GRAPH_WRITES_PER_20S`).
    pub graph_writes_per_20s: u32,
    /// How long one Graph request may wait between its retries in total before its type
    /// ends `throttled` / `graph_unavailable` (`TENANTPILOT_GRAPH_RETRY_WAIT_SECONDS`).
    pub graph_retry_wait: Duration,
    /// A soft-deleted backup set is purged this many days after its deletion.
    pub purge_after_days: u32,
    /// Browser origins allowed to call the API (`TENANTPILOT_CORS_ORIGINS`); none: no CORS.
    pub cors_origins: Vec<String>,
    /// Demo mode (`serve --demo`): a generated secret key and admin token when none is set.
    pub demo: bool,
    /// Webhook delivery (`TENANTPILOT_WEBHOOK_*`; the retry timings are not variables).
    pub webhooks: crate::webhooks::WebhookSettings,
    /// How often the log's head is anchored (`TENANTPILOT_AUDIT_ANCHOR_SECONDS`, role
    /// consumers).
    pub audit_anchor_interval: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tenantpilot";

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Builds settings from any variable source, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = |name: &'static str, default: &str| lookup(name).unwrap_or(default.to_owned());
        Ok(Self {
            database_url: SecretString::new(text("DATABASE_URL", DEFAULT_DATABASE_URL)),
            database_pool_size: parse_number(&lookup, "TENANTPILOT_DB_POOL_SIZE", 16, 1..=1000)?,
            database_pool_timeout: Duration::from_millis(parse_number(
                &lookup,
                "TENANTPILOT_DB_POOL_TIMEOUT_MS",
                2_000,
                10..=60_000,
            )?),
            write_visibility_timeout: Duration::from_millis(parse_number(
                &lookup,
                "TENANTPILOT_WRITE_VISIBILITY_TIMEOUT_MS",
                5_000,
                0..=60_000,
            )?),
            bind: parse(
                "TENANTPILOT_BIND",
                &text("TENANTPILOT_BIND", "127.0.0.1:8080"),
            )?,
            graph_url: text("TENANTPILOT_GRAPH_URL", "https://graph.microsoft.com"),
            login_url: text("TENANTPILOT_LOGIN_URL", "https://login.microsoftonline.com"),
            secret_key: lookup("TENANTPILOT_SECRET_KEY").map(SecretString::new),
            admin_token: match lookup("TENANTPILOT_ADMIN_TOKEN") {
                Some(token) if token.len() < 16 || token.contains(char::is_whitespace) => {
                    return Err(ConfigError {
                        variable: "TENANTPILOT_ADMIN_TOKEN",
                        message: "must be at least 16 characters without white space".to_owned(),
                    })
                }
                token => token.map(SecretString::new),
            },
            roles: parse_roles(&text(
                "TENANTPILOT_ROLES",
                "api,dispatcher,worker,consumers,webhooks",
            ))?,
            log_format: match text("TENANTPILOT_LOG_FORMAT", "pretty").as_str() {
                "pretty" => LogFormat::Pretty,
                "json" => LogFormat::Json,
                other => return Err(invalid("TENANTPILOT_LOG_FORMAT", other, "pretty or json")),
            },
            tick_interval: Duration::from_secs(parse_number(
                &lookup,
                "TENANTPILOT_TICK_SECONDS",
                60,
                1..=3600,
            )?),
            missed_slot_grace: Duration::from_secs(parse_number(
                &lookup,
                "TENANTPILOT_GRACE_SECONDS",
                300,
                0..=86_400,
            )?),
            projector_poll_interval: Duration::from_millis(parse_number(
                &lookup,
                "TENANTPILOT_PROJECTOR_POLL_MS",
                500,
                10..=60_000,
            )?),
            workers: parse_number(&lookup, "TENANTPILOT_WORKERS", 4, 0..=64)?,
            restore_approvals: parse_number(&lookup, "TENANTPILOT_RESTORE_APPROVALS", 1, 1..=5)?,
            lease: Duration::from_secs(parse_number(
                &lookup,
                "TENANTPILOT_LEASE_SECONDS",
                60,
                2..=3_600,
            )?),
            worker_poll_interval: Duration::from_millis(parse_number(
                &lookup,
                "TENANTPILOT_WORKER_POLL_MS",
                1_000,
                10..=60_000,
            )?),
            graph_concurrency_per_tenant: parse_number(
                &lookup,
                "TENANTPILOT_GRAPH_CONCURRENCY_PER_TENANT",
                4,
                1..=64,
            )?,
            graph_concurrency: parse_number(
                &lookup,
                "TENANTPILOT_GRAPH_CONCURRENCY",
                32,
                1..=1024,
            )?,
            graph_requests_per_20s: parse_number(
                &lookup,
                "TENANTPILOT_GRAPH_REQUESTS_PER_20S",
                800,
                1..=100_000,
            )?,
            graph_writes_per_20s: parse_number(
                &lookup,
                "TENANTPILOT_GRAPH_WRITES_PER_20S",
                100,
                1..=100_000,
            )?,
            graph_retry_wait: Duration::from_secs(parse_number(
                &lookup,
                "TENANTPILOT_GRAPH_RETRY_WAIT_SECONDS",
                60,
                1..=3_600,
            )?),
            purge_after_days: parse_number(&lookup, "TENANTPILOT_PURGE_AFTER_DAYS", 30, 1..=3_650)?,
            cors_origins: crate::cors::parse_origins(&text("TENANTPILOT_CORS_ORIGINS", ""))
                .map_err(|message| ConfigError {
                    variable: "TENANTPILOT_CORS_ORIGINS",
                    message,
                })?,
            demo: false,
            webhooks: webhook_settings(&lookup)?,
            audit_anchor_interval: Duration::from_secs(parse_number(
                &lookup,
                "TENANTPILOT_AUDIT_ANCHOR_SECONDS",
                3_600,
                1..=86_400,
            )?),
        })
    }

    pub fn runs(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

fn invalid(variable: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        variable,
        message: format!("{value:?} is not valid, expected {expected}"),
    }
}

fn parse<T: std::str::FromStr>(variable: &'static str, value: &str) -> Result<T, ConfigError> {
    value
        .parse()
        .map_err(|_| invalid(variable, value, "a value of the documented form"))
}

fn parse_number<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(value) = lookup(variable) else {
        return Ok(default);
    };
    let expected = format!("a number from {} to {}", range.start(), range.end());
    match value.parse::<T>() {
        Ok(number) if range.contains(&number) => Ok(number),
        _ => Err(invalid(variable, &value, &expected)),
    }
}

fn webhook_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<crate::webhooks::WebhookSettings, ConfigError> {
    let allow_private = match lookup("TENANTPILOT_WEBHOOK_ALLOW_PRIVATE").as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(invalid(
                "TENANTPILOT_WEBHOOK_ALLOW_PRIVATE",
                other,
                "0 or 1",
            ))
        }
    };
    Ok(crate::webhooks::WebhookSettings::new(
        allow_private,
        Duration::from_millis(parse_number(
            lookup,
            "TENANTPILOT_WEBHOOK_TIMEOUT_MS",
            10_000,
            100..=120_000,
        )?),
        parse_number(lookup, "TENANTPILOT_WEBHOOK_CONCURRENCY", 64, 1..=4096)?,
        parse_number(
            lookup,
            "TENANTPILOT_WEBHOOK_CONCURRENCY_PER_ENDPOINT",
            8,
            1..=256,
        )?,
        parse_number(lookup, "TENANTPILOT_WEBHOOK_LOG_DAYS", 30, 1..=3_650)?,
        Duration::from_millis(parse_number(
            lookup,
            "TENANTPILOT_PROJECTOR_POLL_MS",
            500,
            10..=60_000,
        )?),
    ))
}

fn parse_roles(value: &str) -> Result<BTreeSet<Role>, ConfigError> {
    let expected = "a comma-separated list of api, dispatcher, worker, consumers, webhooks";
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| Role::parse(part).ok_or_else(|| invalid("TENANTPILOT_ROLES", part, expected)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn defaults_work_against_a_local_postgres() {
        let settings = settings(&[]).expect("defaults are valid");
        assert_eq!(settings.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.roles.len(), 5);
        assert!(!settings.webhooks.allow_private);
        assert_eq!(settings.webhooks.timeout, Duration::from_secs(10));
        assert_eq!(settings.missed_slot_grace, Duration::from_secs(300));
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_variable_named() {
        let error = settings(&[("TENANTPILOT_ROLES", "api,cron")]).unwrap_err();
        assert_eq!(error.variable, "TENANTPILOT_ROLES");
        assert!(error.message.contains("cron"));
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        let error = settings(&[("TENANTPILOT_TICK_SECONDS", "0")]).unwrap_err();
        assert_eq!(error.variable, "TENANTPILOT_TICK_SECONDS");
    }

    #[test]
    fn a_short_admin_token_is_refused() {
        let error = settings(&[("TENANTPILOT_ADMIN_TOKEN", "short")]).unwrap_err();
        assert_eq!(error.variable, "TENANTPILOT_ADMIN_TOKEN");
        assert!(!error.to_string().contains("short\""));
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list_and_none_by_default() {
        assert!(settings(&[]).unwrap().cors_origins.is_empty());
        let settings = settings(&[(
            "TENANTPILOT_CORS_ORIGINS",
            "https://admin.example.com, http://localhost:5173",
        )])
        .unwrap();
        assert_eq!(
            settings.cors_origins,
            ["https://admin.example.com", "http://localhost:5173"]
        );
    }

    #[test]
    fn a_bad_cors_origin_is_refused_with_the_variable_named() {
        let error =
            settings(&[("TENANTPILOT_CORS_ORIGINS", "https://admin.example.com/")]).unwrap_err();
        assert_eq!(error.variable, "TENANTPILOT_CORS_ORIGINS");
        assert!(error.to_string().contains("TENANTPILOT_CORS_ORIGINS"));
    }

    #[test]
    fn private_webhook_urls_are_allowed_by_1_only() {
        let allowed = settings(&[("TENANTPILOT_WEBHOOK_ALLOW_PRIVATE", "1")]).unwrap();
        assert!(allowed.webhooks.allow_private);
        let error = settings(&[("TENANTPILOT_WEBHOOK_ALLOW_PRIVATE", "yes")]).unwrap_err();
        assert_eq!(error.variable, "TENANTPILOT_WEBHOOK_ALLOW_PRIVATE");
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = settings(&[("TENANTPILOT_ADMIN_TOKEN", "tp_supersecret_value")]).unwrap();
        assert!(!format!("{settings:?}").contains("supersecret"));
    }
}
