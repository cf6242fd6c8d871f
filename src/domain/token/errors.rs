/// Why the ApiToken aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token was already issued")]
    AlreadyIssued,
    #[error("the token does not exist")]
    NotFound,
}
