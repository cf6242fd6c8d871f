//! The Graph client's write side, for restores (README "Writes"; GRAPH.md "Writing
//! back"): which types and objects can be written back, with which permission, and the
//! requests that create, update and assign one object. Writes are paced on their own
//! bucket and retried only where a retry cannot write twice (`send.rs`).

mod assignments;
mod body;
mod compare;
mod operations;
mod roles;
mod rules;
mod secrets;
mod send;
mod templates;

use serde_json::Value;

pub(crate) use self::send::WritePacers;
use crate::config::SecretString;

pub use self::compare::comparable;
pub use self::secrets::{apply_secrets, SEALED};

/// Whether a type is written back by a restore, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteSupport {
    Writable,
    NotRestorable(&'static str),
}

pub fn write_support(type_key: &str) -> WriteSupport {
    match rules::not_restorable(type_key) {
        None => WriteSupport::Writable,
        Some(reason) => WriteSupport::NotRestorable(reason),
    }
}

/// Why one object cannot be written back although its type can (or the type's reason
/// when the type cannot); `None` when it can. Default enrollment configurations can be
/// updated, never created: see [`update_only`].
pub fn object_not_restorable(type_key: &str, content: &Value) -> Option<String> {
    if let WriteSupport::NotRestorable(reason) = write_support(type_key) {
        return Some(reason.to_owned());
    }
    let flag = |field: &str| content.get(field).and_then(Value::as_bool) == Some(true);
    match type_key {
        // "Default" (id 0) and the other built-in tags exist in every tenant
        "scopeTags" if flag("isBuiltIn") => {
            Some("a built-in scope tag: it exists in every tenant and cannot be created".into())
        }
        "remediations" if flag("isGlobalScript") => Some(
            "one of Microsoft's global remediation scripts: it exists in every tenant and cannot be created"
                .into(),
        ),
        "appProtection" => app_protection_kind(content),
        "roleDefinitions" if flag("isBuiltIn") => {
            Some("one of Microsoft's built-in roles: it exists in every tenant and cannot be changed".into())
        }
        "authenticationStrengths"
            if content.get("policyType").and_then(Value::as_str) == Some("builtIn") =>
        {
            Some("one of Microsoft's built-in authentication strengths: the same in every tenant".into())
        }
        _ => None,
    }
}

/// Why an app protection policy of its `@odata.type` is not written back: Windows
/// Information Protection (retired by Microsoft; its AppLocker files are collections of
/// their own), or a kind the client does not know.
fn app_protection_kind(content: &Value) -> Option<String> {
    let odata_type = content
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if odata_type.contains("WindowsInformationProtection") {
        return Some(
            "a Windows Information Protection policy (retired by Microsoft): not restored in this version"
                .into(),
        );
    }
    match crate::graph::fetch::app_protection::typed_collection(odata_type) {
        Some(_) => None,
        None => Some(format!(
            "an app protection policy of a kind the client does not know ({odata_type})"
        )),
    }
}

/// Whether the object can only be updated in place, never created: default enrollment
/// configurations (priority 0) and the default Company Portal branding exist in every
/// tenant.
pub fn update_only(type_key: &str, content: &Value) -> bool {
    match type_key {
        "enrollmentConfigurations" => content.get("priority").and_then(Value::as_u64) == Some(0),
        "brandingProfiles" => {
            content.get("isDefaultProfile").and_then(Value::as_bool) == Some(true)
        }
        _ => false,
    }
}

/// The application permission a restore of the type needs.
pub fn write_role(type_key: &str) -> &'static str {
    rules::write_role(type_key)
}

/// The top-level fields Graph computes or keeps read-only for the type: never sent, and
/// ignored when backed-up content is compared with live content. OData annotations
/// (`@odata.context`, `*@odata.navigationLink`, `@tenantpilot.*`) are ignored too:
/// [`is_annotation`].
pub fn server_computed(type_key: &str) -> &'static [&'static str] {
    rules::server_computed(type_key)
}

/// Whether a top-level field is an annotation (ignored like the server-computed fields).
pub fn is_annotation(field: &str) -> bool {
    rules::is_annotation(field)
}

/// One request a write sent, as recorded: its body with every secret replaced by
/// `[sealed]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
}

/// What a create or update did: the object written and the requests sent, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub target_id: String,
    pub sent: Vec<SentRequest>,
}

/// A secret to put back into the content before it is written: an RFC 6901 pointer into
/// the content (e.g. `/omaSettings/1/value`) and the plain value.
#[derive(Debug, Clone)]
pub struct RestoredSecret {
    pub path: String,
    pub value: SecretString,
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
