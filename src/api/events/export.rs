//! The feed as NDJSON: every event that passes the filters, from `after` up to an event
//! fixed when the request starts, one `EventResponse` per line, with no limit. Memory stays
//! flat however long the export: events are read in keyset batches of `BATCH`, each on a
//! pooled connection that goes back to the pool before its lines are written, and the next
//! batch is read only when the client has taken the previous one (actix polls a streaming
//! body only while its write buffer has room), so a slow client holds no database
//! connection and makes the server buffer nothing.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};

use super::filters::invalid;
use super::{feed_place, EventQuery, EventResponse};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::ValidQuery;
use crate::api::state::AppState;
use crate::api::TAG_EVENTS;
use crate::auth::{Permission, Principal};
use crate::store::{feed_head, read_filtered, FeedCursor, FeedFilter};

pub const NDJSON: &str = "application/x-ndjson";
/// The export's upper bound, for a client that resumes a broken export with
/// `after=<last position read>&to_position=<this>`.
pub const TO_POSITION_HEADER: &str = "x-export-to-position";
/// Events per read: big enough that the round trips do not dominate, small enough that a
/// batch (and its lines) is a few MB at most.
const BATCH: i64 = 1_000;

// Documentation only: nothing builds it, the handler streams the lines.
/// An NDJSON body: one `EventResponse` JSON object per line, each line ending in `\n`.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String)]
pub struct EventLines(#[allow(dead_code)] String);

/// Export the feed as NDJSON: every event that passes the filters (the same as
/// `GET /api/v1/events` takes, without `limit`), in feed order, streamed. The export ends at
/// the event at `to_position` or at the last final event when the request started, whichever
/// comes first (`X-Export-To-Position`), so it is a fixed range however long it takes. A body cut
/// short (the connection closes without the final chunk) is an incomplete export: resume
/// with `after` set to the last position read and `to_position` to that header's value.
/// `Accept: application/x-ndjson` on `GET /api/v1/events` answers the same.
#[utoipa::path(
    tag = TAG_EVENTS,
    params(EventQuery),
    responses(
        (status = 200, description = "One `EventResponse` per line (`\\n`-terminated), in feed order",
         content_type = "application/x-ndjson", body = EventLines,
         headers(("X-Export-To-Position" = i64, description = "The position the export ends at (inclusive)")),
         example = json!("{\"position\":41,\"event_id\":\"0192f0c5-4e5f-7a6b-9c7d-3e4f5a6b7c8d\",\"aggregate_type\":\"schedule\",\"aggregate_id\":\"0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a\",\"sequence\":2,\"event_type\":\"ScheduleDisabled\",\"event_version\":\"1\",\"tenant_id\":\"0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f\",\"payload\":{\"type\":\"ScheduleDisabled\"},\"metadata\":{\"actor\":\"0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c\",\"actor_name\":\"ci\",\"correlation_id\":\"0192f0c5-0000-7000-8000-000000000001\"},\"recorded_at\":\"2026-11-26T09:10:00.000001Z\"}\n{\"position\":42,\"event_id\":\"0192f0c5-4e60-7a6b-9c7d-3e4f5a6b7c8e\",\"aggregate_type\":\"schedule\",\"aggregate_id\":\"0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a\",\"sequence\":3,\"event_type\":\"ScheduleEnabled\",\"event_version\":\"1\",\"tenant_id\":\"0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f\",\"payload\":{\"type\":\"ScheduleEnabled\",\"next_run_at\":\"2026-11-27T01:30:00Z\"},\"metadata\":{\"actor\":\"0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c\",\"actor_name\":\"ci\",\"correlation_id\":\"0192f0c5-0000-7000-8000-000000000002\"},\"recorded_at\":\"2026-11-26T09:11:00.000001Z\"}\n")),
        (status = 400, description = "`invalid_query`: a filter is unknown (`limit` included), empty, too long or out of range; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: `tenant_id` names a tenant the token cannot see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events/export")]
pub(super) async fn export_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::ReadEvents, None)?;
    stream(state, &principal, query.into_inner()?).await
}

/// Whether the request asks for NDJSON: `application/x-ndjson` is listed with a quality
/// above 0 and at least that of `application/json` (wildcards count for JSON only).
pub(super) fn wants_ndjson(request: &HttpRequest) -> bool {
    let Some(accept) = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let (mut ndjson, mut json) = (0.0_f32, 0.0_f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|value| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            NDJSON => ndjson = ndjson.max(quality),
            "application/json" | "application/*" | "*/*" => json = json.max(quality),
            _ => {}
        }
    }
    ndjson > 0.0 && ndjson >= json
}

/// Checks the query, fixes the upper bound and starts the stream. Every problem with the
/// request is answered here, before the first byte of the body.
pub(super) async fn stream(
    state: web::Data<AppState>,
    principal: &Principal,
    query: EventQuery,
) -> Result<HttpResponse, ApiError> {
    if query.limit.is_some() {
        return Err(invalid(
            "limit",
            "the export takes no limit: it streams every matching event (bound it with \
             to_position)",
        ));
    }
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(invalid("after", "after must be 0 or more"));
    }
    let to_position = query.to_position;
    let mut filter = query.into_filter(principal)?;
    // The range ends at or before the feed's head below its horizon: every event up to
    // there is final (`store::feed`), so the range cannot grow under the export.
    let (start, through) = {
        let client = state.pool.get().await?;
        let start = feed_place(&client, after).await?;
        let head = feed_head(&client).await?;
        let through = match to_position {
            Some(to_position) => feed_place(&client, to_position).await?.min(head),
            None => head,
        };
        (start, through)
    };
    filter.through = Some(through);
    let to_position = through.position;
    let export = Export {
        state,
        filter,
        after: start,
    };
    let body = futures_util::stream::unfold(Some(export), next_chunk);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(NDJSON)))
        .insert_header((TO_POSITION_HEADER, to_position.to_string()))
        .streaming(body))
}

struct Export {
    state: web::Data<AppState>,
    filter: FeedFilter,
    /// The last event sent.
    after: FeedCursor,
}

/// The next batch's lines; `None` state once the last batch went out. A failure ends the
/// body with an error, so the client sees a broken transfer, never a short export that
/// looks complete.
async fn next_chunk(
    export: Option<Export>,
) -> Option<(Result<Bytes, std::io::Error>, Option<Export>)> {
    let mut export = export?;
    match export.read_batch().await {
        Ok(None) => None,
        Ok(Some((lines, more))) => Some((Ok(lines), more.then_some(export))),
        Err(error) => {
            tracing::error!(error.cause = %error, after = export.after.position,
                "event export failed");
            Some((Err(std::io::Error::other("the export failed")), None))
        }
    }
}

impl Export {
    /// Reads the next batch and renders it; says whether more may follow. The connection
    /// goes back to the pool before the lines are rendered and handed to the client.
    async fn read_batch(&mut self) -> Result<Option<(Bytes, bool)>, ApiError> {
        let events = {
            let client = self.state.pool.get().await?;
            read_filtered(
                &client,
                &self.state.upcasters,
                &self.filter,
                self.after,
                BATCH,
            )
            .await?
        };
        let Some(last) = events.last() else {
            return Ok(None);
        };
        self.after = last.cursor();
        let more = events.len() as i64 == BATCH;
        let mut lines = Vec::with_capacity(events.len() * 512);
        for event in events {
            serde_json::to_writer(&mut lines, &EventResponse::from(event))
                .map_err(|error| ApiError::Internal(format!("rendering an event: {error}")))?;
            lines.push(b'\n');
        }
        Ok(Some((Bytes::from(lines), more)))
    }
}
