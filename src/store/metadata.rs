//! What every event carries besides its payload: who, why, when, for which tenant.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// Event metadata. Never holds a secret: actors are token ids and names, not token values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMetadata {
    /// The token id, or `system:<component>` for the service's own work.
    pub actor: String,
    /// A readable name for the actor (the token's name), when there is one.
    pub actor_name: Option<String>,
    /// The HTTP request id or the scheduler tick id that led to the event.
    pub correlation_id: String,
    /// The event or command this one is a consequence of.
    pub causation_id: Option<String>,
    /// The tenant the event belongs to; also stored in its own indexed column.
    pub tenant_id: Option<Uuid>,
    /// When the command was decided, from the injected clock.
    pub occurred_at: DateTime<Utc>,
}

impl EventMetadata {
    pub fn system(component: &str, correlation_id: impl Into<String>, at: DateTime<Utc>) -> Self {
        Self {
            actor: format!("system:{component}"),
            actor_name: None,
            correlation_id: correlation_id.into(),
            causation_id: None,
            tenant_id: None,
            occurred_at: at,
        }
    }

    pub fn for_tenant(mut self, tenant_id: Uuid) -> Self {
        self.tenant_id = Some(tenant_id);
        self
    }

    pub fn caused_by(mut self, causation_id: impl Into<String>) -> Self {
        self.causation_id = Some(causation_id.into());
        self
    }

    /// The string map cqrs-es persists next to each event.
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::from([
            ("actor".to_owned(), self.actor.clone()),
            ("correlation_id".to_owned(), self.correlation_id.clone()),
            (
                "timestamp".to_owned(),
                self.occurred_at
                    .to_rfc3339_opts(SecondsFormat::Micros, true),
            ),
        ]);
        if let Some(name) = &self.actor_name {
            map.insert("actor_name".to_owned(), name.clone());
        }
        if let Some(causation) = &self.causation_id {
            map.insert("causation_id".to_owned(), causation.clone());
        }
        if let Some(tenant) = self.tenant_id {
            map.insert("tenant_id".to_owned(), tenant.to_string());
        }
        map
    }
}

/// Reads the event time back from stored metadata (projections stamp rows with it, so a
/// rebuild reproduces the same timestamps).
pub fn occurred_at(metadata: &serde_json::Value) -> Option<DateTime<Utc>> {
    metadata
        .get("timestamp")
        .and_then(|value| value.as_str())
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_its_timestamp() {
        let at = DateTime::parse_from_rfc3339("2026-03-29T01:30:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let metadata = EventMetadata::system("scheduler", "tick-1", at).for_tenant(Uuid::nil());
        let json = serde_json::to_value(metadata.to_map()).unwrap();
        assert_eq!(occurred_at(&json), Some(at));
        assert_eq!(json["actor"], "system:scheduler");
        assert_eq!(json["tenant_id"], Uuid::nil().to_string());
    }
}
