//! The one table of error codes. Every problem document's `code`, `status` and `title`, and
//! every field error's `code`, come from here; the OpenAPI document lists the table (the
//! `code` enum of `Problem` and `x-error-codes`).

use serde::{Serialize, Serializer};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorEntry {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    /// When it is answered, for the API documentation.
    pub meaning: &'static str,
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal, $status:literal, $title:literal, $meaning:literal;)*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub const fn entry(self) -> ErrorEntry {
                match self {
                    $(ErrorCode::$variant => ErrorEntry {
                        code: $code,
                        status: $status,
                        title: $title,
                        meaning: $meaning,
                    },)*
                }
            }
        }
    };
}

error_codes! {
    // 400: the request itself is malformed
    MalformedJson => "malformed_json", 400, "The body is not valid JSON",
        "The body is not well-formed JSON.";
    InvalidQuery => "invalid_query", 400, "Invalid query parameter",
        "A query parameter is unknown, of the wrong type or out of range; `errors` names it.";
    InvalidCursor => "invalid_cursor", 400, "Invalid cursor",
        "`cursor` is not a `next_cursor` value of a previous page.";
    InvalidId => "invalid_id", 400, "Invalid id",
        "A path id is not a UUID.";
    InvalidIfMatch => "invalid_if_match", 400, "Invalid If-Match",
        "`If-Match` is neither `*` nor an ETag such as `\"3\"`.";
    InvalidIdempotencyKey => "invalid_idempotency_key", 400, "Invalid Idempotency-Key",
        "`Idempotency-Key` is not 1 to 255 visible ASCII characters.";
    // 401, 403, 404, 405
    Unauthenticated => "unauthenticated", 401, "Unauthenticated",
        "No, a malformed, an unknown or a revoked bearer token.";
    Forbidden => "forbidden", 403, "Forbidden",
        "The token's role may not do this.";
    NotFound => "not_found", 404, "Not found",
        "No such resource, or one of a tenant the token cannot see.";
    UnknownTenant => "unknown_tenant", 404, "Unknown tenant",
        "The body names a tenant that does not exist (`errors` names each).";
    RouteNotFound => "route_not_found", 404, "No such route",
        "No operation has this path.";
    AsOfBeforeCreation => "as_of_before_creation", 404, "Not created yet at as_of",
        "`as_of` is before the resource was created.";
    AsOfVersionNotReached => "as_of_version_not_reached", 404, "Version not reached",
        "`as_of` names a version the resource has not reached.";
    AsOfDeleted => "as_of_deleted", 404, "Deleted at as_of",
        "The resource was deleted at or before `as_of` (earlier points replay).";
    MethodNotAllowed => "method_not_allowed", 405, "Method not allowed",
        "The path exists but not with this method; `Allow` lists the methods it has.";
    // 409: the request conflicts with the current state
    TenantAlreadyExists => "tenant_already_exists", 409, "Tenant already exists",
        "A tenant with this id is already registered.";
    AzureTenantAlreadyRegistered => "azure_tenant_already_registered", 409,
        "Azure tenant already registered",
        "Another tenant already manages this Azure tenant id.";
    TenantHasSchedules => "tenant_has_schedules", 409, "Tenant has schedules",
        "A tenant is deleted only once its schedules are.";
    ScheduleAlreadyExists => "schedule_already_exists", 409, "Schedule already exists",
        "A schedule with this id already exists.";
    ScheduleNameTaken => "schedule_name_taken", 409, "Schedule name taken",
        "Another schedule of the tenant has this name (case-insensitive).";
    ScheduleDisabled => "schedule_disabled", 409, "Schedule disabled",
        "The schedule is disabled.";
    SlotAlreadyClaimed => "slot_already_claimed", 409, "Slot already claimed",
        "The slot already has a run.";
    SlotNotDue => "slot_not_due", 409, "Slot not due",
        "The slot is not the schedule's next one.";
    RunAlreadyActive => "run_already_active", 409, "Run already active",
        "A run of the schedule is queued or running.";
    RunNotRetryable => "run_not_retryable", 409, "Run not retryable",
        "Only failed or partial runs can be retried.";
    RunStateConflict => "run_state_conflict", 409, "Run state conflict",
        "The run is not in a state that allows this.";
    TokenAlreadyExists => "token_already_exists", 409, "Token already exists",
        "A token with this id already exists.";
    AlreadyTaken => "already_taken", 409, "Already taken",
        "A unique value is already taken.";
    ConcurrentModification => "concurrent_modification", 409, "Concurrent modification",
        "The resource was changed concurrently; retry the request.";
    IdempotencyKeyInProgress => "idempotency_key_in_progress", 409,
        "Idempotency key in progress",
        "A request with this `Idempotency-Key` is still being handled; retry shortly.";
    IdempotencyKeyReused => "idempotency_key_reused", 409, "Idempotency key reused",
        "This `Idempotency-Key` was used for a different request.";
    IdempotentResponseUnavailable => "idempotent_response_unavailable", 409,
        "Idempotent response unavailable",
        "This `Idempotency-Key` was used, but its sealed answer cannot be opened since the secret key changed; use a new key.";
    BackupSetNotDeleted => "backup_set_not_deleted", 409, "Backup set not deleted",
        "Only a soft-deleted backup set can be purged.";
    NoPreviousBackupSet => "no_previous_backup_set", 409, "No previous backup set",
        "`against=previous`, but the schedule has no live backup set before this one.";
    // 410: gone
    BackupSetPurged => "backup_set_purged", 410, "Backup set purged",
        "The backup set was purged after its soft delete: it and its contents are gone for good.";
    BackupSetDeleted => "backup_set_deleted", 410, "Backup set deleted",
        "The backup set is soft-deleted (admins see it, but it cannot be exported).";
    // 412, 413, 415
    VersionMismatch => "version_mismatch", 412, "Precondition failed",
        "`If-Match` names a version that is no longer current; `ETag` has the current one.";
    PayloadTooLarge => "payload_too_large", 413, "The body is too large",
        "The body is larger than 64 KiB.";
    UnsupportedMediaType => "unsupported_media_type", 415, "Unsupported media type",
        "The body is not `application/json`.";
    // 422: well-formed, but not a valid request
    ValidationFailed => "validation_failed", 422, "The request is not valid",
        "Several fields are invalid; `errors` has one entry per field.";
    InvalidType => "invalid_type", 422, "Invalid type",
        "A field (or the body) has the wrong JSON type.";
    InvalidValue => "invalid_value", 422, "Invalid value",
        "A field has a value outside its allowed set.";
    UnknownField => "unknown_field", 422, "Unknown field",
        "The body has a field the operation does not take.";
    MissingField => "missing_field", 422, "Missing field",
        "A required field is missing.";
    InvalidName => "invalid_name", 422, "Invalid name",
        "A name is blank, too long or contains control characters.";
    InvalidDisplayName => "invalid_display_name", 422, "Invalid display name",
        "A display name is blank, too long or contains control characters.";
    InvalidGuid => "invalid_guid", 422, "Invalid GUID",
        "A field that must be a GUID is not one.";
    InvalidClientSecret => "invalid_client_secret", 422, "Invalid client secret",
        "The client secret is blank or longer than 1024 characters.";
    InvalidCadence => "invalid_cadence", 422, "Invalid cadence",
        "A cadence lists no or duplicate times or days, or a time that is not HH:MM.";
    InvalidTimezone => "invalid_timezone", 422, "Invalid timezone",
        "Not an IANA timezone name.";
    UnknownPolicyType => "unknown_policy_type", 422, "Unknown policy type",
        "A policy type key is not in `GET /api/v1/policy-types`.";
    InvalidPolicyTypes => "invalid_policy_types", 422, "Invalid policy types",
        "The policy types are empty or list one twice.";
    InvalidRetention => "invalid_retention", 422, "Invalid retention",
        "`retention_keep_last` is not between 1 and 365.";
    InvalidRole => "invalid_role", 422, "Invalid role",
        "Not one of admin, operator, auditor, viewer.";
    InvalidGrant => "invalid_grant", 422, "Invalid grant",
        "`tenant_ids` does not fit the role (admins: none; operators: at least one; no duplicates).";
    // webhooks
    InvalidMessageId => "invalid_message_id", 400, "Invalid message id",
        "A path message id is not a `webhook-id` (`msg_` and 32 lowercase hex digits).";
    WebhookAlreadyExists => "webhook_already_exists", 409, "Webhook already exists",
        "A webhook with this id already exists.";
    WebhookDisabled => "webhook_disabled", 409, "Webhook disabled",
        "The webhook is disabled; enable it before redelivering.";
    InvalidWebhookUrl => "invalid_webhook_url", 422, "Invalid webhook URL",
        "The URL is not an absolute `http` or `https` URL, carries credentials or a fragment, or is longer than 2000 characters.";
    WebhookUrlNotAllowed => "webhook_url_not_allowed", 422, "Webhook URL not allowed",
        "The URL's host is, or resolves to, a loopback, private, link-local or other non-public address (allowed only with `TENANTPILOT_WEBHOOK_ALLOW_PRIVATE=1`).";
    WebhookUrlUnresolvable => "webhook_url_unresolvable", 422, "Webhook URL unresolvable",
        "The URL's host name does not resolve to any address.";
    UnknownEventType => "unknown_event_type", 422, "Unknown event type",
        "An event type is not one of the public webhook event types (or `*`).";
    InvalidEventTypes => "invalid_event_types", 422, "Invalid event types",
        "`event_types` is empty or lists one twice.";
    InvalidTenantIds => "invalid_tenant_ids", 422, "Invalid tenant ids",
        "`tenant_ids` is empty or lists a tenant twice (leave it out, or null, for every tenant).";
    InvalidDescription => "invalid_description", 422, "Invalid description",
        "A description is longer than 500 characters or contains control characters.";
    // restores
    UnknownBackupItem => "unknown_backup_item", 422, "Unknown backup item",
        "The selection names an item id or a policy type that is not in the source backup set.";
    InvalidGroupMapping => "invalid_group_mapping", 422, "Invalid group mapping",
        "A group mapping names a source or target group that is not a GUID, maps one source group twice, is given for a restore into the set's own tenant, or maps to a group the target tenant does not have.";
    TenantInactive => "tenant_inactive", 409, "Tenant inactive",
        "The tenant written into is deactivated; reactivate it first.";
    RestorePermissionMissing => "restore_permission_missing", 409, "Write permission missing",
        "The target tenant's app registration lacks the Graph application permissions a restore of the selected types needs; `detail` names them. Grant them (admin consent) and plan again.";
    RestoreNotPlanned => "restore_not_planned", 409, "Restore not planned",
        "Only a planned restore can be approved or applied: this one was applied already (or finished).";
    RestoreNeedsApproval => "restore_needs_approval", 409, "Restore needs approval",
        "`TENANTPILOT_RESTORE_APPROVALS` asks for more admins than have approved; another admin must approve first (the applier's own approval does not count twice).";
    RestoreAlreadyApproved => "restore_already_approved", 409, "Restore already approved",
        "This admin already approved the restore.";
    RestorePlanStale => "restore_plan_stale", 409, "Restore plan stale",
        "The target's live objects changed since the plan was made (the apply reads them again first); nothing was written. Plan again.";
    RestoreStateConflict => "restore_state_conflict", 409, "Restore state conflict",
        "The restore is not in a state that allows this.";
    TargetUnreadable => "target_unreadable", 502, "Target tenant unreadable",
        "Microsoft Graph did not let the service read the target tenant (`detail` has Graph's code and message); nothing was planned or written.";
    // 5xx: nothing about the cause
    Internal => "internal", 500, "Internal server error",
        "Something failed on the server; the logs say what.";
    ServiceUnavailable => "service_unavailable", 503, "Service unavailable",
        "The database is unavailable; retry after `Retry-After` seconds.";
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        self.entry().code
    }

    pub const fn status(self) -> u16 {
        self.entry().status
    }

    pub const fn title(self) -> &'static str {
        self.entry().title
    }

    /// The `type` URI of problem documents with this code.
    pub fn type_uri(self) -> String {
        format!("https://tenantpilot.dev/problems/{}", self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The table as Markdown, for the `Problem` schema's description.
pub fn markdown_table() -> String {
    let mut table = String::from("| code | status | meaning |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        let entry = code.entry();
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            entry.code,
            entry.status,
            entry.meaning.replace('|', "\\|")
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_have_an_error_status() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::ALL {
            let entry = code.entry();
            assert!(seen.insert(entry.code), "{} is listed twice", entry.code);
            assert!(
                entry
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{} is not snake_case",
                entry.code
            );
            let status = StatusCode::from_u16(entry.status).unwrap();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{}",
                entry.code
            );
            assert!(!entry.title.is_empty() && !entry.meaning.is_empty());
        }
    }

    #[test]
    fn every_variant_is_in_the_table_once() {
        // `ALL` is generated with the enum, so this guards the macro rather than the data.
        assert_eq!(ErrorCode::ALL.len(), seen_variants());
        fn seen_variants() -> usize {
            ErrorCode::ALL
                .iter()
                .map(|code| *code as usize)
                .collect::<BTreeSet<_>>()
                .len()
        }
    }

    #[test]
    fn codes_serialize_as_their_string() {
        assert_eq!(
            serde_json::to_value(ErrorCode::InvalidTimezone).unwrap(),
            serde_json::json!("invalid_timezone")
        );
    }
}
