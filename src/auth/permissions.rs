//! What each role may do. Tenant scope is checked separately (a tenant outside the scope is
//! invisible: 404), then the role's permission (403).

use crate::domain::token::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read tenants, schedules, runs, the catalog.
    Read,
    /// Register, change, deactivate and delete tenants.
    ManageTenants,
    /// Create, change, enable, disable and delete schedules.
    ManageSchedules,
    /// Run now and retry.
    OperateRuns,
    /// The event history (audit feed).
    ReadEvents,
    /// Issue, list and revoke API tokens.
    ManageTokens,
    /// Read and mark read the caller's own notifications (every role).
    OwnNotifications,
    /// Create, change, enable, disable, rotate, delete webhooks; redeliver messages.
    ManageWebhooks,
    /// Read webhooks and their deliveries log (with a token that sees every tenant).
    ReadWebhooks,
}

pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Operator => matches!(
            permission,
            Read | ManageSchedules | OperateRuns | OwnNotifications
        ),
        Role::Auditor => matches!(
            permission,
            Read | ReadEvents | ReadWebhooks | OwnNotifications
        ),
        Role::Viewer => matches!(permission, Read | OwnNotifications),
    }
}
