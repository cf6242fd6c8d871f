//! The sender: claims due messages, sends each attempt in a task of its own, records the
//! outcomes in batches. In flight at once: `concurrency` attempts in all and at most
//! `per_endpoint_concurrency` to one webhook, so a slow or dead endpoint ties up only its
//! own share while the others keep being served. No database connection is held during an
//! HTTP call.

mod attempt;
mod claim;
mod disable;
mod record;

pub use attempt::{AttemptError, Outcome};
pub use claim::{message_key, parse_message_key, Claimed};
pub use disable::{disable, DisableError};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::{Id, JoinSet};
use uuid::Uuid;

use super::secrets;
use super::settings::WebhookSettings;
use super::signing::SigningSecret;
use crate::clock::Clock;
use crate::secrets::SecretCipher;
use crate::store::{upcasters, AppendSignal};

/// Outcomes recorded in one transaction at most.
const RECORD_BATCH: usize = 500;
/// How often a batch whose recording failed is tried again before it is given up (its
/// leases then run out and its messages are sent again).
const RECORD_TRIES: u32 = 5;

pub struct Sender {
    pool: Pool,
    http: reqwest::Client,
    cipher: SecretCipher,
    clock: Arc<dyn Clock>,
    settings: WebhookSettings,
    upcasters: Vec<Box<dyn EventUpcaster>>,
    appends: AppendSignal,
    /// Opened secrets by row id (rows never change; a rotation makes a new one).
    secrets: Mutex<HashMap<Uuid, Arc<SigningSecret>>>,
}

/// Claimed attempts with the secrets to sign them (`None`: they cannot be opened).
type Batch = Vec<(Claimed, Option<Vec<Arc<SigningSecret>>>)>;

impl Sender {
    pub fn new(
        pool: Pool,
        cipher: SecretCipher,
        clock: Arc<dyn Clock>,
        settings: WebhookSettings,
        appends: AppendSignal,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            http: attempt::client(&settings)?,
            pool,
            cipher,
            clock,
            settings,
            upcasters: upcasters(),
            appends,
            secrets: Mutex::new(HashMap::new()),
        })
    }

    /// Sends until `shutdown`, then lets the attempts in flight finish (each is bounded by
    /// the timeout) and records them.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        let (outcomes, received) = mpsc::unbounded_channel::<Outcome>();
        let recorder = tokio::spawn(self.clone().record_loop(received));
        let total = self.settings.concurrency.max(1);
        let per_endpoint = self.settings.per_endpoint_concurrency.max(1);
        let mut busy: HashMap<Uuid, usize> = HashMap::new();
        let mut tasks: HashMap<Id, Uuid> = HashMap::new();
        let mut sending = JoinSet::new();
        let mut look = true;
        // whether finished attempts may make room for waiting work
        let mut hungry = false;
        let mut pause = self.settings.poll;
        loop {
            if look && sending.len() < total {
                match self.claim_round(&busy, total - sending.len()).await {
                    Ok(batch) => {
                        pause = self.settings.poll;
                        let claimed_any = !batch.is_empty();
                        for (claimed, signing) in batch {
                            *busy.entry(claimed.webhook_id).or_default() += 1;
                            let webhook_id = claimed.webhook_id;
                            let handle = sending.spawn(self.clone().send(
                                claimed,
                                signing,
                                outcomes.clone(),
                            ));
                            tasks.insert(handle.id(), webhook_id);
                        }
                        hungry = claimed_any
                            || sending.len() >= total
                            || busy.values().any(|count| *count >= per_endpoint);
                    }
                    Err(error) => {
                        pause = (pause * 2).min(Duration::from_secs(30));
                        tracing::error!(%error, retry_in_ms = pause.as_millis() as u64,
                            "claiming webhook messages failed");
                    }
                }
            }
            tokio::select! {
                Some(done) = sending.join_next_with_id(), if !sending.is_empty() => {
                    finished(&mut busy, &mut tasks, done);
                    while let Some(done) = sending.try_join_next_with_id() {
                        finished(&mut busy, &mut tasks, done);
                    }
                    look = hungry;
                }
                () = wake.notified() => look = true,
                () = tokio::time::sleep(pause) => look = true,
                _ = shutdown.changed() => break,
            }
        }
        while let Some(done) = sending.join_next_with_id().await {
            finished(&mut busy, &mut tasks, done);
        }
        drop(outcomes);
        let _ = recorder.await;
    }

    /// Claims what fits and finds each claim's signing secrets; the connection goes back to
    /// the pool before anything is sent.
    async fn claim_round(
        &self,
        busy: &HashMap<Uuid, usize>,
        room: usize,
    ) -> Result<Batch, Box<dyn std::error::Error + Send + Sync>> {
        let now = self.clock.now();
        let client = self.pool.get().await?;
        let claimed = claim::claim(
            &client,
            busy,
            self.settings.per_endpoint_concurrency.max(1),
            room,
            self.settings.lease,
            now,
        )
        .await?;
        let mut batch = Vec::with_capacity(claimed.len());
        for claimed in claimed {
            let mut ids = vec![claimed.secret_id];
            if let (Some(previous), Some(until)) =
                (claimed.previous_secret_id, claimed.previous_expires_at)
            {
                if until > now {
                    ids.push(previous);
                }
            }
            let signing = self
                .signing_secrets(&client, claimed.webhook_id, &ids)
                .await;
            batch.push((claimed, signing));
        }
        Ok(batch)
    }

    /// The opened secrets `ids`, in that order (the current one first), from the cache or
    /// the database; `None` when the current one cannot be opened.
    async fn signing_secrets(
        &self,
        client: &deadpool_postgres::Client,
        webhook_id: Uuid,
        ids: &[Uuid],
    ) -> Option<Vec<Arc<SigningSecret>>> {
        let missing: Vec<Uuid> = {
            let cache = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
            ids.iter()
                .filter(|id| !cache.contains_key(id))
                .copied()
                .collect()
        };
        if !missing.is_empty() {
            match secrets::load(client, &self.cipher, webhook_id, &missing).await {
                Ok(opened) => {
                    let mut cache = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
                    for (id, secret) in opened {
                        cache.insert(id, Arc::new(secret));
                    }
                }
                Err(error) => {
                    tracing::error!(%error, webhook.id = %webhook_id,
                        "a webhook signing secret cannot be opened");
                }
            }
        }
        let cache = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        let current = cache.get(ids.first()?)?.clone();
        let mut found = vec![current];
        found.extend(ids[1..].iter().filter_map(|id| cache.get(id).cloned()));
        Some(found)
    }

    /// One attempt, its outcome handed to the recorder; returns the webhook it went to.
    async fn send(
        self: Arc<Self>,
        claimed: Claimed,
        signing: Option<Vec<Arc<SigningSecret>>>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Uuid {
        let webhook_id = claimed.webhook_id;
        let outcome = attempt::send(
            &self.http,
            claimed,
            signing,
            self.settings.allow_private,
            self.clock.now(),
        )
        .await;
        // the recorder outlives every send (it ends when the last sender of the channel goes)
        let _ = outcomes.send(outcome);
        webhook_id
    }

    async fn record_loop(self: Arc<Self>, mut received: mpsc::UnboundedReceiver<Outcome>) {
        while let Some(first) = received.recv().await {
            let mut batch = vec![first];
            while batch.len() < RECORD_BATCH {
                match received.try_recv() {
                    Ok(outcome) => batch.push(outcome),
                    Err(_) => break,
                }
            }
            self.record_batch(&batch).await;
        }
    }

    async fn record_batch(&self, batch: &[Outcome]) {
        let mut pause = Duration::from_millis(100);
        for tries in 1..=RECORD_TRIES {
            let recorded = record::record(
                &self.pool,
                batch,
                &self.settings.retry_schedule,
                self.settings.failing_window,
                self.clock.now(),
            )
            .await;
            match recorded {
                Ok(disables) => {
                    for (webhook_id, reason) in disables {
                        self.disable(webhook_id, reason).await;
                    }
                    return;
                }
                Err(error) if tries < RECORD_TRIES => {
                    tracing::warn!(%error, retry_in_ms = pause.as_millis() as u64,
                        "recording webhook attempts failed");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(error) => tracing::error!(%error, attempts = batch.len(),
                    "webhook attempts could not be recorded; they are sent again when their \
                     leases run out"),
            }
        }
    }

    async fn disable(&self, webhook_id: Uuid, reason: crate::domain::webhook::DisableWebhook) {
        let why = reason.reason.as_str();
        match disable(
            &self.pool,
            &self.upcasters,
            webhook_id,
            reason,
            self.clock.now(),
        )
        .await
        {
            Ok(true) => {
                tracing::warn!(webhook.id = %webhook_id, reason = why, "webhook disabled");
                // this process's consumers project the event at once
                self.appends.wake();
            }
            Ok(false) => {}
            Err(error) => {
                tracing::error!(%error, webhook.id = %webhook_id, reason = why,
                    "a webhook could not be disabled; the next attempt tries again")
            }
        }
    }
}

/// Frees the finished attempt's share of its endpoint.
fn finished(
    busy: &mut HashMap<Uuid, usize>,
    tasks: &mut HashMap<Id, Uuid>,
    done: Result<(Id, Uuid), tokio::task::JoinError>,
) {
    let id = match &done {
        Ok((id, _)) => *id,
        Err(error) => {
            tracing::error!(%error, "a webhook attempt task failed");
            error.id()
        }
    };
    let Some(webhook_id) = tasks.remove(&id) else {
        return;
    };
    if let Some(count) = busy.get_mut(&webhook_id) {
        *count -= 1;
        if *count == 0 {
            busy.remove(&webhook_id);
        }
    }
}
