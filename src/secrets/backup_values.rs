//! The encrypted OMA-URI values a backup captured: rows of the sealed-row store (kind
//! `OmaSettingValue`, table `backup_secrets`) owned by the backup set, one per secret
//! setting of an item, written in the transaction of the set itself. A setting whose value
//! could not be read gets a row too (`captured` false, no ciphertext), so the item always
//! says which of its settings are secret and whether they were captured.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use super::rows::{self, OpenError, SealedKind};
use super::SecretCipher;
use crate::backup::TreeItem;
use crate::db::CachedStatements;
use crate::graph::{FetchedObject, FetchedType};

/// One secret setting of an item, as the item API shows it (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMarker {
    pub path: String,
    pub captured: bool,
}

/// The objects a run read that carry secret settings, by (policy type, Graph id).
pub struct SecretsRead<'a> {
    objects: HashMap<(&'a str, &'a str), &'a FetchedObject>,
}

impl<'a> SecretsRead<'a> {
    /// From the types that were read, by catalog key.
    pub fn from_types(types: impl IntoIterator<Item = (&'a str, &'a FetchedType)>) -> Self {
        let objects = types
            .into_iter()
            .flat_map(|(key, fetched)| {
                fetched
                    .objects
                    .iter()
                    .filter(|object| !object.secrets.is_empty())
                    .map(move |object| ((key, object.graph_id.as_str()), object))
            })
            .collect();
        Self { objects }
    }

    /// Seals and stores the secrets of the set's items (items the set does not hold, e.g.
    /// ignored policies, keep none); returns how many rows were written.
    pub async fn store_for_set(
        &self,
        transaction: &Transaction<'_>,
        cipher: &SecretCipher,
        tenant_id: Uuid,
        backup_set_id: Uuid,
        items: &[TreeItem],
    ) -> Result<u64, tokio_postgres::Error> {
        let mut written = 0;
        for item in items {
            let key = (item.policy_type.as_str(), item.graph_id.as_str());
            if let Some(object) = self.objects.get(&key) {
                let owner = (tenant_id, backup_set_id);
                written += store_item(transaction, cipher, owner, item, object).await?;
            }
        }
        Ok(written)
    }
}

/// One row per secret setting of `item`, sealed when its value was read.
async fn store_item(
    transaction: &Transaction<'_>,
    cipher: &SecretCipher,
    (tenant_id, backup_set_id): (Uuid, Uuid),
    item: &TreeItem,
    object: &FetchedObject,
) -> Result<u64, tokio_postgres::Error> {
    for secret in &object.secrets {
        let id = Uuid::now_v7();
        let sealed = secret.value.as_ref().map(|value| {
            SealedKind::OmaSettingValue.seal(cipher, backup_set_id, id, value.expose().as_bytes())
        });
        transaction
            .execute_cached(
                "INSERT INTO backup_secrets (id, backup_set_id, tenant_id, policy_type,
                     graph_id, path, captured, ciphertext, nonce, key_fingerprint)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &id,
                    &backup_set_id,
                    &tenant_id,
                    &item.policy_type,
                    &item.graph_id,
                    &secret.path,
                    &sealed.is_some(),
                    &sealed.as_ref().map(|s| s.ciphertext.clone()),
                    &sealed.as_ref().map(|s| s.nonce.clone()),
                    &sealed.as_ref().map(|s| s.key_fingerprint.clone()),
                ],
            )
            .await?;
    }
    Ok(object.secrets.len() as u64)
}

/// Which settings of an item are secret, and whether each was captured.
pub async fn markers(
    client: &impl GenericClient,
    backup_set_id: Uuid,
    policy_type: &str,
    graph_id: &str,
) -> Result<Vec<SecretMarker>, tokio_postgres::Error> {
    let rows = client
        .query_cached(
            "SELECT path, captured FROM backup_secrets
             WHERE backup_set_id = $1 AND policy_type = $2 AND graph_id = $3
             ORDER BY path",
            &[&backup_set_id, &policy_type, &graph_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| SecretMarker {
            path: row.get(0),
            captured: row.get(1),
        })
        .collect())
}

/// Opens the captured values of an item, by path (what a restore writes back).
pub async fn open_item_values(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    backup_set_id: Uuid,
    policy_type: &str,
    graph_id: &str,
) -> Result<Vec<(String, String)>, OpenError> {
    let rows = client
        .query_cached(
            "SELECT id, path FROM backup_secrets
             WHERE backup_set_id = $1 AND policy_type = $2 AND graph_id = $3 AND captured
             ORDER BY path",
            &[&backup_set_id, &policy_type, &graph_id],
        )
        .await?;
    let paths: HashMap<Uuid, String> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    let ids: Vec<Uuid> = paths.keys().copied().collect();
    let opened = rows::open(
        client,
        cipher,
        SealedKind::OmaSettingValue,
        backup_set_id,
        &ids,
    )
    .await?;
    let mut values: Vec<(String, String)> = opened
        .into_iter()
        .map(|(id, bytes)| {
            let text = String::from_utf8(bytes).map_err(|_| super::SecretError::Tampered)?;
            Ok((paths[&id].clone(), text))
        })
        .collect::<Result<_, OpenError>>()?;
    values.sort();
    Ok(values)
}
