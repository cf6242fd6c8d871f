//! Secrets in a write: encrypted OMA-URI values are written back as plain values with
//! `isEncrypted: false` and `secretReferenceValueId: null` (GRAPH.md: all three tools;
//! Graph encrypts nothing on write). What is recorded of a request holds `[sealed]` where
//! a secret went; the value itself is put in only in the copy that is sent.

use serde_json::Value;

use super::body::invalid;
use super::RestoredSecret;
use crate::graph::types::GraphError;

pub const SEALED: &str = "[sealed]";

/// Marks every secret's place in `body` with `[sealed]` (and its OMA-URI setting as not
/// encrypted); fails when a secret's place is not in the body, or an encrypted OMA-URI
/// setting has no secret: its masked value would be written as the value.
pub(crate) fn seal(body: &mut Value, secrets: &[RestoredSecret]) -> Result<(), GraphError> {
    for secret in secrets {
        if !place(body, &secret.path, SEALED) {
            return Err(invalid(format!(
                "no `{}` in the content for its secret",
                secret.path
            )));
        }
    }
    let settings = body.get("omaSettings").and_then(Value::as_array);
    for (index, setting) in settings.into_iter().flatten().enumerate() {
        if setting.get("isEncrypted").and_then(Value::as_bool) == Some(true) {
            return Err(invalid(format!(
                "the encrypted value of /omaSettings/{index}/value was not given: \
                 the setting cannot be written without it"
            )));
        }
    }
    Ok(())
}

/// `content` with each secret in its place, as a write leaves it (plain value,
/// `isEncrypted: false`, no reference): what a restored object is compared against.
/// Secrets whose place is not in the content are left out. Kept in memory only.
pub fn apply_secrets(content: &Value, secrets: &[RestoredSecret]) -> Value {
    let mut applied = content.clone();
    for secret in secrets {
        place(&mut applied, &secret.path, secret.value.expose());
    }
    applied
}

/// Puts `value` at `pointer` and marks the OMA-URI setting holding it as not encrypted;
/// false when the pointer is not in `body`.
fn place(body: &mut Value, pointer: &str, value: &str) -> bool {
    let Some(slot) = body.pointer_mut(pointer) else {
        return false;
    };
    *slot = Value::String(value.to_owned());
    let setting = parent(pointer).and_then(|parent| body.pointer_mut(parent));
    if let Some(fields) = setting
        .and_then(Value::as_object_mut)
        .filter(|fields| fields.contains_key("isEncrypted"))
    {
        fields.insert("isEncrypted".to_owned(), Value::Bool(false));
        fields.insert("secretReferenceValueId".to_owned(), Value::Null);
    }
    true
}

/// The body to send: the sealed body with each secret's value in its place.
pub(crate) fn unseal(sealed: &Value, secrets: &[RestoredSecret]) -> Value {
    let mut body = sealed.clone();
    for secret in secrets {
        if let Some(slot) = body.pointer_mut(&secret.path) {
            *slot = Value::String(secret.value.expose().to_owned());
        }
    }
    body
}

fn parent(pointer: &str) -> Option<&str> {
    pointer.rfind('/').map(|at| &pointer[..at])
}
