//! Administrative templates: per policy its assignments and definition values (with their
//! definitions), per value its presentation values (with their presentations), every level
//! paged. The heaviest type in requests, hence the pacing.

use futures_util::future::join;
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::Value;

use super::object::{each, missing_child, object_id, set, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

pub(crate) async fn fetch(reader: &Reader<'_>, path: &str) -> Result<FetchedType, GraphError> {
    let entries = reader.list(path).await?;
    each(reader, entries, |entry| complete(reader, path, entry)).await
}

async fn complete(
    reader: &Reader<'_>,
    path: &str,
    mut policy: Value,
) -> Result<Outcome, GraphError> {
    let object = format!("{path}/{}", object_id(&policy)?);
    let base = format!("{object}/definitionValues");
    let values_url = format!("{base}?$expand=definition");
    let assignments_url = format!("{object}/assignments");
    let (values, assignments) = join(
        reader.detail_list(&values_url),
        reader.detail_list(&assignments_url),
    )
    .await;
    let mut missing = Vec::new();
    match assignments? {
        Some(assignments) => set(&mut policy, "assignments", assignments),
        None => missing.push(missing_child("assignments", &assignments_url)),
    }
    let values = values?;
    if values.is_none() {
        missing.push(missing_child("definitionValues", &values_url));
    }
    // a 404 below the policy means "deleted meanwhile" only if the policy itself is gone
    if !missing.is_empty() && reader.detail(&object).await?.is_none() {
        return Ok(Outcome::Deleted);
    }
    let base = &base;
    let Some(values) = values else {
        return Ok(Outcome::with_missing(policy, missing));
    };
    let completed: Vec<(Value, Option<String>)> = stream::iter(values)
        .map(|mut value| async move {
            // a value Graph gave without a usable id is kept, its presentations unread
            let Ok(value_id) = object_id(&value) else {
                let reason =
                    "a definition value without a usable id: its presentationValues not read";
                return Ok((value, Some(reason.to_owned())));
            };
            let url = format!("{base}/{value_id}/presentationValues?$expand=presentation");
            let missing = match reader.detail_list(&url).await? {
                Some(presentations) => {
                    set(&mut value, "presentationValues", presentations);
                    None
                }
                None => Some(missing_child("presentationValues", &url)),
            };
            Ok::<_, GraphError>((value, missing))
        })
        .buffered(reader.concurrency())
        .try_collect()
        .await?;
    let mut values = Vec::with_capacity(completed.len());
    for (value, gone) in completed {
        missing.extend(gone);
        values.push(value);
    }
    set(&mut policy, "definitionValues", values);
    Ok(Outcome::with_missing(policy, missing))
}
