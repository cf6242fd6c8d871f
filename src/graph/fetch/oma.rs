//! Encrypted custom OMA-URI values. A `windows10CustomConfiguration` lists its
//! `omaSettings`; one with `isEncrypted: true` carries a `secretReferenceValueId` and Graph
//! serves its `value` masked. The plain value is read with
//! `GET /deviceManagement/deviceConfigurations/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='{ref}')`,
//! which answers an OData string, `{"value": "..."}` (Graph docs
//! `api-reference/beta/api/intune-deviceconfig-deviceconfiguration-getomasettingplaintextvalue.md`;
//! `omaSetting` properties `isEncrypted`, `secretReferenceValueId`:
//! `api-reference/beta/resources/intune-deviceconfig-omasetting.md`). Graph requires
//! `DeviceManagementConfiguration.ReadWrite.All` for it ("This API involves potential
//! secret values").
//!
//! The content keeps Graph's masked value (so an unchanged policy hashes the same on every
//! run); the plain values travel beside it as `FetchedObject::secrets` and are stored
//! sealed by the backup. A value that cannot be read is recorded as not captured and makes
//! its object incomplete (named in the report, the run `partial`): it never fails the type.

use futures_util::{stream, StreamExt};
use serde_json::Value;

use super::object::object_id;
use crate::config::SecretString;
use crate::graph::http::Reply;
use crate::graph::paging::Reader;
use crate::graph::types::{CapturedSecret, FetchedObject, FetchedType, IncompleteObject};

/// One encrypted setting found in an object's content.
#[derive(Debug, PartialEq)]
struct EncryptedSetting {
    /// RFC 6901 pointer of the masked value.
    path: String,
    oma_uri: String,
    reference: Option<String>,
}

fn encrypted_settings(content: &Value) -> Vec<EncryptedSetting> {
    let Some(settings) = content.get("omaSettings").and_then(Value::as_array) else {
        return Vec::new();
    };
    settings
        .iter()
        .enumerate()
        .filter(|(_, setting)| setting.get("isEncrypted").and_then(Value::as_bool) == Some(true))
        .map(|(index, setting)| EncryptedSetting {
            path: format!("/omaSettings/{index}/value"),
            oma_uri: setting
                .get("omaUri")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            reference: setting
                .get("secretReferenceValueId")
                .and_then(Value::as_str)
                .filter(|reference| !reference.is_empty())
                .map(str::to_owned),
        })
        .collect()
}

/// Reads the plain value of every encrypted OMA setting of the type's objects.
pub(crate) async fn capture(
    reader: &Reader<'_>,
    path: &str,
    mut fetched: FetchedType,
) -> FetchedType {
    let objects = &fetched.objects;
    let results: Vec<(Vec<CapturedSecret>, Vec<String>)> = stream::iter(0..objects.len())
        .map(|index| capture_object(reader, path, &objects[index]))
        .buffered(reader.concurrency())
        .collect()
        .await;
    for (object, (secrets, missing)) in fetched.objects.iter_mut().zip(results) {
        object.secrets = secrets;
        // a value a restore needs and does not have: the object is kept, incomplete
        if !missing.is_empty() {
            fetched.incomplete.push(IncompleteObject {
                graph_id: object.graph_id.clone(),
                display_name: object.display_name.clone(),
                reason: missing.join("; "),
            });
        }
    }
    fetched
}

async fn capture_object(
    reader: &Reader<'_>,
    path: &str,
    object: &FetchedObject,
) -> (Vec<CapturedSecret>, Vec<String>) {
    let mut secrets = Vec::new();
    let mut missing = Vec::new();
    let content = object.content.to_value();
    for setting in encrypted_settings(&content) {
        let value = match read_plain_text(reader, path, &content, &setting).await {
            Ok(value) => Some(value),
            Err(reason) => {
                missing.push(format!(
                    "the encrypted value of OMA-URI setting `{}` ({}) was not captured: \
                     {reason}",
                    setting.oma_uri, setting.path
                ));
                None
            }
        };
        secrets.push(CapturedSecret {
            path: setting.path,
            value,
        });
    }
    (secrets, missing)
}

/// The plain value, or why it could not be read (never containing the value).
async fn read_plain_text(
    reader: &Reader<'_>,
    path: &str,
    content: &Value,
    setting: &EncryptedSetting,
) -> Result<SecretString, String> {
    let reference = setting
        .reference
        .as_deref()
        .ok_or("Graph gave no secretReferenceValueId")?;
    let id = object_id(content).map_err(|error| error.message)?;
    let url = format!(
        "{}/beta{path}/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='{}')",
        reader.inner.settings.graph_base(),
        odata_string(reference)
    );
    match reader.inner.get(reader.credentials, &url).await {
        Ok(Reply::Found(body)) => match body.get("value") {
            Some(Value::String(value)) => Ok(SecretString::new(value.clone())),
            _ => Err("Graph's answer has no string `value`".to_owned()),
        },
        Ok(Reply::Gone(error)) | Err(error) => Err(match error.support_details() {
            Some(details) => format!("{}: {} ({details})", error.code, error.message),
            None => format!("{}: {}", error.code, error.message),
        }),
    }
}

/// An OData string literal's content, percent-encoded for the path: quotes doubled
/// (OData's escape), and every byte but unreserved characters encoded.
fn odata_string(text: &str) -> String {
    let doubled = text.replace('\'', "''");
    let mut encoded = String::with_capacity(doubled.len());
    for byte in doubled.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'\'') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_encrypted_settings_are_read_and_each_is_named_by_its_pointer() {
        let content = json!({"omaSettings": [
            {"omaUri": "./a", "isEncrypted": false, "value": 1},
            {"omaUri": "./b", "isEncrypted": true, "secretReferenceValueId": "r-1", "value": "****"},
            {"omaUri": "./c", "isEncrypted": true, "secretReferenceValueId": null},
        ]});
        assert_eq!(
            encrypted_settings(&content),
            [
                EncryptedSetting {
                    path: "/omaSettings/1/value".into(),
                    oma_uri: "./b".into(),
                    reference: Some("r-1".into()),
                },
                EncryptedSetting {
                    path: "/omaSettings/2/value".into(),
                    oma_uri: "./c".into(),
                    reference: None,
                },
            ]
        );
        assert!(encrypted_settings(&json!({"id": "x"})).is_empty());
    }

    #[test]
    fn references_are_escaped_as_odata_strings_in_a_path() {
        assert_eq!(odata_string("abc_12-3"), "abc_12-3");
        assert_eq!(odata_string("it's/x?"), "it''s%2Fx%3F");
    }
}
