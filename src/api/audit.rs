//! `GET /api/v1/audit/verify`: checks the event log's hash chain and anchors, as
//! `tenantpilot audit verify` does. Admins and auditors, with a token that sees every
//! tenant: the log and its digest span every tenant.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::ValidQuery;
use super::state::AppState;
use super::TAG_EVENTS;
use crate::audit::{verify, AuditError, VerificationReport};
use crate::auth::{Permission, Principal};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(verify_event_log);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Check the whole log from its first event, trusting nothing stored by earlier runs
    /// (default false: continue after the last successfully verified position).
    pub full: Option<bool>,
}

/// Verify the event log's hash chain and anchors.
///
/// Every event's hash is recomputed from its stored content and its stream predecessor's
/// stored hash, the log's digest is folded along, and every anchor passed is compared with
/// the log (README "Tamper evidence"). The answer is 200 whether the log is intact
/// (`status` `ok`: the verified position is stored, and the next run continues after it)
/// or not (`status` `broken`, with the first broken position and the reason; nothing is
/// stored). A full run over a long log takes a while: `tenantpilot audit verify --full`
/// suits it better.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(VerifyQuery),
    responses(
        (status = 200, description = "The verification report", body = VerificationReport,
         examples(
             ("ok" = (summary = "The log is intact", value = json!({
                 "status": "ok", "full": false, "started_after_position": 1200,
                 "verified_through_position": 1336, "events_checked": 136, "event_count": 1323,
                 "digest": "5be0c9f3a4d2e1b0c8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29",
                 "first_broken_position": null, "reason": null, "detail": null,
                 "anchors_checked": 1,
                 "last_anchor": {"position": 1300, "recorded_at": "2026-11-27T09:00:00Z",
                     "digest": "0d4c6f1e2a3b5c7d9e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
                     "event_count": 1290,
                     "found_digest": "0d4c6f1e2a3b5c7d9e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
                     "found_event_count": 1290, "matches": true},
                 "verified_at": "2026-11-27T09:30:00Z"}))),
             ("broken" = (summary = "A tail deleted after an anchor was taken", value = json!({
                 "status": "broken", "full": true, "started_after_position": 0,
                 "verified_through_position": 1290, "events_checked": 1281, "event_count": 1281,
                 "digest": "77a1c3e5f7092b4d6f8a0c2e4f6a8b0d1f3a5c7e9b0d2f4a6c8e0a2c4e6f8a0b",
                 "first_broken_position": 1300, "reason": "anchor_mismatch",
                 "detail": "the anchor at position 1300 (recorded 2026-11-27T09:00:00+00:00) has 1290 events with digest 0d4c…4e5f; the log has 1281 events with digest 77a1…8a0b through that position",
                 "anchors_checked": 1,
                 "last_anchor": {"position": 1300, "recorded_at": "2026-11-27T09:00:00Z",
                     "digest": "0d4c6f1e2a3b5c7d9e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
                     "event_count": 1290,
                     "found_digest": "77a1c3e5f7092b4d6f8a0c2e4f6a8b0d1f3a5c7e9b0d2f4a6c8e0a2c4e6f8a0b",
                     "found_event_count": 1281, "matches": false},
                 "verified_at": "2026-11-27T09:30:00Z"})))
         )),
        (status = 403, description = "`forbidden`: not an admin or auditor, or the token does not see every tenant", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/verify")]
async fn verify_event_log(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ReadEvents, None)?;
    if principal.visible_tenants().is_some() {
        return Err(ApiError::Forbidden(
            "verification covers every tenant's events; use a token that sees every tenant"
                .to_owned(),
        ));
    }
    let query = query.into_inner()?;
    let report = verify(&state.pool, state.clock.now(), query.full.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().json(report))
}

impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Database(error) => error.into(),
            AuditError::Pool(error) => error.into(),
            AuditError::Unhashed(_) => Self::Internal(error.to_string()),
        }
    }
}
