//! `GET .../backup-sets/{id}/export`: the set as a zip, streamed while it is built. Blobs are
//! read in batches of `BATCH` items, so memory holds the item list (metadata) and one batch of
//! content, never the whole set. Layout: `<policy_type>/<display name>__<graph_id>.json` and
//! `manifest.json` (the set, and each file's content hash and SHA-256 of its bytes).

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use serde_json::json;
use tokio::sync::mpsc;

use super::model::{find_set, load_contents, load_items, BackupSetResponse};
use crate::api::error::{ApiError, ErrorCode, Problem};
use crate::api::extract::parse_id;
use crate::api::state::AppState;
use crate::api::TAG_BACKUP_SETS;
use crate::auth::{Permission, Principal};
use crate::backup::canonical::hash_bytes;
use crate::backup::zip::ZipStream;
use crate::backup::TreeItem;

const BATCH: usize = 100;

/// A zip archive, for the document (the handler streams its bytes).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ZipArchive(#[allow(dead_code)] Vec<u8>);

/// Download a backup set as a zip of JSON files with a manifest.
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id")),
    responses(
        (status = 200, description = "The zip (stored entries): one JSON file per item under its policy type, and `manifest.json`",
         content_type = "application/zip", body = ZipArchive,
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"<set name>.zip\"`"))),
        (status = 410, description = "`backup_set_deleted`: the set is soft-deleted (admins; others get 404)",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/backup-sets/{backup_set_id}/export")]
pub(super) async fn export_backup_set(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let set_id = parse_id(&path.1, "backup_set_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let set = find_set(&state, &principal, tenant_id, set_id).await?;
    if set.deleted_at.is_some() {
        return Err(ApiError::Conflict {
            code: ErrorCode::BackupSetDeleted,
            detail: "the backup set is deleted; it cannot be exported".to_owned(),
        });
    }
    let items = load_items(&state, &set.tree_hash).await?;
    let filename = format!("{}.zip", sanitize(&set.name, 120));
    // a small buffer: the producer waits for the client instead of running ahead of it
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let producer_state = state.clone();
    actix_web::rt::spawn(async move {
        if let Err(error) = write_archive(&producer_state, &set, &items, &sender).await {
            tracing::error!(backup_set_id = %set.id, error.cause = %error, "export failed");
            // the client gets a broken download, not a zip that looks complete
            let _ = sender
                .send(Err(std::io::Error::other(error.to_string())))
                .await;
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Zip(#[from] crate::backup::zip::ZipError),
    #[error("blob {0} is missing")]
    MissingBlob(String),
    #[error("the client went away")]
    Disconnected,
}

async fn write_archive(
    state: &AppState,
    set: &BackupSetResponse,
    items: &[TreeItem],
    sender: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), ExportError> {
    let send = |bytes: Vec<u8>| async move {
        sender
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| ExportError::Disconnected)
    };
    let mut zip = ZipStream::new(set.created_at);
    let mut taken = BTreeSet::new();
    let mut files = Vec::with_capacity(items.len());
    for batch in items.chunks(BATCH) {
        let hashes: Vec<&str> = batch
            .iter()
            .map(|item| item.content_hash.as_str())
            .collect();
        let contents = load_contents(state, &hashes).await?;
        for item in batch {
            let content = contents
                .get(&item.content_hash)
                .ok_or_else(|| ExportError::MissingBlob(item.content_hash.clone()))?;
            let bytes = serde_json::to_vec_pretty(content).unwrap_or_default();
            let path = unique_path(item, &mut taken);
            files.push(json!({
                "path": path, "item_id": item.id(), "policy_type": item.policy_type,
                "graph_id": item.graph_id, "display_name": item.display_name,
                "is_foundation": item.is_foundation, "content_hash": item.content_hash,
                "sha256": hash_bytes(&bytes), "size": bytes.len(),
            }));
            send(zip.entry(&path, &bytes)?).await?;
        }
    }
    let manifest = json!({"backup_set": set, "files": files});
    let manifest = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    send(zip.entry("manifest.json", &manifest)?).await?;
    send(zip.finish()?).await
}

/// `<policy_type>/<name>__<graph_id>.json`; (type, Graph id) is unique in a tree, but two
/// ids may sanitize alike, hence the counter.
fn unique_path(item: &TreeItem, taken: &mut BTreeSet<String>) -> String {
    let stem = format!(
        "{}/{}__{}",
        sanitize(&item.policy_type, 80),
        sanitize(&item.display_name, 80),
        sanitize(&item.graph_id, 80)
    );
    let mut path = format!("{stem}.json");
    let mut counter = 2;
    while !taken.insert(path.clone()) {
        path = format!("{stem}~{counter}.json");
        counter += 1;
    }
    path
}

/// Letters, digits, `-`, `_` and `.` (ASCII, so every unzip tool and file system takes it);
/// anything else becomes `_`. Never empty, never `.`/`..`.
fn sanitize(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.trim_matches('.').is_empty() {
        "_".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized_and_paths_unique() {
        assert_eq!(sanitize("Win 10: Baseline/ä", 80), "Win_10__Baseline__");
        assert_eq!(sanitize("..", 80), "_");
        let item = TreeItem {
            policy_type: "settingsCatalog".into(),
            graph_id: "a/b".into(),
            display_name: "X".into(),
            content_hash: "h".into(),
            is_foundation: false,
            last_modified: None,
        };
        let mut taken = BTreeSet::new();
        assert_eq!(
            unique_path(&item, &mut taken),
            "settingsCatalog/X__a_b.json"
        );
        assert_eq!(
            unique_path(&item, &mut taken),
            "settingsCatalog/X__a_b~2.json"
        );
    }
}
