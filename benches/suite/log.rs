//! A realistic event log made fast for the benchmarks that need one: a tenant, its
//! schedules, the slots they claimed and the runs those queued and started, written through
//! the store's own append path (so every event is what the service would have written).

use chrono::{DateTime, Duration, Utc};
use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::DomainEvent;
use serde::Serialize;
use tenantpilot::domain::cadence::{Cadence, TimeOfDay};
use tenantpilot::domain::run::{RunEvent, RunTrigger};
use tenantpilot::domain::schedule::{
    PolicyTypeSelection, RetentionKeepLast, Schedule, ScheduleEvent, ScheduleName,
};
use tenantpilot::domain::tenant::{TenantEvent, TenantName};
use tenantpilot::store::{EventMetadata, PgEventRepository};
use uuid::Uuid;

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct LogWriter {
    repository: PgEventRepository,
    pub tenant_id: Uuid,
    pub metadata: serde_json::Value,
}

fn serialized<E: DomainEvent + Serialize>(
    aggregate_type: &str,
    aggregate_id: Uuid,
    sequence: usize,
    event: &E,
    metadata: &serde_json::Value,
) -> SerializedEvent {
    SerializedEvent::new(
        aggregate_id.to_string(),
        sequence,
        aggregate_type.to_owned(),
        event.event_type(),
        event.event_version(),
        serde_json::to_value(event).unwrap(),
        metadata.clone(),
    )
}

pub fn schedule_created(
    schedule_id: Uuid,
    tenant_id: Uuid,
    index: usize,
    next_run_at: DateTime<Utc>,
) -> ScheduleEvent {
    ScheduleEvent::ScheduleCreated {
        schedule_id,
        tenant_id,
        name: ScheduleName::parse(&format!("Nightly {index}")).unwrap(),
        enabled: true,
        cadence: Cadence::Daily {
            times: vec![TimeOfDay::parse("02:30").unwrap()],
        },
        timezone: "Europe/Berlin".parse().unwrap(),
        policy_types: PolicyTypeSelection::parse(vec!["settingsCatalog".into()]).unwrap(),
        include_foundations: false,
        retention_keep_last: RetentionKeepLast::new(7).unwrap(),
        next_run_at: Some(next_run_at),
    }
}

impl LogWriter {
    /// Registers the tenant every schedule belongs to.
    pub async fn new(repository: PgEventRepository) -> Self {
        let tenant_id = Uuid::now_v7();
        let metadata = serde_json::to_value(
            EventMetadata::system("bench", "setup", at("2026-03-28T12:00:00Z"))
                .for_tenant(tenant_id)
                .to_map(),
        )
        .unwrap();
        let registered = TenantEvent::TenantRegistered {
            tenant_id,
            display_name: TenantName::parse("Bench").unwrap(),
            azure_tenant_id: Uuid::new_v4(),
            client_id: Uuid::new_v4(),
            client_secret_id: None,
        };
        let event = serialized("tenant", tenant_id, 1, &registered, &metadata);
        repository
            .persist::<Schedule>(&[event], None)
            .await
            .unwrap();
        Self {
            repository,
            tenant_id,
            metadata,
        }
    }

    /// `count` schedules due at `next_run_at`, created in commits of 500.
    pub async fn schedules(&self, count: usize, next_run_at: DateTime<Utc>) -> Vec<Uuid> {
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
        for (chunk_index, chunk) in ids.chunks(500).enumerate() {
            let events: Vec<SerializedEvent> = chunk
                .iter()
                .enumerate()
                .map(|(index, id)| {
                    let created = schedule_created(
                        *id,
                        self.tenant_id,
                        chunk_index * 500 + index,
                        next_run_at,
                    );
                    serialized("schedule", *id, 1, &created, &self.metadata)
                })
                .collect();
            self.repository
                .persist::<Schedule>(&events, None)
                .await
                .unwrap();
        }
        ids
    }

    /// Each schedule claims `slots` daily slots; each claim queues a run that a worker
    /// starts: (1 + slots) schedule events and 2 x slots run events per schedule.
    pub async fn history(&self, schedules: &[Uuid], slots: usize, first_slot: DateTime<Utc>) {
        for chunk in schedules.chunks(250) {
            let mut events = Vec::with_capacity(chunk.len() * slots * 3);
            for schedule_id in chunk {
                for slot in 0..slots {
                    let scheduled_for = first_slot + Duration::days(slot as i64);
                    let run_id = Uuid::now_v7();
                    let claimed = ScheduleEvent::SlotClaimed {
                        run_id,
                        scheduled_for,
                        trigger: RunTrigger::Scheduled,
                        retry_of: None,
                        next_run_at: Some(scheduled_for + Duration::days(1)),
                    };
                    events.push(serialized(
                        "schedule",
                        *schedule_id,
                        2 + slot,
                        &claimed,
                        &self.metadata,
                    ));
                    let queued = RunEvent::RunQueued {
                        run_id,
                        schedule_id: *schedule_id,
                        tenant_id: self.tenant_id,
                        trigger: RunTrigger::Scheduled,
                        scheduled_for,
                        retry_of: None,
                    };
                    events.push(serialized("run", run_id, 1, &queued, &self.metadata));
                    let started = RunEvent::RunStarted {
                        worker: "bench/1".to_owned(),
                        started_at: scheduled_for,
                    };
                    events.push(serialized("run", run_id, 2, &started, &self.metadata));
                }
            }
            self.repository
                .persist::<Schedule>(&events, None)
                .await
                .unwrap();
        }
    }
}
