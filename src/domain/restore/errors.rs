use super::values::RestoreStatus;

/// Why the Restore aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("the restore does not exist")]
    NotFound,
    #[error("the restore is {}; only a planned restore can be approved or applied", .0.as_str())]
    NotPlanned(RestoreStatus),
    #[error("the restore is {}; it can only be started while queued", .0.as_str())]
    NotQueued(RestoreStatus),
    #[error("the restore is {}; only an applying restore records items or finishes", .0.as_str())]
    NotApplying(RestoreStatus),
    #[error("{approvals} of {required} approvals: another admin must approve the restore before it is applied")]
    NeedsApproval { approvals: u32, required: u32 },
    #[error("the applier cannot also approve: approval is a second person's")]
    SelfApproval,
    #[error("this admin already approved the restore")]
    AlreadyApproved,
    #[error("a restore finishes as completed, partial or failed")]
    NotAFinalStatus,
}
