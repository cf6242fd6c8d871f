//! Single-valued navigations read with one `GET` at the type's path: the tenant-wide
//! `deviceManagement/settings` (a complex property, without an `id`), the Apple push
//! certificate and the managed Google Play binding. A 404 means "not configured in this
//! tenant": the type backs up nothing, and that is not a failure.

use serde_json::Value;

use super::redacted::redact;
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedObject, FetchedType, GraphError};

/// The fields Graph documents on a singleton that a backup must never keep: the APNs
/// `certificate` (api-reference/beta/resources/intune-devices-applepushnotificationcertificate.md).
/// Metadata only: renewing the certificate is the administrator's step in Apple's portal.
fn secret_fields(key: &str) -> &'static [&'static str] {
    match key {
        "apnsCertificate" => &["certificate"],
        _ => &[],
    }
}

pub(crate) async fn fetch(
    reader: &Reader<'_>,
    key: &str,
    path: &str,
) -> Result<FetchedType, GraphError> {
    let Some(mut content) = reader.detail(path).await? else {
        return Ok(FetchedType::default());
    };
    if let Value::Object(fields) = &mut content {
        // the context is about this response, not the object
        fields.remove("@odata.context");
    }
    redact(&mut content, secret_fields(key));
    // the settings have no id of their own: the path's last segment names them
    let graph_id = content
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map_or_else(|| key.to_owned(), str::to_owned);
    let display_name = content
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or(match key {
            "tenantSettings" => "Tenant-wide device management settings",
            "apnsCertificate" => "Apple push notification certificate",
            _ => "Managed Google Play",
        })
        .to_owned();
    Ok(FetchedType {
        objects: vec![FetchedObject {
            graph_id,
            display_name,
            content: content.into(),
            secrets: Vec::new(),
        }],
        listed: 1,
        ..FetchedType::default()
    })
}
