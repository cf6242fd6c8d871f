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
    /// Version 2 added `retired_secret_id`: the sealed secret this change replaced, which
    /// the event store deletes in the same transaction (version 1 events have none).
    TenantCredentialsChanged {
        client_id: Uuid,
        client_secret_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retired_secret_id: Option<Uuid>,
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
        match self {
            Self::TenantCredentialsChanged { .. } => "2",
            _ => "1",
        }
        .to_owned()
    }
}

/// Which sealed secrets an event retires: they are deleted in the event's own append
/// transaction, so no replaced or orphaned secret outlives the event that let it go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRetirement {
    /// The one secret a credentials change replaced.
    One(Uuid),
    /// Every secret of the tenant (it was deleted).
    AllOfTenant(Uuid),
}

impl TenantEvent {
    pub fn retired_secrets(&self, tenant_id: Uuid) -> Option<SecretRetirement> {
        match self {
            Self::TenantCredentialsChanged {
                retired_secret_id: Some(id),
                ..
            } => Some(SecretRetirement::One(*id)),
            Self::TenantDeleted => Some(SecretRetirement::AllOfTenant(tenant_id)),
            _ => None,
        }
    }
}
