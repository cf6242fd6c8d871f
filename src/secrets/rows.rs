//! The one sealed-row store: every secret TenantPilot keeps (tenant client secrets, webhook
//! signing secrets, encrypted OMA-URI values of backups) is a row with `id`, an owner id,
//! `ciphertext`, `nonce` and `key_fingerprint`, sealed with XChaCha20-Poly1305 under
//! `TENANTPILOT_SECRET_KEY` and bound to its owner and row (associated data). The kinds
//! differ only in their table, owner column and associated-data prefix; sealing, opening,
//! discarding and re-sealing under a new key are one code path for all of them.

use deadpool_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use super::cipher::{Sealed, SecretCipher, SecretError};
use crate::db::CachedStatements;

/// What a sealed row holds, and so where it lives and what it is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedKind {
    /// A tenant's client secret (`tenant_secrets`, owned by the tenant).
    TenantSecret,
    /// A webhook's signing secret (`webhook_secrets`, owned by the webhook).
    WebhookSecret,
    /// The plain value of an encrypted OMA-URI setting as a backup captured it
    /// (`backup_secrets`, owned by the backup set: the purge of the set deletes it).
    OmaSettingValue,
}

impl SealedKind {
    pub const ALL: [SealedKind; 3] = [
        Self::TenantSecret,
        Self::WebhookSecret,
        Self::OmaSettingValue,
    ];

    fn table(self) -> &'static str {
        match self {
            Self::TenantSecret => "tenant_secrets",
            Self::WebhookSecret => "webhook_secrets",
            Self::OmaSettingValue => "backup_secrets",
        }
    }

    fn owner_column(self) -> &'static str {
        match self {
            Self::TenantSecret => "tenant_id",
            Self::WebhookSecret => "webhook_id",
            Self::OmaSettingValue => "backup_set_id",
        }
    }

    /// What a sealed row is bound to: it opens only for its owner and row. Tenant secrets
    /// keep their original layout (no prefix), so rows sealed before this store still open.
    fn associated_data(self, owner: Uuid, id: Uuid) -> Vec<u8> {
        let prefix: &[u8] = match self {
            Self::TenantSecret => b"",
            Self::WebhookSecret => b"webhook:",
            Self::OmaSettingValue => b"oma-setting:",
        };
        let mut aad = prefix.to_vec();
        aad.extend_from_slice(owner.as_bytes());
        aad.extend_from_slice(id.as_bytes());
        aad
    }

    /// Seals `plaintext` for the row `id` of `owner` (the caller inserts it).
    pub fn seal(self, cipher: &SecretCipher, owner: Uuid, id: Uuid, plaintext: &[u8]) -> Sealed {
        cipher.seal_bytes(&self.associated_data(owner, id), plaintext)
    }

    pub fn open(
        self,
        cipher: &SecretCipher,
        owner: Uuid,
        id: Uuid,
        sealed: &Sealed,
    ) -> Result<Vec<u8>, SecretError> {
        cipher.open_bytes(&self.associated_data(owner, id), sealed)
    }
}

/// Seals and stores a secret of a kind whose rows have no other columns (tenant and
/// webhook secrets); returns the id events refer to it by.
pub async fn insert(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    kind: SealedKind,
    owner: Uuid,
    plaintext: &[u8],
) -> Result<Uuid, tokio_postgres::Error> {
    let id = Uuid::now_v7();
    let sealed = kind.seal(cipher, owner, id, plaintext);
    let sql = format!(
        "INSERT INTO {} (id, {}, ciphertext, nonce, key_fingerprint) VALUES ($1, $2, $3, $4, $5)",
        kind.table(),
        kind.owner_column()
    );
    client
        .execute(
            &sql,
            &[
                &id,
                &owner,
                &sealed.ciphertext,
                &sealed.nonce,
                &sealed.key_fingerprint,
            ],
        )
        .await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
}

/// Opens the sealed rows `ids` of `owner` (rows missing, or without a sealed value, are
/// left out).
pub async fn open(
    client: &impl GenericClient,
    cipher: &SecretCipher,
    kind: SealedKind,
    owner: Uuid,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Vec<u8>)>, OpenError> {
    let sql = format!(
        "SELECT id, ciphertext, nonce, key_fingerprint FROM {} WHERE {} = $1 AND id = ANY($2)
           AND ciphertext IS NOT NULL",
        kind.table(),
        kind.owner_column()
    );
    let rows = client.query_cached(&sql, &[&owner, &ids]).await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.get(0);
            let sealed = Sealed {
                ciphertext: row.get(1),
                nonce: row.get(2),
                key_fingerprint: row.get(3),
            };
            Ok((id, kind.open(cipher, owner, id, &sealed)?))
        })
        .collect()
}

/// Removes a sealed row no event refers to (its command was refused).
pub async fn discard(
    client: &impl GenericClient,
    kind: SealedKind,
    id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    let sql = format!("DELETE FROM {} WHERE id = $1", kind.table());
    client.execute(&sql, &[&id]).await?;
    Ok(())
}

/// Which of an owner's rows to remove once they seal nothing in force any more.
#[derive(Debug, Clone, Copy)]
pub enum Retire<'a> {
    One(Uuid),
    All,
    AllBut(&'a [Uuid]),
}

/// Removes rows of `owner` (a replaced or deleted tenant's secret, a webhook's retired or
/// deleted signing secrets); returns how many.
pub async fn retire(
    client: &impl GenericClient,
    kind: SealedKind,
    owner: Uuid,
    which: Retire<'_>,
) -> Result<u64, tokio_postgres::Error> {
    let (table, column) = (kind.table(), kind.owner_column());
    match which {
        Retire::One(id) => {
            let sql = format!("DELETE FROM {table} WHERE {column} = $1 AND id = $2");
            client.execute_cached(&sql, &[&owner, &id]).await
        }
        Retire::All => {
            let sql = format!("DELETE FROM {table} WHERE {column} = $1");
            client.execute_cached(&sql, &[&owner]).await
        }
        Retire::AllBut(keep) => {
            let sql = format!("DELETE FROM {table} WHERE {column} = $1 AND NOT (id = ANY($2))");
            client.execute_cached(&sql, &[&owner, &keep]).await
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("{kind:?} {id} (owner {owner}) cannot be opened with the current key: {source}")]
    Open {
        kind: SealedKind,
        id: Uuid,
        owner: Uuid,
        source: SecretError,
    },
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
}

/// Re-seals every row of `kind` not sealed under `new` yet, in the caller's transaction;
/// returns how many. Rows already under `new` are left alone, so an interrupted rotation
/// can simply be run again.
pub async fn reseal_all(
    transaction: &Transaction<'_>,
    kind: SealedKind,
    current: &SecretCipher,
    new: &SecretCipher,
) -> Result<usize, ResealError> {
    let select = format!(
        "SELECT id, {}, ciphertext, nonce, key_fingerprint FROM {}
         WHERE key_fingerprint <> $1 FOR UPDATE",
        kind.owner_column(),
        kind.table()
    );
    let update = format!(
        "UPDATE {} SET ciphertext = $2, nonce = $3, key_fingerprint = $4 WHERE id = $1",
        kind.table()
    );
    let rows = transaction.query(&select, &[&new.fingerprint()]).await?;
    for row in &rows {
        let (id, owner): (Uuid, Uuid) = (row.get(0), row.get(1));
        let sealed = Sealed {
            ciphertext: row.get(2),
            nonce: row.get(3),
            key_fingerprint: row.get(4),
        };
        let plaintext =
            kind.open(current, owner, id, &sealed)
                .map_err(|source| ResealError::Open {
                    kind,
                    id,
                    owner,
                    source,
                })?;
        let resealed = kind.seal(new, owner, id, &plaintext);
        transaction
            .execute_cached(
                &update,
                &[
                    &id,
                    &resealed.ciphertext,
                    &resealed.nonce,
                    &resealed.key_fingerprint,
                ],
            )
            .await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretKey;

    #[test]
    fn a_row_sealed_as_one_kind_does_not_open_as_another() {
        let cipher = SecretCipher::new(SecretKey::generate());
        let (owner, id) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = SealedKind::OmaSettingValue.seal(&cipher, owner, id, b"psk");
        assert_eq!(
            SealedKind::OmaSettingValue
                .open(&cipher, owner, id, &sealed)
                .unwrap(),
            b"psk"
        );
        for other in [SealedKind::TenantSecret, SealedKind::WebhookSecret] {
            assert_eq!(
                other.open(&cipher, owner, id, &sealed),
                Err(SecretError::Tampered)
            );
        }
    }

    #[test]
    fn tenant_secrets_keep_the_layout_they_were_sealed_with() {
        let cipher = SecretCipher::new(SecretKey::generate());
        let (tenant, id) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = cipher.seal(tenant, id, "client secret");
        assert_eq!(
            SealedKind::TenantSecret
                .open(&cipher, tenant, id, &sealed)
                .unwrap(),
            b"client secret"
        );
    }
}
