//! The Policy aggregate: the decisions people make about a synced policy. Its content is
//! bulk data (the inventory, written by runs); what is decided about it (ignored, so not
//! backed up) is an event like every other change.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyCommand {
    /// Exclude the policy from backups (it stays in the inventory and the sync report).
    Ignore {
        tenant_id: Uuid,
    },
    Unignore {
        tenant_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PolicyEvent {
    PolicyIgnored { tenant_id: Uuid },
    PolicyUnignored { tenant_id: Uuid },
}

impl DomainEvent for PolicyEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PolicyIgnored { .. } => "PolicyIgnored",
            Self::PolicyUnignored { .. } => "PolicyUnignored",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Another tenant's policy id: answered as if it did not exist.
    #[error("the policy does not exist")]
    NotFound,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Policy {
    tenant_id: Option<Uuid>,
    ignored: bool,
}

impl Policy {
    /// Asking for the state it is in records nothing.
    fn decide(&self, tenant_id: Uuid, ignore: bool) -> Result<Option<PolicyEvent>, PolicyError> {
        if self.tenant_id.is_some_and(|owner| owner != tenant_id) {
            return Err(PolicyError::NotFound);
        }
        Ok(match (self.ignored, ignore) {
            (false, true) => Some(PolicyEvent::PolicyIgnored { tenant_id }),
            (true, false) => Some(PolicyEvent::PolicyUnignored { tenant_id }),
            _ => None,
        })
    }
}

impl Aggregate for Policy {
    const TYPE: &'static str = "policy";
    type Command = PolicyCommand;
    type Event = PolicyEvent;
    type Error = PolicyError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            PolicyCommand::Ignore { tenant_id } => self.decide(tenant_id, true)?,
            PolicyCommand::Unignore { tenant_id } => self.decide(tenant_id, false)?,
        };
        if let Some(event) = event {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PolicyEvent::PolicyIgnored { tenant_id } => {
                self.tenant_id = Some(tenant_id);
                self.ignored = true;
            }
            PolicyEvent::PolicyUnignored { tenant_id } => {
                self.tenant_id = Some(tenant_id);
                self.ignored = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cqrs_es::test::TestFramework;

    type Given = TestFramework<Policy>;
    const TENANT: Uuid = Uuid::from_u128(1);

    #[test]
    fn ignoring_is_recorded_once_and_unignoring_undoes_it() {
        Given::with(())
            .given_no_previous_events()
            .when(PolicyCommand::Ignore { tenant_id: TENANT })
            .then_expect_events(vec![PolicyEvent::PolicyIgnored { tenant_id: TENANT }]);
        Given::with(())
            .given(vec![PolicyEvent::PolicyIgnored { tenant_id: TENANT }])
            .when(PolicyCommand::Ignore { tenant_id: TENANT })
            .then_expect_events(vec![]);
        Given::with(())
            .given(vec![PolicyEvent::PolicyIgnored { tenant_id: TENANT }])
            .when(PolicyCommand::Unignore { tenant_id: TENANT })
            .then_expect_events(vec![PolicyEvent::PolicyUnignored { tenant_id: TENANT }]);
        Given::with(())
            .given_no_previous_events()
            .when(PolicyCommand::Unignore { tenant_id: TENANT })
            .then_expect_events(vec![]);
    }

    #[test]
    fn another_tenants_policy_is_not_found() {
        Given::with(())
            .given(vec![PolicyEvent::PolicyIgnored { tenant_id: TENANT }])
            .when(PolicyCommand::Unignore {
                tenant_id: Uuid::from_u128(2),
            })
            .then_expect_error(PolicyError::NotFound);
    }
}
