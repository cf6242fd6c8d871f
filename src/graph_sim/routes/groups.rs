//! `GET /beta/groups` and `/beta/groups/{id}`: the Entra groups the tenant's assignments
//! point at, so a restore into another tenant can map groups by display name (issue 17:
//! "match by display name through /groups, which needs Group.Read.All"). Names depend on
//! the group's position only, ids on the tenant: the same names, other ids, in every
//! tenant. `$filter=displayName eq '...'` is applied (the lookup a restore plan makes);
//! paging and `$select` as elsewhere.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::graph::Call;
use crate::graph_sim::errors::RequestIds;
use crate::graph_sim::paging::{self, Query};
use crate::graph_sim::state::Tenant;
use crate::graph_sim::tokens::Issued;

/// Roles that let an application read groups (beta group-list: least to most privileged).
const READ_ROLES: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// The names every simulated tenant's groups have by position (unless `group_names` renames
/// one): the same names, other ids, in every tenant.
pub const GROUP_NAMES: &[&str] = &[
    "Intune - All Windows devices",
    "Intune - Pilot users",
    "Intune - Kiosks",
    "Intune - Finance",
    "Intune - Sales",
    "Intune - Engineering",
    "Intune - Executives",
    "Intune - Frontline",
    "Intune - macOS devices",
    "Intune - iOS devices",
    "Intune - Android Enterprise",
    "Intune - Shared PCs",
    "Intune - Contractors",
    "Intune - Helpdesk",
    "Intune - Ring 1",
    "Intune - Ring 2",
];

/// Whether the path is the groups collection or one group.
pub fn is_groups(path: &str) -> bool {
    let first = path.split('/').find(|s| !s.is_empty());
    first == Some("groups")
}

fn group(id: &str, position: usize, renamed: &BTreeMap<usize, String>) -> Value {
    let name = match renamed.get(&position) {
        Some(name) => name.clone(),
        None => GROUP_NAMES
            .get(position)
            .map_or_else(|| format!("Intune - Group {position}"), |n| (*n).to_owned()),
    };
    json!({
        "id": id,
        "displayName": name,
        "description": format!("{name} (simulated)"),
        "mailEnabled": false,
        "mailNickname": name.to_lowercase().replace([' ', '-'], ""),
        "securityEnabled": true,
        "groupTypes": [],
        "createdDateTime": "2023-03-01T08:00:00Z",
    })
}

/// The `displayName eq '...'` of a `$filter`, if that is what it says.
fn display_name_filter(query: &str) -> Option<String> {
    query.split('&').find_map(|part| {
        let (name, value) = part.split_once('=')?;
        let name = name.trim_start_matches('$').to_ascii_lowercase();
        if name != "filter" {
            return None;
        }
        let value = paging::decode(value);
        let rest = value.trim().strip_prefix("displayName eq ")?.trim();
        let quoted = rest.strip_prefix('\'')?.strip_suffix('\'')?;
        Some(quoted.replace("''", "'"))
    })
}

pub fn serve(call: &Call, tenant: &Tenant, issued: &Issued, ids: &RequestIds) -> HttpResponse {
    let allowed = issued
        .roles
        .as_ref()
        .is_some_and(|roles| roles.iter().any(|r| READ_ROLES.contains(&r.as_str())));
    if !allowed {
        // the directory's own answer, not Intune's
        return ids.error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    let query = match Query::parse(&call.query) {
        Ok(query) => query,
        Err(message) => return ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let groups: Vec<Value> = tenant
        .ctx
        .groups
        .iter()
        .enumerate()
        .map(|(position, id)| group(id, position, &tenant.config.group_names))
        .collect();
    let segments: Vec<&str> = call.path.split('/').filter(|s| !s.is_empty()).collect();
    let context = format!("{}/beta/$metadata#groups", call.base);
    match segments.as_slice() {
        [_] => {
            let wanted = display_name_filter(&call.query);
            let members: Vec<Value> = groups
                .into_iter()
                .filter(|g| wanted.as_ref().is_none_or(|name| g["displayName"] == name.as_str()))
                .collect();
            let url = format!("{}/beta/groups", call.base);
            let page = paging::page(&members, &query, 100, &url, &context, Value::clone);
            ids.json(StatusCode::OK, &page)
        }
        [_, id] => match groups.into_iter().find(|g| g["id"] == *id) {
            Some(mut found) => {
                found["@odata.context"] = json!(format!("{context}/$entity"));
                ids.json(StatusCode::OK, &query.project(found))
            }
            None => ids.error(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
            ),
        },
        _ => ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                segments.last().copied().unwrap_or_default()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_filter_is_read_from_the_query() {
        assert_eq!(
            display_name_filter("$filter=displayName%20eq%20'Intune%20-%20Kiosks'&$top=5")
                .as_deref(),
            Some("Intune - Kiosks")
        );
        assert_eq!(
            display_name_filter("$filter=startswith(displayName,'a')"),
            None
        );
        assert_eq!(display_name_filter("$top=5"), None);
    }
}
