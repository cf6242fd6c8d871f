use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::commands::TokenCommand;
use super::errors::TokenError;
use super::events::TokenEvent;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiToken {
    issued: bool,
    revoked: bool,
}

impl Aggregate for ApiToken {
    const TYPE: &'static str = "token";
    type Command = TokenCommand;
    type Event = TokenEvent;
    type Error = TokenError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            TokenCommand::Issue { .. } if self.issued => return Err(TokenError::AlreadyIssued),
            TokenCommand::Issue {
                token_id,
                name,
                grant,
            } => TokenEvent::TokenIssued {
                token_id,
                name,
                grant,
            },
            TokenCommand::Revoke if !self.issued => return Err(TokenError::NotFound),
            // revoking twice changes nothing
            TokenCommand::Revoke if self.revoked => return Ok(()),
            TokenCommand::Revoke => TokenEvent::TokenRevoked,
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            TokenEvent::TokenIssued { .. } => self.issued = true,
            TokenEvent::TokenRevoked => self.revoked = true,
        }
    }
}
