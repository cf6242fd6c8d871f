//! Gives a schedule finished runs through the Run aggregate's own commands (queue, start,
//! finish), as the run creator and a worker would, so its events and read models are the
//! real ones. For the console benchmark (ui/bench/console.mjs), whose runs screen must
//! render a schedule with 1,000 runs without waiting for 1,000 real backups.
//!
//!   DATABASE_URL=... cargo run --example console_runs -- <tenant id> <schedule id> <count>

use anyhow::Context;
use chrono::{Duration, Utc};
use tenantpilot::domain::run::{QueueRun, Run, RunCommand, RunStatus, RunTrigger};
use tenantpilot::store::{AggregateStore, EventMetadata, PgEventRepository};
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tenant_id, schedule_id, count] = args.as_slice() else {
        anyhow::bail!("usage: console_runs <tenant id> <schedule id> <count>");
    };
    let tenant_id: Uuid = tenant_id.parse().context("tenant id")?;
    let schedule_id: Uuid = schedule_id.parse().context("schedule id")?;
    let count: i64 = count.parse().context("count")?;
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let pool = tenantpilot::db::prepare(&url, 4).await?;
    let runs: AggregateStore<Run> = AggregateStore::new(PgEventRepository::new(pool), ());
    let now = Utc::now();
    for index in 0..count {
        // one an hour, oldest first, ending now; every seventh failed, so the list varies
        let at = now - Duration::hours(count - index);
        let run_id = Uuid::now_v7();
        let id = run_id.to_string();
        let metadata = EventMetadata::system("worker", "console-bench", at).for_tenant(tenant_id);
        let commands = [
            RunCommand::Queue(QueueRun {
                run_id,
                schedule_id,
                tenant_id,
                trigger: RunTrigger::Scheduled,
                scheduled_for: at,
                retry_of: None,
            }),
            RunCommand::Start {
                worker: "console-bench".into(),
                now: at,
            },
            RunCommand::Finish {
                status: if index % 7 == 6 {
                    RunStatus::Failed
                } else {
                    RunStatus::Success
                },
                error_code: (index % 7 == 6).then(|| "throttled".to_owned()),
                error_message: None,
                now: at + Duration::seconds(20),
            },
        ];
        for command in commands {
            runs.execute(&id, command, &metadata, None).await?;
        }
    }
    println!("{count} runs of schedule {schedule_id}");
    Ok(())
}
