//! `match_groups_by_name`: a restore into another tenant maps each assigned source group
//! that the explicit mapping leaves out to the target group with the same display name,
//! as IntuneCD resolves groups by name (GRAPH.md, "Writing back": across tenants). The name
//! is read in the source tenant (`GET /groups/{id}`), the target is searched for it
//! (`GET /groups?$filter=displayName eq '...'`). Exactly one target group maps; none or
//! several map nothing, and the assignments stay unsent with the reason recorded: a
//! restore never guesses between two groups of one name.

use std::collections::{BTreeSet, HashMap};

use crate::domain::restore::GroupMatch;
use crate::graph::{GraphClient, GraphError, TenantCredentials};

/// Where the source groups' names come from: the source tenant, or why it cannot be read.
pub enum SourceDirectory<'a> {
    Readable(&'a TenantCredentials),
    Unreadable(String),
}

/// Looks up `group_ids` by name; adds the matched ones to `mapping`.
pub async fn match_by_name(
    graph: &GraphClient,
    source: SourceDirectory<'_>,
    target: &TenantCredentials,
    group_ids: &BTreeSet<String>,
    mapping: &mut HashMap<String, String>,
) -> Result<Vec<GroupMatch>, MatchError> {
    let mut matches = Vec::with_capacity(group_ids.len());
    for id in group_ids {
        let mut found = GroupMatch {
            source_group_id: id.clone(),
            display_name: None,
            target_group_id: None,
            reason: None,
        };
        let name = match &source {
            SourceDirectory::Unreadable(why) => {
                found.reason = Some(format!("the source tenant cannot be read ({why})"));
                matches.push(found);
                continue;
            }
            SourceDirectory::Readable(credentials) => graph
                .group_display_name(credentials, id)
                .await
                .map_err(MatchError::Source)?,
        };
        let Some(name) = name else {
            found.reason = Some("the source tenant no longer has this group".to_owned());
            matches.push(found);
            continue;
        };
        let named = graph
            .groups_named(target, &name)
            .await
            .map_err(MatchError::Target)?;
        match named.as_slice() {
            [one] => {
                mapping.insert(id.clone(), one.clone());
                found.target_group_id = Some(one.clone());
            }
            [] => found.reason = Some(format!("the target tenant has no group named {name:?}")),
            several => {
                found.reason = Some(format!(
                    "the target tenant has {} groups named {name:?}: none is chosen",
                    several.len()
                ))
            }
        }
        found.display_name = Some(name);
        matches.push(found);
    }
    Ok(matches)
}

/// Graph refused a lookup, in the source or in the target tenant.
#[derive(Debug)]
pub enum MatchError {
    Source(GraphError),
    Target(GraphError),
}
