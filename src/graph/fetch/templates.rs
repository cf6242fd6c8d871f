//! Administrative templates: per policy its definition values (with their definitions),
//! per value its presentation values (with their presentations), every level paged. The
//! heaviest type in requests, hence the pacing.

use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::Value;

use super::object::{each, object_id, set, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

pub(crate) async fn fetch(reader: &Reader<'_>, path: &str) -> Result<FetchedType, GraphError> {
    let entries = reader.list(&format!("{path}?$expand=assignments")).await?;
    each(reader, entries, |entry| complete(reader, path, entry)).await
}

async fn complete(
    reader: &Reader<'_>,
    path: &str,
    mut policy: Value,
) -> Result<Outcome, GraphError> {
    let base = format!("{path}/{}/definitionValues", object_id(&policy)?);
    let Some(values) = reader
        .detail_list(&format!("{base}?$expand=definition"))
        .await?
    else {
        return Ok(Outcome::Deleted);
    };
    let base = &base;
    let completed: Vec<Option<Value>> = stream::iter(values)
        .map(|mut value| async move {
            let url = format!(
                "{base}/{}/presentationValues?$expand=presentation",
                object_id(&value)?
            );
            let presentations = reader.detail_list(&url).await?;
            Ok::<_, GraphError>(presentations.map(|presentations| {
                set(&mut value, "presentationValues", presentations);
                value
            }))
        })
        .buffered(reader.concurrency())
        .try_collect()
        .await?;
    // A value gone mid-read means the policy changed under us: the next run reads it whole.
    let Some(values) = completed.into_iter().collect::<Option<Vec<_>>>() else {
        return Ok(Outcome::Deleted);
    };
    set(&mut policy, "definitionValues", values);
    Ok(Outcome::read(policy))
}
