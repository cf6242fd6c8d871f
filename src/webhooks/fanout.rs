//! The fan-out: a consumer of the global feed with its own checkpoint (`webhooks`) that
//! turns each public event into one message per subscribed webhook, inserted in the
//! transaction that advances the checkpoint. A crash loses no message and makes none twice;
//! a rebuild of the read models (another checkpoint) sends nothing.

use std::sync::Arc;
use std::time::Duration;

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::mapping::{needs_run_facts, public_message, PublicMessage, RunFacts};
use super::routes::{self, Route};
use crate::clock::Clock;
use crate::db::CachedStatements;
use crate::domain::run::RunEvent;
use crate::projections::{payload, ConsumerError, EventHandler};
use crate::store::{read_filtered, upcasters, FeedCursor, FeedFilter, StoredEvent};

/// The fan-out's checkpoint name. Not among the consumers a write waits for: a webhook is
/// not a read model, and a slow fan-out must not slow the API down.
pub const WEBHOOKS: &str = "webhooks";

pub struct Fanout {
    clock: Arc<dyn Clock>,
    /// The delay before a message's first attempt (the retry schedule's first step).
    first_delay: Duration,
    upcasters: Vec<Box<dyn EventUpcaster>>,
}

impl Fanout {
    pub fn new(clock: Arc<dyn Clock>, first_delay: Duration) -> Self {
        Self {
            clock,
            first_delay,
            upcasters: upcasters(),
        }
    }

    /// What the run's stream says about it (its `RunQueued`, its `BackupCreated`).
    async fn run_facts(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<Option<RunFacts>, ConsumerError> {
        let filter = FeedFilter {
            aggregate_type: Some("run".to_owned()),
            aggregate_id: Some(event.aggregate_id.clone()),
            ..FeedFilter::default()
        };
        let stream = read_filtered(
            transaction,
            &self.upcasters,
            &filter,
            FeedCursor::START,
            1000,
        )
        .await?;
        let events = stream
            .iter()
            .filter(|stored| stored.cursor() <= event.cursor())
            .map(payload::<RunEvent>)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RunFacts::from_events(&events))
    }

    /// The public message of `event`, when any route could want one.
    async fn message(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<Option<PublicMessage>, ConsumerError> {
        let facts = if needs_run_facts(event) {
            self.run_facts(transaction, event).await?
        } else {
            None
        };
        match public_message(event, facts.as_ref()) {
            Ok(message) => Ok(message),
            Err(reason) => {
                // immutable, so unfixable: logged once as the fan-out passes it
                tracing::error!(
                    event.position = event.position,
                    event.id = %event.event_id,
                    event.event_type = %event.event_type,
                    reason,
                    "event not sent to webhooks: it cannot be read as a public event"
                );
                Ok(None)
            }
        }
    }
}

/// The messages of one batch, as column arrays for one insert.
#[derive(Default)]
struct Messages {
    ids: Vec<Uuid>,
    webhook_ids: Vec<Uuid>,
    positions: Vec<i64>,
    event_types: Vec<String>,
    tenant_ids: Vec<Uuid>,
    bodies: Vec<String>,
}

impl Messages {
    fn push(&mut self, route: &Route, event: &StoredEvent, message: &PublicMessage) {
        self.ids.push(Uuid::now_v7());
        self.webhook_ids.push(route.webhook_id);
        self.positions.push(event.position);
        self.event_types
            .push(message.event_type.as_str().to_owned());
        self.tenant_ids.push(message.tenant_id);
        self.bodies.push(message.body.clone());
    }

    async fn insert(
        &self,
        transaction: &Transaction<'_>,
        now: chrono::DateTime<chrono::Utc>,
        due: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ConsumerError> {
        if self.ids.is_empty() {
            return Ok(());
        }
        transaction
            .execute_cached(
                "INSERT INTO webhook_messages (id, webhook_id, event_position, event_type,
                                               tenant_id, body, status, next_attempt_at,
                                               created_at)
                 SELECT m.id, m.webhook_id, m.position, m.event_type, m.tenant_id, m.body,
                        'pending', $7, $8
                 FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::uuid[],
                             $6::text[]) AS m(id, webhook_id, position, event_type, tenant_id,
                                              body)
                 ON CONFLICT (webhook_id, event_position) DO NOTHING",
                &[
                    &self.ids,
                    &self.webhook_ids,
                    &self.positions,
                    &self.event_types,
                    &self.tenant_ids,
                    &self.bodies,
                    &due,
                    &now,
                ],
            )
            .await?;
        Ok(())
    }
}

impl EventHandler for Fanout {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        self.handle_batch(transaction, std::slice::from_ref(event))
            .await
    }

    async fn handle_batch(
        &self,
        transaction: &Transaction<'_>,
        events: &[StoredEvent],
    ) -> Result<(), ConsumerError> {
        let mut active = routes::active(transaction).await?;
        let mut messages = Messages::default();
        for event in events {
            if event.aggregate_type == "webhook" {
                // in order: a webhook gets the events after its creation, none after its end
                routes::apply(transaction, event).await?;
                active = routes::active(transaction).await?;
                continue;
            }
            if active.is_empty() {
                continue;
            }
            let Some(message) = self.message(transaction, event).await? else {
                continue;
            };
            for route in active.iter().filter(|route| route.receives(&message)) {
                messages.push(route, event, &message);
            }
        }
        // the first step of the retry schedule (immediate, by default)
        let now = self.clock.now();
        let due = now + chrono::Duration::from_std(self.first_delay).unwrap_or_default();
        messages.insert(transaction, now, due).await
    }

    /// Its effects are messages sent to the outside, which a rebuild must not repeat.
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(WEBHOOKS))
    }
}
