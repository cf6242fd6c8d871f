//! `/api/v1/metrics`: Prometheus text gauges read from the database at scrape time, so every
//! instance answers the same numbers: how far each consumer lags behind the event log, how
//! many schedules are overdue (a stuck dispatcher), runs by status. Needs a token that sees
//! every tenant: the figures span tenants.

use std::fmt::Write as _;

use actix_web::{get, web, HttpResponse};

use super::error::ApiError;
use super::state::AppState;
use super::TAG_HEALTH;
use crate::auth::{Permission, Principal};
use crate::store::latest_committed;

/// A schedule whose slot is this much past due has been missed by every dispatcher.
const OVERDUE_AFTER_SECONDS: f64 = 120.0;

/// Operational gauges in the Prometheus text format.
#[utoipa::path(
    tag = TAG_HEALTH,
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::Read, None)?;
    if principal.visible_tenants().is_some() {
        return Err(ApiError::Forbidden(
            "metrics span every tenant; use a token that sees every tenant".to_owned(),
        ));
    }
    let client = state.pool.get().await?;
    let head = latest_committed(&client).await?.position;
    let mut text = String::new();
    gauge(
        &mut text,
        "tenantpilot_event_log_position",
        "Position of the newest event.",
        &[("", head as f64)],
    );
    // Consumers read only below the oldest transaction still running (`store::feed`): one
    // left open holds every consumer back, and this is how long it has.
    let horizon_age: f64 = client
        .query_one(
            "SELECT coalesce(extract(epoch FROM now() - min(xact_start)), 0)::float8
             FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND datname = current_database()",
            &[],
        )
        .await?
        .get(0);
    gauge(
        &mut text,
        "tenantpilot_feed_horizon_age_seconds",
        "Age of the oldest transaction holding the feed's horizon back.",
        &[("", horizon_age.max(0.0))],
    );

    let consumers: Vec<(String, f64)> = client
        .query(
            "SELECT name, position FROM consumer_checkpoints ORDER BY name",
            &[],
        )
        .await?
        .iter()
        .map(|row| {
            (
                row.get::<_, String>(0),
                // positions are handed out in about feed order: near enough for a lag
                (head - row.get::<_, i64>(1)).max(0) as f64,
            )
        })
        .collect();
    let labelled: Vec<(String, f64)> = consumers
        .iter()
        .map(|(name, lag)| (format!("consumer=\"{name}\""), *lag))
        .collect();
    gauge_labelled(
        &mut text,
        "tenantpilot_consumer_lag_events",
        "Events a consumer has yet to apply.",
        &labelled,
    );

    let overdue: i64 = client
        .query_one(
            "SELECT count(*) FROM backup_schedules WHERE enabled AND deleted_at IS NULL
               AND next_run_at < now() - make_interval(secs => $1)",
            &[&OVERDUE_AFTER_SECONDS],
        )
        .await?
        .get(0);
    gauge(
        &mut text,
        "tenantpilot_schedules_overdue",
        "Enabled schedules whose next slot is more than two minutes past (is a dispatcher running?).",
        &[("", overdue as f64)],
    );
    let schedules: Vec<(String, f64)> = client
        .query(
            "SELECT CASE WHEN enabled THEN 'enabled' ELSE 'disabled' END, count(*)
             FROM backup_schedules WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|row| {
            (
                format!("state=\"{}\"", row.get::<_, String>(0)),
                row.get::<_, i64>(1) as f64,
            )
        })
        .collect();
    gauge_labelled(
        &mut text,
        "tenantpilot_schedules",
        "Schedules by state.",
        &schedules,
    );
    let runs: Vec<(String, f64)> = client
        .query(
            "SELECT status, count(*) FROM backup_runs GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|row| {
            (
                format!("status=\"{}\"", row.get::<_, String>(0)),
                row.get::<_, i64>(1) as f64,
            )
        })
        .collect();
    gauge_labelled(&mut text, "tenantpilot_runs", "Runs by status.", &runs);
    let webhooks = client
        .query_one(
            "SELECT (SELECT count(*) FROM webhook_messages WHERE status = 'pending'),
                    (SELECT count(*) FROM webhook_routes
                     WHERE active AND failing_since IS NOT NULL)",
            &[],
        )
        .await?;
    gauge(
        &mut text,
        "tenantpilot_webhook_messages_pending",
        "Webhook messages waiting for an attempt (first or retry).",
        &[("", webhooks.get::<_, i64>(0) as f64)],
    );
    gauge(
        &mut text,
        "tenantpilot_webhooks_failing",
        "Enabled webhooks whose attempts have all failed since their last success.",
        &[("", webhooks.get::<_, i64>(1) as f64)],
    );
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text))
}

fn gauge(text: &mut String, name: &str, help: &str, values: &[(&str, f64)]) {
    let labelled: Vec<(String, f64)> = values
        .iter()
        .map(|(labels, value)| (labels.to_string(), *value))
        .collect();
    gauge_labelled(text, name, help, &labelled);
}

fn gauge_labelled(text: &mut String, name: &str, help: &str, values: &[(String, f64)]) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} gauge");
    for (labels, value) in values {
        if labels.is_empty() {
            let _ = writeln!(text, "{name} {value}");
        } else {
            let _ = writeln!(text, "{name}{{{labels}}} {value}");
        }
    }
}
