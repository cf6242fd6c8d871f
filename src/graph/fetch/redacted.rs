//! Types whose objects carry a secret Graph documents on them: the backup keeps the
//! metadata and drops the secret (never stored, in clear or sealed), naming what it dropped
//! in `@tenantpilot.redacted` so a restore knows the value has to be supplied again.

use serde_json::{json, Value};

use super::object::{each, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

/// The secret fields of a listed type: a VPP token's `token`
/// (api-reference/beta/resources/intune-onboarding-vpptoken.md) and an Autopilot device's
/// `deviceAccountPassword` (intune-enrollment-windowsautopilotdeviceidentity.md).
fn secret_fields(key: &str) -> &'static [&'static str] {
    match key {
        "vppTokens" => &["token"],
        "autopilotDevices" => &["deviceAccountPassword"],
        _ => &[],
    }
}

/// Lists the type and keeps each object without its secret fields.
pub(crate) async fn fetch(
    reader: &Reader<'_>,
    key: &str,
    path: &str,
) -> Result<FetchedType, GraphError> {
    let fields = secret_fields(key);
    let entries = reader.list(path).await?;
    each(reader, entries, |mut entry| async move {
        redact(&mut entry, fields);
        Ok(Outcome::read(entry))
    })
    .await
}

/// Removes `fields` that hold a value and records their names.
pub(crate) fn redact(object: &mut Value, fields: &[&str]) {
    let Value::Object(map) = object else {
        return;
    };
    let removed: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|field| {
            map.remove(*field)
                .is_some_and(|value| !value.is_null() && value != json!(""))
        })
        .collect();
    if !removed.is_empty() {
        map.insert("@tenantpilot.redacted".into(), json!(removed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_dropped_and_named_and_an_empty_one_just_dropped() {
        let mut token = json!({"id": "v1", "token": "abc", "appleId": "a@b"});
        redact(&mut token, &["token"]);
        assert_eq!(
            token,
            json!({"id": "v1", "appleId": "a@b", "@tenantpilot.redacted": ["token"]})
        );
        let mut device = json!({"id": "d1", "deviceAccountPassword": ""});
        redact(&mut device, &["deviceAccountPassword"]);
        assert_eq!(device, json!({"id": "d1"}));
    }
}
