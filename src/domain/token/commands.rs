use uuid::Uuid;

use super::values::{Grant, TokenName};

#[derive(Debug, Clone, PartialEq)]
pub enum TokenCommand {
    Issue {
        token_id: Uuid,
        name: TokenName,
        grant: Grant,
    },
    Revoke,
}
