use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::TenantName;

/// Tenant events. Secrets never appear: `client_secret_id` points at the encrypted secret
/// row, so auditors see that (and when) a secret changed, never what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TenantEvent {
    TenantRegistered {
        tenant_id: Uuid,
        display_name: TenantName,
        azure_tenant_id: Uuid,
        client_id: Uuid,
        client_secret_id: Option<Uuid>,
    },
    TenantRenamed {
        display_name: TenantName,
    },
    TenantCredentialsChanged {
        client_id: Uuid,
        client_secret_id: Option<Uuid>,
    },
    TenantDeactivated,
    TenantReactivated,
    TenantDeleted,
}

impl DomainEvent for TenantEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TenantRegistered { .. } => "TenantRegistered",
            Self::TenantRenamed { .. } => "TenantRenamed",
            Self::TenantCredentialsChanged { .. } => "TenantCredentialsChanged",
            Self::TenantDeactivated => "TenantDeactivated",
            Self::TenantReactivated => "TenantReactivated",
            Self::TenantDeleted => "TenantDeleted",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
