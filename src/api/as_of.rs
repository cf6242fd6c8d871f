//! Point-in-time replay: `?as_of=` on a schedule or a tenant answers the resource as it was,
//! rebuilt from its stored events by the code the service itself runs. The aggregate's
//! `apply` (cqrs-es) decides whether the resource existed then, the read-model projection's
//! change function (`projections::schedule_change` / `tenant_change`, which the projector
//! writes to the tables) builds its row, and the live endpoint's row-to-response mapping
//! turns that into the answer.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError};
use super::state::AppState;
use crate::auth::{Permission, Principal};
use crate::domain::schedule::Schedule;
use crate::domain::tenant::{Tenant, TenantStatus};
use crate::projections::{payload, FoldedRow};
use crate::store::{read_stream, stream_tenant, StreamBound};

/// `?as_of=` (documented by hand below: its schema is one of two types).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

const AS_OF_DESCRIPTION: &str = "Replay: the resource as it was at this point of its \
    history, instead of now. Either an RFC 3339 instant (the state after the newest event \
    recorded at or before it; `recorded_at` in the event history) or a version (the state \
    after that event; `version`, the `ETag`). The answer is the same document the resource \
    had then, with `as_of` saying which version and time it shows. Needs the event-history \
    permission (admins, auditors; others get 403), and works for a deleted resource at \
    points before its deletion. Before the resource was created: 404 \
    `as_of_before_creation`; a version it has not reached: 404 `as_of_version_not_reached`; \
    at or after its deletion: 404 `as_of_deleted`; neither an instant nor a positive \
    integer: 400 `invalid_query`.";

impl IntoParams for AsOfQuery {
    fn into_params(
        _parameter_in: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        vec![utoipa::openapi::path::ParameterBuilder::new()
            .name("as_of")
            .parameter_in(utoipa::openapi::path::ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .description(Some(AS_OF_DESCRIPTION))
            .schema(Some(as_of_schema()))
            .example(Some(serde_json::json!("2026-11-26T09:10:00Z")))
            .build()]
    }
}

/// `as_of` is an instant or a version: one of the two schemas.
fn as_of_schema() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some("An RFC 3339 instant")),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1))
                .maximum(Some(i64::MAX as isize))
                .description(Some("An aggregate version")),
        )
        .into()
}

/// Which version and time a replayed resource shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"version": 3, "recorded_at": "2026-11-26T09:10:00.000001Z", "position": 41}))]
pub struct AsOf {
    /// The aggregate version shown (also sent as the `ETag`).
    pub version: u64,
    /// When the event that made this version was recorded: the database's commit clock, the
    /// one `as_of` instants (and the event feed's `recorded_at`) are compared with.
    pub recorded_at: DateTime<Utc>,
    /// That event's position in the global feed (`GET /api/v1/events`).
    pub position: i64,
}

impl AsOfQuery {
    /// The point to replay to, or `None` for the live resource. Asking for history needs
    /// the event-history permission; the value is checked after that (authorization first).
    pub fn bound(
        &self,
        principal: &Principal,
        tenant_id: Uuid,
    ) -> Result<Option<StreamBound>, ApiError> {
        let Some(text) = &self.as_of else {
            return Ok(None);
        };
        principal.authorize(Permission::ReadEvents, Some(tenant_id))?;
        parse(text).map(Some)
    }
}

fn parse(text: &str) -> Result<StreamBound, ApiError> {
    let invalid = |message: &str| {
        ApiError::BadRequest(FieldError::new("as_of", ErrorCode::InvalidQuery, message))
    };
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(version) if version >= 1 => Ok(StreamBound::Version(version)),
            _ => Err(invalid(&format!(
                "as_of as a version must be between 1 and {}",
                i64::MAX
            ))),
        };
    }
    // as lenient as the feed's `from` and `to` (serde reads those with the same parser)
    text.parse::<DateTime<Utc>>()
        .map(StreamBound::RecordedAt)
        .map_err(|_| {
            invalid(
                "as_of must be an RFC 3339 instant (e.g. 2026-11-26T09:10:00Z) or a version \
                 (a positive integer)",
            )
        })
}

/// An aggregate whose resource `?as_of=` can replay.
pub trait Replayable: Aggregate {
    /// The resource's name in problems.
    const RESOURCE: &'static str;
    /// Whether the resource was deleted in this state.
    fn is_deleted(&self) -> bool;
}

impl Replayable for Schedule {
    const RESOURCE: &'static str = "schedule";

    fn is_deleted(&self) -> bool {
        Schedule::is_deleted(self)
    }
}

impl Replayable for Tenant {
    const RESOURCE: &'static str = "tenant";

    fn is_deleted(&self) -> bool {
        self.status() == TenantStatus::Deleted
    }
}

/// A replayed read-model row and what it shows.
pub struct Replayed<R> {
    pub row: R,
    pub as_of: AsOf,
}

/// Folds the stream of `A` `aggregate_id`, a resource of `tenant_id`, up to `bound`: each
/// event through `A::apply` and through the read model's own change function (`R::fold`).
/// Another tenant's resource answers like a missing one.
pub async fn replay<A: Replayable, R: FoldedRow>(
    state: &AppState,
    tenant_id: Uuid,
    aggregate_id: Uuid,
    bound: StreamBound,
) -> Result<Replayed<R>, ApiError> {
    let id = aggregate_id.to_string();
    let events = {
        let client = state.pool.get().await?;
        let events = read_stream(&client, &state.upcasters, A::TYPE, &id, bound).await?;
        if events.is_empty() {
            // nothing up to the bound: not created yet, or no such resource of this tenant
            return Err(match stream_tenant(&client, A::TYPE, &id).await? {
                Some(Some(owner)) if owner == tenant_id => not_at(
                    ErrorCode::AsOfBeforeCreation,
                    format!("the {} did not exist yet at as_of", A::RESOURCE),
                ),
                _ => ApiError::NotFound(A::RESOURCE),
            });
        }
        events
    };
    if events[0].tenant_id != Some(tenant_id) {
        return Err(ApiError::NotFound(A::RESOURCE));
    }
    let mut aggregate = A::default();
    let mut row = None;
    for event in &events {
        aggregate.apply(payload::<A::Event>(event)?);
        R::fold(&mut row, event, aggregate_id)?;
    }
    let last = &events[events.len() - 1];
    if let StreamBound::Version(version) = bound {
        if last.sequence < version {
            return Err(not_at(
                ErrorCode::AsOfVersionNotReached,
                format!(
                    "the {} has no version {version}; its latest is {}",
                    A::RESOURCE,
                    last.sequence
                ),
            ));
        }
    }
    if aggregate.is_deleted() {
        return Err(not_at(
            ErrorCode::AsOfDeleted,
            format!(
                "the {} was deleted at version {} (recorded at {})",
                A::RESOURCE,
                last.sequence,
                last.recorded_at.to_rfc3339()
            ),
        ));
    }
    let row = row.ok_or_else(|| {
        ApiError::Internal(format!(
            "replaying {} {id} built no read-model row",
            A::RESOURCE
        ))
    })?;
    Ok(Replayed {
        row,
        as_of: AsOf {
            version: u64::try_from(last.sequence).unwrap_or_default(),
            recorded_at: last.recorded_at,
            position: last.position,
        },
    })
}

/// A 404 naming `as_of`: the resource exists, but not at that point.
fn not_at(code: ErrorCode, message: String) -> ApiError {
    ApiError::Validation(vec![FieldError::new("as_of", code, message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_is_a_positive_version_or_an_instant() {
        assert_eq!(parse("3").unwrap(), StreamBound::Version(3));
        assert_eq!(
            parse("2026-11-26T09:10:00.5+01:00").unwrap(),
            StreamBound::RecordedAt("2026-11-26T08:10:00.5Z".parse().unwrap())
        );
        for bad in [
            "0",
            "-1",
            "",
            "99999999999999999999",
            "yesterday",
            "2026-11-26",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidQuery, "{bad}");
            assert_eq!(error.problem().errors[0].field, "as_of", "{bad}");
        }
    }
}
