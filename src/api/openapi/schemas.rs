//! Schemas whose values come from tables in the code, so the document cannot drift from
//! them: the error codes, the IANA timezone names chrono-tz knows, and the policy-type keys.
//! Also the token request, described as one variant per role.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use crate::api::error_codes::{markdown_table, ErrorCode};
use crate::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};

impl PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|code| code.as_str())))
            .description(Some(format!(
                "Stable, machine-readable error code: branch on this, not on the text. The \
                 same code always comes with the same status and title.\n\n{}",
                markdown_table()
            )))
            .examples(["invalid_timezone"])
            .into()
    }
}

impl ToSchema for ErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}

/// An IANA timezone name: exactly those of the tz database this build embeds.
pub struct TimezoneName;

impl PartialSchema for TimezoneName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name())))
            .description(Some(
                "An IANA timezone name, e.g. `Europe/Berlin` (exact spelling; links such as \
                 `US/Eastern` included).",
            ))
            .examples(["Europe/Berlin"])
            .into()
    }
}

impl ToSchema for TimezoneName {}

/// A selectable policy type: a key of `GET /api/v1/policy-types` (`items`).
pub struct PolicyTypeKey;

impl PartialSchema for PolicyTypeKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(POLICY_TYPES.iter().map(|policy_type| policy_type.key)))
            .description(Some(
                "A policy type key, as listed in `items` of `GET /api/v1/policy-types`.",
            ))
            .examples(["settingsCatalog"])
            .into()
    }
}

impl ToSchema for PolicyTypeKey {}

/// A key of the synced inventory: a policy type or a foundation.
pub struct InventoryTypeKey;

impl PartialSchema for InventoryTypeKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                POLICY_TYPES
                    .iter()
                    .chain(FOUNDATION_TYPES)
                    .map(|policy_type| policy_type.key),
            ))
            .description(Some(
                "A policy type or foundation key, as listed in `GET /api/v1/policy-types`.",
            ))
            .examples(["settingsCatalog"])
            .into()
    }
}

impl ToSchema for InventoryTypeKey {}

// Documentation only: requests are parsed into `tokens::CreateTokenRequest` and the grant
// rules (`domain::token::Grant`) decide; these say the same per role.
/// A token request; `role` decides what `tenant_ids` may be.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(
    as = CreateTokenRequest,
    discriminator(property_name = "role", mapping(
        ("admin" = "#/components/schemas/AdminTokenRequest"),
        ("operator" = "#/components/schemas/OperatorTokenRequest"),
        ("auditor" = "#/components/schemas/ReaderTokenRequest"),
        ("viewer" = "#/components/schemas/ReaderTokenRequest"),
    )),
    example = json!({"name": "ci", "role": "operator", "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"]})
)]
#[allow(dead_code)]
pub enum TokenRequestDoc {
    Admin(AdminTokenRequestDoc),
    Operator(OperatorTokenRequestDoc),
    Reader(ReaderTokenRequestDoc),
}

/// An admin token: it sees every tenant, so `tenant_ids` is left out (or null).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AdminTokenRequest, example = json!({"name": "ops", "role": "admin"}))]
#[allow(dead_code)]
pub struct AdminTokenRequestDoc {
    /// 1 to 100 characters once leading and trailing white space is trimmed, no control
    /// characters.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,98}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
        min_length = 1
    )]
    name: String,
    #[schema(inline)]
    role: AdminRole,
    /// Only null, if given.
    #[schema(schema_with = null_only)]
    tenant_ids: Option<()>,
}

/// An operator token: it works on the tenants it names (at least one).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OperatorTokenRequest, example = json!({"name": "ci", "role": "operator", "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"]}))]
#[allow(dead_code)]
pub struct OperatorTokenRequestDoc {
    /// 1 to 100 characters once leading and trailing white space is trimmed, no control
    /// characters.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,98}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
        min_length = 1
    )]
    name: String,
    #[schema(inline)]
    role: OperatorRole,
    /// The tenants (existing ones; an unknown id answers 404 `unknown_tenant`), no duplicates.
    #[schema(min_items = 1)]
    tenant_ids: BTreeSet<Uuid>,
}

/// An auditor or viewer token: the tenants it names, or every tenant when `tenant_ids` is
/// left out (or null).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReaderTokenRequest, example = json!({"name": "dashboards", "role": "viewer"}))]
#[allow(dead_code)]
pub struct ReaderTokenRequestDoc {
    /// 1 to 100 characters once leading and trailing white space is trimmed, no control
    /// characters.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\u0000-\u001F\u007F-\u009F]{0,98}[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
        min_length = 1
    )]
    name: String,
    #[schema(inline)]
    role: ReaderRole,
    /// The tenants (existing ones; an unknown id answers 404 `unknown_tenant`), no duplicates.
    #[schema(min_items = 1)]
    tenant_ids: Option<BTreeSet<Uuid>>,
}

fn null_only() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Null)
}

#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum AdminRole {
    Admin,
}

#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum OperatorRole {
    Operator,
}

#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum ReaderRole {
    Auditor,
    Viewer,
}
