//! Backup-schedule request and response bodies, their validation, and row mapping.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::as_of::{AsOf, Replayed};
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::api::openapi::schemas::{PolicyTypeKey, TimezoneName};
use crate::domain::cadence::{Cadence, CadenceError};
use crate::domain::schedule::{
    InvalidPolicyTypes, PolicyTypeSelection, RetentionKeepLast, ScheduleChanges, ScheduleName,
    ScheduleSpec,
};
use crate::domain::timezone::Timezone;
use crate::projections::{ScheduleRow, SCHEDULE_ROW_COLUMNS};

/// Retention when a create request does not say.
pub const DEFAULT_RETENTION: i64 = 7;

// Documentation only: requests are parsed into the domain's `Cadence`.
/// When a schedule fires, as wall-clock times in its timezone; `kind` tells which.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(
    as = Cadence,
    discriminator(property_name = "kind", mapping(
        ("daily" = "#/components/schemas/DailyCadence"),
        ("weekly" = "#/components/schemas/WeeklyCadence"),
    )),
    example = json!({"kind": "weekly", "days": ["mon", "thu"], "times": ["22:00"]})
)]
pub enum CadenceDoc {
    Daily(DailyCadenceDoc),
    Weekly(WeeklyCadenceDoc),
}

/// Every day at each of `times`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DailyCadence, example = json!({"kind": "daily", "times": ["02:30"]}))]
pub struct DailyCadenceDoc {
    #[schema(inline)]
    kind: DailyKind,
    /// 1 to 24 distinct `HH:MM` wall-clock times.
    #[schema(
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$",
        min_items = 1,
        max_items = 24
    )]
    times: BTreeSet<String>,
}

/// On each of `days` (local weekdays) at each of `times`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WeeklyCadence, example = json!({"kind": "weekly", "days": ["mon", "thu"], "times": ["22:00"]}))]
pub struct WeeklyCadenceDoc {
    #[schema(inline)]
    kind: WeeklyKind,
    /// 1 to 7 distinct local weekdays.
    #[schema(min_items = 1, max_items = 7)]
    days: BTreeSet<DayDoc>,
    /// 1 to 24 distinct `HH:MM` wall-clock times.
    #[schema(
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$",
        min_items = 1,
        max_items = 24
    )]
    times: BTreeSet<String>,
}

// The `kind` tags exist only to be described in the OpenAPI document; nothing builds them.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum DailyKind {
    Daily,
}

#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum WeeklyKind {
    Weekly,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = DayOfWeek, example = "mon")]
pub enum DayDoc {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Nightly", "enabled": true, "cadence": {"kind": "daily", "times": ["02:30"]},
    "timezone": "Europe/Berlin", "policy_types": ["deviceConfigurations", "settingsCatalog"],
    "include_foundations": true, "retention_keep_last": 7
}))]
pub struct CreateScheduleRequest {
    /// 1 to 100 characters once leading and trailing white space is trimmed (it is), no
    /// control characters; unique per tenant (case-insensitive).
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,98}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub name: String,
    /// Default true.
    pub enabled: Option<bool>,
    #[schema(value_type = CadenceDoc)]
    pub cadence: Cadence,
    #[schema(value_type = TimezoneName)]
    pub timezone: String,
    /// Keys from `GET /api/v1/policy-types`; at least one, no duplicates.
    #[schema(min_items = 1, value_type = BTreeSet<PolicyTypeKey>,
             example = json!(["deviceConfigurations", "settingsCatalog"]))]
    pub policy_types: Vec<String>,
    /// Also back up assignment filters, scope tags and other referenced objects. Default false.
    pub include_foundations: Option<bool>,
    /// Backup-producing runs to keep, 1 to 365. Default 7.
    #[schema(minimum = 1, maximum = 365)]
    #[serde(default, deserialize_with = "crate::api::extract::optional_integer")]
    pub retention_keep_last: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cadence": {"kind": "daily", "times": ["01:00", "13:00"]}}))]
pub struct UpdateScheduleRequest {
    /// As in the create request.
    #[schema(
        min_length = 1,
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,98}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub name: Option<String>,
    pub enabled: Option<bool>,
    #[schema(value_type = Option<CadenceDoc>)]
    pub cadence: Option<Cadence>,
    #[schema(value_type = Option<TimezoneName>)]
    pub timezone: Option<String>,
    /// Keys from `GET /api/v1/policy-types`; at least one, no duplicates.
    #[schema(min_items = 1, value_type = Option<BTreeSet<PolicyTypeKey>>)]
    pub policy_types: Option<Vec<String>>,
    pub include_foundations: Option<bool>,
    #[schema(minimum = 1, maximum = 365)]
    #[serde(default, deserialize_with = "crate::api::extract::optional_integer")]
    pub retention_keep_last: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a", "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "name": "Nightly", "enabled": true, "cadence": {"kind": "daily", "times": ["02:30"]},
    "timezone": "Europe/Berlin", "policy_types": ["deviceConfigurations", "settingsCatalog"],
    "include_foundations": true, "retention_keep_last": 7,
    "next_run_at": "2026-11-27T01:30:00Z", "last_run_at": null, "last_run_status": null,
    "version": 1, "created_at": "2026-11-26T09:00:00Z", "updated_at": "2026-11-26T09:00:00Z"
}))]
pub struct ScheduleResponse {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub enabled: bool,
    #[schema(value_type = CadenceDoc)]
    pub cadence: serde_json::Value,
    pub timezone: String,
    pub policy_types: Vec<String>,
    pub include_foundations: bool,
    pub retention_keep_last: i32,
    /// The next slot (UTC) the dispatcher will claim; null when disabled.
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    /// `success`, `partial` or `failed`.
    pub last_run_status: Option<String>,
    /// The aggregate version; also sent as the `ETag`.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the system disabled the schedule (`enabled` is false); null when it is
    /// enabled or a user disabled it. Enabling it again clears it.
    pub disabled_reason: Option<DisabledReason>,
    /// Only in answers to `?as_of=`: which version and time this replay shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub as_of: Option<AsOf>,
}

/// Why the system disabled a schedule. `consecutive_failures`: its last five runs failed
/// in a row (nothing was backed up), so it stopped claiming slots; fix the tenant and
/// enable the schedule again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "consecutive_failures")]
pub enum DisabledReason {
    ConsecutiveFailures,
}

impl DisabledReason {
    fn parse(stored: Option<&str>) -> Option<Self> {
        match stored {
            Some("consecutive_failures") => Some(Self::ConsecutiveFailures),
            _ => None,
        }
    }
}

/// The columns `from_row` reads: the read model's row.
pub const SCHEDULE_COLUMNS: &str = SCHEDULE_ROW_COLUMNS;

impl ScheduleResponse {
    pub fn from_row(row: &Row) -> Self {
        ScheduleRow::from_sql(row).into()
    }

    /// The response of a replay (`?as_of=`), saying what it shows.
    pub fn replayed(replayed: Replayed<ScheduleRow>) -> Self {
        Self {
            as_of: Some(replayed.as_of),
            ..replayed.row.into()
        }
    }
}

/// The one mapping from the read model to the API, for live reads and replays alike.
impl From<ScheduleRow> for ScheduleResponse {
    fn from(row: ScheduleRow) -> Self {
        Self {
            id: row.id,
            tenant_id: row.tenant_id,
            name: row.name,
            enabled: row.enabled,
            cadence: row.cadence,
            timezone: row.timezone,
            policy_types: row.policy_types,
            include_foundations: row.include_foundations,
            retention_keep_last: row.retention_keep_last,
            next_run_at: row.next_run_at,
            last_run_at: row.last_run_at,
            last_run_status: row.last_run_status,
            version: u64::try_from(row.version).unwrap_or_default(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            disabled_reason: DisabledReason::parse(row.disabled_reason.as_deref()),
            as_of: None,
        }
    }
}

/// Collects every field error of a request before answering, so a client fixes all at once.
#[derive(Default)]
struct Checks(Vec<FieldError>);

impl Checks {
    fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        code: ErrorCode,
        result: Result<T, E>,
    ) -> Option<T> {
        result
            .map_err(|error| self.0.push(FieldError::new(field, code, error)))
            .ok()
    }

    fn name(&mut self, text: &str) -> Option<ScheduleName> {
        self.check("name", ErrorCode::InvalidName, ScheduleName::parse(text))
    }

    fn cadence(&mut self, cadence: Cadence) -> Option<Cadence> {
        let result = cadence.validated();
        let field = match &result {
            Err(CadenceError::NoDays | CadenceError::DuplicateDay(_)) => "cadence.days",
            Err(_) => "cadence.times",
            Ok(_) => "cadence",
        };
        self.check(field, ErrorCode::InvalidCadence, result)
    }

    fn timezone(&mut self, text: &str) -> Option<Timezone> {
        self.check(
            "timezone",
            ErrorCode::InvalidTimezone,
            text.parse::<Timezone>(),
        )
    }

    fn policy_types(&mut self, keys: Vec<String>) -> Option<PolicyTypeSelection> {
        let result = PolicyTypeSelection::parse(keys);
        let code = match &result {
            Err(InvalidPolicyTypes::Unknown(_)) => ErrorCode::UnknownPolicyType,
            _ => ErrorCode::InvalidPolicyTypes,
        };
        self.check("policy_types", code, result)
    }

    fn retention(&mut self, value: i64) -> Option<RetentionKeepLast> {
        self.check(
            "retention_keep_last",
            ErrorCode::InvalidRetention,
            RetentionKeepLast::new(value),
        )
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ApiError::Validation(self.0)),
        }
    }
}

pub fn validate_create(request: CreateScheduleRequest) -> Result<ScheduleSpec, ApiError> {
    let mut checks = Checks::default();
    let name = checks.name(&request.name);
    let cadence = checks.cadence(request.cadence);
    let timezone = checks.timezone(&request.timezone);
    let policy_types = checks.policy_types(request.policy_types);
    let retention = checks.retention(request.retention_keep_last.unwrap_or(DEFAULT_RETENTION));
    let spec = (|| {
        Some(ScheduleSpec {
            name: name?,
            enabled: request.enabled.unwrap_or(true),
            cadence: cadence?,
            timezone: timezone?,
            policy_types: policy_types?,
            include_foundations: request.include_foundations.unwrap_or(false),
            retention_keep_last: retention?,
        })
    })();
    checks.finish(spec)
}

pub fn validate_update(request: UpdateScheduleRequest) -> Result<ScheduleChanges, ApiError> {
    let mut checks = Checks::default();
    let changes = ScheduleChanges {
        name: request.name.as_deref().and_then(|name| checks.name(name)),
        enabled: request.enabled,
        cadence: request.cadence.and_then(|cadence| checks.cadence(cadence)),
        timezone: request
            .timezone
            .as_deref()
            .and_then(|zone| checks.timezone(zone)),
        policy_types: request
            .policy_types
            .and_then(|keys| checks.policy_types(keys)),
        include_foundations: request.include_foundations,
        retention_keep_last: request
            .retention_keep_last
            .and_then(|keep| checks.retention(keep)),
    };
    checks.finish(Some(changes))
}
