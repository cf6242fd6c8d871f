use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::{Grant, TokenName};

/// Token events carry no credential: not the value, not its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TokenEvent {
    TokenIssued {
        token_id: Uuid,
        name: TokenName,
        grant: Grant,
    },
    TokenRevoked,
}

impl DomainEvent for TokenEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TokenIssued { .. } => "TokenIssued",
            Self::TokenRevoked => "TokenRevoked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
