//! Cursor pagination: `limit` (1..=200, default 50) and an opaque `cursor` from the previous
//! page's `next_cursor`. Rows are ordered by their UUIDv7 id, i.e. by creation time.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (the id of its last item).
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl PageQuery {
    pub fn validate(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(FieldError::new(
                "limit",
                ErrorCode::InvalidQuery,
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )));
        }
        let after = match &self.cursor {
            None => None,
            Some(cursor) => Some(Uuid::parse_str(cursor).map_err(|_| invalid_cursor())?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// The 400 for a cursor that is not a `next_cursor` of this list (unreadable, or naming
/// nothing in it).
pub fn invalid_cursor() -> ApiError {
    ApiError::BadRequest(FieldError::new(
        "cursor",
        ErrorCode::InvalidCursor,
        "cursor must be a next_cursor value from a previous page",
    ))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows (the extra row only says there is more).
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = request.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| id_of(row).to_string())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}
