use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, on every tenant.
    Admin,
    /// Schedules and runs of the tenants it is granted.
    Operator,
    /// Read-only, event history included.
    Auditor,
    /// Read-only, no event history.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Operator, Role::Auditor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Auditor => "auditor",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which tenants a token sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TenantScope {
    AllTenants,
    Tenants { tenant_ids: Vec<Uuid> },
}

impl TenantScope {
    pub fn includes(&self, tenant_id: Uuid) -> bool {
        match self {
            Self::AllTenants => true,
            Self::Tenants { tenant_ids } => tenant_ids.contains(&tenant_id),
        }
    }

    /// The granted tenant ids, or `None` for all tenants.
    pub fn tenant_ids(&self) -> Option<&[Uuid]> {
        match self {
            Self::AllTenants => None,
            Self::Tenants { tenant_ids } => Some(tenant_ids),
        }
    }
}

/// A role with a scope that suits it: admins see every tenant, operators are always
/// limited to the tenants they are granted, auditors and viewers may have either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    role: Role,
    scope: TenantScope,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidGrant {
    #[error("an admin token sees every tenant; leave tenant_ids out")]
    AdminWithTenants,
    #[error("an operator token needs at least one tenant in tenant_ids")]
    OperatorWithoutTenants,
    #[error("tenant_ids must not be empty; leave it out for every tenant")]
    EmptyTenantList,
    #[error("tenant {0} is listed twice")]
    DuplicateTenant(Uuid),
}

impl Grant {
    pub fn new(role: Role, tenant_ids: Option<Vec<Uuid>>) -> Result<Self, InvalidGrant> {
        let scope = match tenant_ids {
            None => TenantScope::AllTenants,
            Some(ids) if ids.is_empty() => return Err(InvalidGrant::EmptyTenantList),
            Some(ids) => {
                for (index, id) in ids.iter().enumerate() {
                    if ids[..index].contains(id) {
                        return Err(InvalidGrant::DuplicateTenant(*id));
                    }
                }
                TenantScope::Tenants { tenant_ids: ids }
            }
        };
        match (role, &scope) {
            (Role::Admin, TenantScope::Tenants { .. }) => Err(InvalidGrant::AdminWithTenants),
            (Role::Operator, TenantScope::AllTenants) => Err(InvalidGrant::OperatorWithoutTenants),
            _ => Ok(Self { role, scope }),
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

/// A token's label: 1 to 100 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > 100
            || trimmed.chars().any(char::is_control)
        {
            return Err(
                "the name must be 1 to 100 characters without control characters".to_owned(),
            );
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TokenName> for String {
    fn from(name: TokenName) -> Self {
        name.0
    }
}
