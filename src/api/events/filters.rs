//! The feed's query checked and turned into a store filter limited to the caller's tenants.
//! A bad value is a 400 `invalid_query` naming the parameter (control characters are
//! refused earlier, by the query extractor, for every operation).

use super::EventQuery;
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::auth::{Permission, Principal};
use crate::store::FeedFilter;

/// Longer than any actor, correlation id, aggregate id or type the service writes (request
/// ids are at most 128 characters).
const MAX_TEXT_CHARS: usize = 200;

impl EventQuery {
    /// The filter this query asks for (`after`, `limit` and `to_position`, which name
    /// places in the feed, aside), limited to the tenants
    /// `principal` sees. A `tenant_id` outside them answers like a missing tenant.
    pub(super) fn into_filter(self, principal: &Principal) -> Result<FeedFilter, ApiError> {
        if let Some(tenant_id) = self.tenant_id {
            principal.authorize(Permission::ReadEvents, Some(tenant_id))?;
        }
        if self.to_position.is_some_and(|position| position < 0) {
            return Err(invalid("to_position", "to_position must be 0 or more"));
        }
        Ok(FeedFilter {
            tenants: principal.visible_tenants(),
            tenant_id: self.tenant_id,
            aggregate_type: text("aggregate_type", self.aggregate_type)?,
            aggregate_id: text("aggregate_id", self.aggregate_id)?,
            event_type: text("event_type", self.event_type)?,
            actor: text("actor", self.actor)?,
            correlation_id: text("correlation_id", self.correlation_id)?,
            from: self.from,
            to: self.to,
            through: None,
        })
    }
}

/// An exact-match text filter: present means 1 to 200 characters (an empty value would
/// match nothing, which is never what was meant).
fn text(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(value) if value.is_empty() => Err(invalid(name, &format!("{name} must not be empty"))),
        Some(value) if value.chars().count() > MAX_TEXT_CHARS => Err(invalid(
            name,
            &format!("{name} must be at most {MAX_TEXT_CHARS} characters"),
        )),
        value => Ok(value),
    }
}

pub(super) fn invalid(name: &str, message: &str) -> ApiError {
    ApiError::BadRequest(FieldError::new(name, ErrorCode::InvalidQuery, message))
}
