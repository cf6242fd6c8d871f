//! The `tenants` row as a value, and what each tenant event does to it: decided once, here,
//! written to the table by the projector (`tenants.rs`) and applied in memory by a replay
//! (`?as_of=`).

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use uuid::Uuid;

use super::consumer::{payload, ConsumerError};
use super::schedule_row::replace;
use crate::domain::tenant::TenantEvent;
use crate::store::StoredEvent;

/// The table's columns in [`TenantRow`]'s order (`TenantRow::from_sql` reads them).
pub const TENANT_ROW_COLUMNS: &str = "id, display_name, azure_tenant_id, client_id, \
     client_secret_id, status, version, created_at, updated_at, deleted_at";

/// One row of `tenants`.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantRow {
    pub id: Uuid,
    pub display_name: String,
    pub azure_tenant_id: Uuid,
    pub client_id: Uuid,
    /// The sealed secret's row (`tenant_secrets`), never the secret.
    pub client_secret_id: Option<Uuid>,
    /// `active`, `inactive` or `deleted`.
    pub status: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl TenantRow {
    /// Reads a row selected as [`TENANT_ROW_COLUMNS`].
    pub fn from_sql(row: &Row) -> Self {
        Self {
            id: row.get(0),
            display_name: row.get(1),
            azure_tenant_id: row.get(2),
            client_id: row.get(3),
            client_secret_id: row.get(4),
            status: row.get(5),
            version: row.get(6),
            created_at: row.get(7),
            updated_at: row.get(8),
            deleted_at: row.get(9),
        }
    }
}

/// What one tenant event does to its row.
#[derive(Debug, Clone, PartialEq)]
pub enum TenantChange {
    Insert(TenantRow),
    Update(TenantUpdate),
}

/// The columns one event sets; `None` leaves a column as it was.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TenantUpdate {
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub display_name: Option<String>,
    /// The client id and the secret that goes with it (possibly none).
    pub credentials: Option<(Uuid, Option<Uuid>)>,
    pub status: Option<&'static str>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The change `event` (of tenant `id`) makes to the read model, stamped with the event's
/// own time.
pub fn tenant_change(event: &StoredEvent, id: Uuid) -> Result<TenantChange, ConsumerError> {
    let at = event.occurred_at();
    let update = TenantUpdate {
        version: event.sequence,
        updated_at: at,
        ..TenantUpdate::default()
    };
    Ok(match payload::<TenantEvent>(event)? {
        TenantEvent::TenantRegistered {
            display_name,
            azure_tenant_id,
            client_id,
            client_secret_id,
            ..
        } => TenantChange::Insert(TenantRow {
            id,
            display_name: display_name.as_str().to_owned(),
            azure_tenant_id,
            client_id,
            client_secret_id,
            status: "active".to_owned(),
            version: event.sequence,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        }),
        TenantEvent::TenantRenamed { display_name } => TenantChange::Update(TenantUpdate {
            display_name: Some(display_name.as_str().to_owned()),
            ..update
        }),
        TenantEvent::TenantCredentialsChanged {
            client_id,
            client_secret_id,
            ..
        } => TenantChange::Update(TenantUpdate {
            credentials: Some((client_id, client_secret_id)),
            ..update
        }),
        TenantEvent::TenantDeactivated => TenantChange::Update(TenantUpdate {
            status: Some("inactive"),
            ..update
        }),
        TenantEvent::TenantReactivated => TenantChange::Update(TenantUpdate {
            status: Some("active"),
            ..update
        }),
        TenantEvent::TenantDeleted => TenantChange::Update(TenantUpdate {
            status: Some("deleted"),
            deleted_at: Some(at),
            ..update
        }),
    })
}

impl TenantChange {
    /// The change applied to a row in memory (`None` before the tenant exists), as the
    /// projector's statements apply it to the table.
    pub fn apply_to(self, row: &mut Option<TenantRow>) {
        match self {
            Self::Insert(registered) => *row = Some(registered),
            Self::Update(update) => {
                if let Some(row) = row {
                    update.apply_to(row);
                }
            }
        }
    }
}

impl TenantUpdate {
    fn apply_to(self, row: &mut TenantRow) {
        replace(&mut row.display_name, self.display_name);
        if let Some((client_id, client_secret_id)) = self.credentials {
            row.client_id = client_id;
            row.client_secret_id = client_secret_id;
        }
        replace(&mut row.status, self.status.map(str::to_owned));
        if self.deleted_at.is_some() {
            row.deleted_at = self.deleted_at;
        }
        row.version = self.version;
        row.updated_at = self.updated_at;
    }
}
