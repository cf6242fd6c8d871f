//! `tenantpilot serve --demo` as a newcomer runs it: the printed run-now line backs up the
//! simulated sample tenant, and the run ends in success with its backup set.

use std::time::Duration;

use serde_json::Value;
use tenantpilot::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::{fresh_database, http_client};

/// The words after `prefix` on the first printed line that has it.
fn after<'a>(lines: &'a [String], prefix: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|line| line.trim_start().strip_prefix(prefix))
        .map(str::trim)
}

#[tokio::test]
async fn the_demo_backs_up_its_sample_tenant_when_asked() {
    let (url, _, _database) = fresh_database().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["serve", "--demo"])
        .env("DATABASE_URL", &url)
        .env("TENANTPILOT_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        // a quick test, not a polite client: the simulator does not mind
        .env("TENANTPILOT_GRAPH_REQUESTS_PER_20S", "100000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the demo starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines = Vec::new();
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(60), stdout.next_line())
        .await
        .expect("the demo prints its instructions")
    {
        let done = line.contains("run-now");
        lines.push(line);
        if done {
            break;
        }
    }
    let token = after(&lines, "admin token:")
        .expect("an admin token")
        .to_owned();
    let run_now = lines
        .iter()
        .find(|line| line.contains("run-now"))
        .and_then(|line| line.split_whitespace().last())
        .expect("a run-now line")
        .to_owned();
    assert!(after(&lines, "Swagger UI:").is_some());
    // the console's URL, beside the token, answers the console
    let console = after(&lines, "console:")
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the console's URL")
        .to_owned();
    let page = http_client().get(&console).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/assets/app.js?v="));

    let http = http_client();
    let response = http
        .post(&run_now)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let base = run_now.split("/api/").next().unwrap();
    let mut run = Value::Null;
    for _ in 0..600 {
        run = http
            .get(format!("{base}{location}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if run["status"] != "queued" && run["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(run["status"], "success", "{run:#}");
    assert!(run["backup_set"]["item_count"].as_u64().unwrap() > 200);
    assert!(run["backup_set"]["foundation_count"].as_u64().unwrap() > 0);
    // the sample tenant holds every catalog type and foundation, and each is backed up
    for kind in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
        let fetched = run["sync_report"][kind.key]["fetched"]
            .as_u64()
            .unwrap_or(0);
        assert!(fetched > 0, "{}: {:#}", kind.key, run["sync_report"]);
        // every kind the sample tenant serves is one the client knows
        let warnings = run["sync_report"][kind.key]["warnings"].to_string();
        assert!(
            !warnings.contains("is not one this client knows"),
            "{}: {warnings}",
            kind.key
        );
    }
    // the second simulated tenant (an empty one to restore into) registers as printed
    let mut registration = None;
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
        .await
        .expect("the demo prints the second tenant")
    {
        if let Some(body) = line.trim().strip_prefix("-d '") {
            registration = Some(body.trim_end_matches('\'').to_owned());
            break;
        }
    }
    let body: Value = serde_json::from_str(&registration.expect("a registration body")).unwrap();
    let response = http
        .post(format!("{base}/api/v1/tenants"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let tenant: Value = response.json().await.unwrap();
    assert_eq!(
        tenant["display_name"], "Fabrikam (simulated, empty)",
        "{tenant:#}"
    );
    let _ = child.kill().await;
}
