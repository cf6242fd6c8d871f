//! `GET /beta/deviceManagement/deviceConfigurations/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='{ref}')`:
//! the plain value of an encrypted OMA setting, as an OData string (`{"value": "..."}`;
//! Graph docs `api-reference/beta/api/intune-deviceconfig-deviceconfiguration-getomasettingplaintextvalue.md`,
//! which requires `DeviceManagementConfiguration.ReadWrite.All`: "This API involves
//! potential secret values"; `graph.rs` enforces it). Graph documents no error cases; the
//! simulator answers as Graph does for functions and keys: 400 `BadRequest` when the
//! parameter is missing or not a quoted string, 404 `ResourceNotFound` for an unknown
//! profile or a reference that is not one of its encrypted settings.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::resources::Request;
use crate::graph_sim::catalog::Located;
use crate::graph_sim::content;
use crate::graph_sim::state::Snapshot;

pub const FUNCTION: &str = "getOmaSettingPlainTextValue";

/// The `secretReferenceValueId` of `getOmaSettingPlainTextValue(secretReferenceValueId='x')`
/// (percent-decoded, OData quotes undoubled), `None` when the segment has no such
/// parameter.
pub fn parameter(segment: &str) -> Option<String> {
    let inner = segment
        .strip_prefix(FUNCTION)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (name, value) = inner.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("secretReferenceValueId") {
        return None;
    }
    let decoded = percent_decode(value.trim());
    let quoted = decoded.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(quoted.replace("''", "'"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn serve(
    request: &Request<'_>,
    snapshot: &Snapshot,
    located: &Located,
    id: &str,
    reference: Option<&str>,
) -> HttpResponse {
    let Some(reference) = reference.filter(|reference| !reference.is_empty()) else {
        return request.ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The parameter 'secretReferenceValueId' of function 'getOmaSettingPlainTextValue' \
             is missing or is not a string literal.",
        );
    };
    let Some(item) = request.find(snapshot, located, id) else {
        return request.not_found();
    };
    let position = item
        .detail
        .get("omaSettings")
        .and_then(Value::as_array)
        .and_then(|settings| {
            settings.iter().position(|setting| {
                setting.get("isEncrypted").and_then(Value::as_bool) == Some(true)
                    && setting
                        .get("secretReferenceValueId")
                        .and_then(Value::as_str)
                        == Some(reference)
            })
        });
    let Some(position) = position else {
        return request.not_found();
    };
    // a value written through Graph, else the generated profile's
    let written = request
        .tenant
        .stored(located.collection.key, item.index)
        .and_then(|stored| stored.secrets.get(reference).cloned());
    let value = written
        .unwrap_or_else(|| content::oma_plain_text(&request.tenant.ctx, item.index, position));
    request.ok(&json!({
        "@odata.context": request.context("Edm.String"),
        "value": value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_read_from_the_function_call() {
        assert_eq!(
            parameter("getOmaSettingPlainTextValue(secretReferenceValueId='a_1')").as_deref(),
            Some("a_1")
        );
        assert_eq!(
            parameter("getOmaSettingPlainTextValue(secretReferenceValueId=%27it''s%27)").as_deref(),
            Some("it's")
        );
        assert_eq!(parameter("getOmaSettingPlainTextValue"), None);
        assert_eq!(parameter("getOmaSettingPlainTextValue(other='x')"), None);
        assert_eq!(
            parameter("getOmaSettingPlainTextValue(secretReferenceValueId=12)"),
            None
        );
    }
}
