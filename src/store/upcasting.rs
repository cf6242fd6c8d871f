//! Event upcasters: how an old `event_version` of a stored event is read as the current one.
//! Stored events are never rewritten; a schema change bumps the version and adds an upcaster
//! here, which both aggregate loading and the global feed apply.

use cqrs_es::persist::{EventUpcaster, SerializedEvent};

/// Every upcaster, oldest schema change first.
pub fn upcasters() -> Vec<Box<dyn EventUpcaster>> {
    vec![Box::new(CredentialsChangedV2)]
}

/// `TenantCredentialsChanged` 1 → 2: version 2 added `retired_secret_id`, which a version 1
/// event does not know (it reads as none: nothing was retired).
struct CredentialsChangedV2;

impl EventUpcaster for CredentialsChangedV2 {
    fn can_upcast(&self, event_type: &str, event_version: &str) -> bool {
        event_type == "TenantCredentialsChanged" && event_version == "1"
    }

    fn upcast(&self, mut event: SerializedEvent) -> SerializedEvent {
        if let Some(payload) = event.payload.as_object_mut() {
            payload
                .entry("retired_secret_id")
                .or_insert(serde_json::Value::Null);
        }
        event.event_version = "2".to_owned();
        event
    }
}

/// Applies the matching upcasters to one serialized event, in order.
pub fn upcast(upcasters: &[Box<dyn EventUpcaster>], event: SerializedEvent) -> SerializedEvent {
    upcasters.iter().fold(event, |event, upcaster| {
        if upcaster.can_upcast(&event.event_type, &event.event_version) {
            upcaster.upcast(event)
        } else {
            event
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cqrs_es::persist::SemanticVersionEventUpcaster;
    use serde_json::json;

    #[test]
    fn an_upcaster_rewrites_only_the_versions_it_names() {
        let rename = SemanticVersionEventUpcaster::new(
            "ScheduleCreated",
            "2",
            Box::new(|mut payload| {
                payload["ScheduleCreated"]["label"] = json!("added by v2");
                payload
            }),
        );
        let upcasters: Vec<Box<dyn EventUpcaster>> = vec![Box::new(rename)];
        let old = SerializedEvent::new(
            "a".into(),
            1,
            "schedule".into(),
            "ScheduleCreated".into(),
            "1".into(),
            json!({"ScheduleCreated": {}}),
            json!({}),
        );
        let upcast_event = upcast(&upcasters, old);
        assert_eq!(upcast_event.event_version, "2.0.0");
        assert_eq!(
            upcast_event.payload["ScheduleCreated"]["label"],
            "added by v2"
        );
        let current = upcast(&upcasters, upcast_event.clone());
        assert_eq!(current, upcast_event);
    }
}
