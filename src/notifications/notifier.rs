//! The consumer that turns events into notifications: in the transaction that advances its
//! checkpoint, it decides whether an event calls for one, names its subject from the read
//! models, and inserts one row per recipient.

use deadpool_postgres::Transaction;

use super::notice::{Subject, Trigger};
use super::recipients::deliver;
use crate::db::CachedStatements;
use crate::projections::{ConsumerError, EventHandler};
use crate::store::StoredEvent;

/// The checkpoint name of the notifier.
pub const NOTIFICATIONS: &str = "notifications";

pub struct Notifier;

impl EventHandler for Notifier {
    async fn handle(
        &self,
        transaction: &Transaction<'_>,
        event: &StoredEvent,
    ) -> Result<(), ConsumerError> {
        let Some(trigger) = Trigger::of(event)? else {
            return Ok(());
        };
        let subject = subject_of(transaction, &trigger).await?;
        let Some(notice) = trigger.notice(&subject) else {
            // immutable, so unfixable: logged once as the notifier passes it
            tracing::error!(
                event.position = event.position,
                event.id = %event.event_id,
                event.event_type = %event.event_type,
                "no notification: the event names no tenant"
            );
            return Ok(());
        };
        deliver(transaction, &notice, event.cursor(), event.occurred_at()).await?;
        Ok(())
    }

    /// Notifications carry their readers' `read_at`, which no event holds: emptying them
    /// for a rebuild would lose it (and tell everyone everything again).
    async fn reset(&self, _transaction: &Transaction<'_>) -> Result<(), ConsumerError> {
        Err(ConsumerError::NotRebuildable(NOTIFICATIONS))
    }
}

/// Names and ids from the read models, which the notifier never passes (it follows the
/// read-model projector's checkpoint), so they show the state after the event.
async fn subject_of(
    transaction: &Transaction<'_>,
    trigger: &Trigger,
) -> Result<Subject, ConsumerError> {
    if let Some(run_id) = trigger.run_id() {
        let row = transaction
            .query_cached(
                "SELECT r.tenant_id, t.display_name, r.schedule_id, s.name
                 FROM backup_runs r
                 LEFT JOIN tenants t ON t.id = r.tenant_id
                 LEFT JOIN backup_schedules s ON s.id = r.schedule_id
                 WHERE r.id = $1",
                &[&run_id],
            )
            .await?
            .into_iter()
            .next();
        return Ok(row.map_or_else(Subject::default, |row| Subject {
            tenant_id: row.get(0),
            tenant_name: row.get(1),
            schedule_id: row.get(2),
            schedule_name: row.get(3),
        }));
    }
    if let Some(schedule_id) = trigger.schedule_id() {
        let row = transaction
            .query_cached(
                "SELECT s.tenant_id, t.display_name, s.name
                 FROM backup_schedules s LEFT JOIN tenants t ON t.id = s.tenant_id
                 WHERE s.id = $1",
                &[&schedule_id],
            )
            .await?
            .into_iter()
            .next();
        return Ok(row.map_or_else(Subject::default, |row| Subject {
            tenant_id: row.get(0),
            tenant_name: row.get(1),
            schedule_id: Some(schedule_id),
            schedule_name: row.get(2),
        }));
    }
    if let Some(tenant_id) = trigger.tenant_id() {
        let name = transaction
            .query_cached(
                "SELECT display_name FROM tenants WHERE id = $1",
                &[&tenant_id],
            )
            .await?
            .into_iter()
            .next()
            .map(|row| row.get(0));
        return Ok(Subject {
            tenant_id: Some(tenant_id),
            tenant_name: name,
            ..Subject::default()
        });
    }
    Ok(Subject::default())
}
