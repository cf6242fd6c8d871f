/// Why the Webhook aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook already exists")]
    AlreadyExists,
    #[error("the webhook does not exist")]
    NotFound,
    #[error("the webhook was deleted")]
    Deleted,
    #[error("the webhook is disabled; enable it first")]
    Disabled,
}
