//! Two simulated tenants in one simulator, both registered, and the helpers restores need.

use std::time::Duration;

use serde_json::{json, Value};
use tenantpilot::graph_sim::{default_roles, RunningSimulator, TenantConfig};

use crate::graph_world::{graph_settings, register, start_simulator, tenant_config};
use crate::helpers::{spawn_app_with, TestApp};

/// The types the restore tests back up and write: one of each write style.
pub const TYPES: &[&str] = &[
    "deviceConfigurations",
    "settingsCatalog",
    "deviceCompliancePolicies",
    "administrativeTemplates",
    "powershellScripts",
];

/// Read and write permissions for every restorable type, and the group reads a mapping by
/// name needs.
pub fn write_roles() -> Vec<String> {
    let mut roles = default_roles();
    for role in tenantpilot::graph_sim::write_roles()
        .into_iter()
        .chain(["Group.Read.All".to_owned()])
    {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

pub fn source_tenant(per_type: usize) -> TenantConfig {
    let counts: Vec<(&str, usize)> = TYPES.iter().map(|key| (*key, per_type)).collect();
    let mut tenant = tenant_config(&counts);
    tenant.roles = write_roles();
    tenant
}

pub struct RestoreWorld {
    pub app: TestApp,
    pub sim: RunningSimulator,
    pub source: TenantConfig,
    pub source_id: String,
    pub target: TenantConfig,
    pub target_id: String,
}

impl RestoreWorld {
    /// `source` with its objects, an empty `target`; extra settings for the app.
    pub async fn new(
        source: TenantConfig,
        target: TenantConfig,
        extra: &[(&'static str, &'static str)],
    ) -> Self {
        let sim = start_simulator(vec![source.clone(), target.clone()]).await;
        let settings = graph_settings(&sim);
        let extra: Vec<(&'static str, &'static str)> = extra.to_vec();
        let app = spawn_app_with(move |name| {
            extra
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
                .or_else(|| match name {
                    // fast pacing: the tests are about what is written, the bench about pace
                    "TENANTPILOT_GRAPH_REQUESTS_PER_20S" => Some("100000".to_owned()),
                    "TENANTPILOT_GRAPH_WRITES_PER_20S" => Some("100000".to_owned()),
                    "TENANTPILOT_LEASE_SECONDS" => Some("3".to_owned()),
                    _ => settings(name),
                })
        })
        .await;
        let source_id = register(&app, &source).await;
        let target_id = register(&app, &target).await;
        Self {
            app,
            sim,
            source,
            source_id,
            target,
            target_id,
        }
    }

    /// Backs up `tenant_id` (the types of `TYPES`); returns the new set's id.
    pub async fn back_up(&self, tenant_id: &str, name: &str) -> String {
        self.back_up_types(tenant_id, name, TYPES, false).await
    }

    /// Backs up `types` of `tenant_id`, with the foundations or not; returns the set's id.
    pub async fn back_up_types(
        &self,
        tenant_id: &str,
        name: &str,
        types: &[&str],
        foundations: bool,
    ) -> String {
        let body = json!({
            "name": name, "cadence": {"kind": "daily", "times": ["02:30"]},
            "timezone": "Europe/Berlin", "policy_types": types,
            "include_foundations": foundations, "retention_keep_last": 7,
        });
        let response = self.app.create_schedule(tenant_id, &body).await;
        assert_eq!(response.status(), 201, "schedule created");
        let schedule: Value = response.json().await.unwrap();
        let path = format!(
            "/api/v1/tenants/{tenant_id}/backup-schedules/{}",
            schedule["id"].as_str().unwrap()
        );
        let response = self.app.post_empty(&format!("{path}/run-now")).await;
        assert_eq!(response.status(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let run =
            crate::graph_world::finished_within(&self.app, &location, Duration::from_secs(120))
                .await;
        assert_eq!(run["status"], "success", "{run}");
        run["backup_set_id"].as_str().expect("a set").to_owned()
    }

    /// Plans a restore into `tenant_id`; returns the status and the answer.
    pub async fn plan(&self, tenant_id: &str, body: &Value) -> (u16, Value) {
        let response = self
            .app
            .post(&format!("/api/v1/tenants/{tenant_id}/restores"), body)
            .await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        if status == 201 {
            return (status, self.with_items(tenant_id, answer).await);
        }
        (status, answer)
    }

    /// Every item of a restore, walked page by page (pages of 7, so that the tests' plans
    /// take several).
    pub async fn items(&self, tenant_id: &str, restore_id: &str) -> Vec<Value> {
        let path = format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}/items?limit=7");
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(cursor) => format!("{path}&cursor={cursor}"),
                None => path.clone(),
            };
            let response = self.app.get(&url).await;
            assert_eq!(response.status(), 200, "{url}");
            let page: Value = response.json().await.unwrap();
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    /// The restore with its items under `items`, as the tests read it.
    async fn with_items(&self, tenant_id: &str, mut restore: Value) -> Value {
        let id = restore["id"].as_str().expect("a restore id").to_owned();
        restore["items"] = Value::Array(self.items(tenant_id, &id).await);
        restore
    }

    /// Applies a planned restore and waits until it has finished; returns it with its items.
    pub async fn apply(&self, tenant_id: &str, restore_id: &str) -> Value {
        let path = format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}");
        let response = self.app.post_empty(&format!("{path}/apply")).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 202, "{body}");
        self.finished(tenant_id, restore_id, Duration::from_secs(120))
            .await
    }

    pub async fn finished(&self, tenant_id: &str, restore_id: &str, limit: Duration) -> Value {
        let path = format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}");
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            let restore: Value = self.app.get(&path).await.json().await.unwrap();
            if ["completed", "partial", "failed"]
                .contains(&restore["status"].as_str().unwrap_or(""))
            {
                return self.with_items(tenant_id, restore).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the restore {restore_id} did not finish within {limit:?}");
    }
}

/// How many items of the plan have each action (checked against the restore's own counts).
pub fn actions(restore: &Value) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for item in restore["items"].as_array().expect("items") {
        *counts
            .entry(item["action"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    for (action, counted) in restore["counts"]["actions"].as_object().expect("counts") {
        let listed = counts.get(action).copied().unwrap_or(0) as u64;
        assert_eq!(counted.as_u64(), Some(listed), "counts.actions.{action}");
    }
    counts
}

/// The items that did not end applied and verified: what a failed assertion shows.
pub fn troubles(restore: &Value) -> Vec<Value> {
    restore["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| {
            item["outcome"] == "failed"
                || (item["outcome"] == "applied" && item["verification"]["verified"] != true)
        })
        .map(|item| {
            json!({"name": item["display_name"], "type": item["policy_type"], "action": item["action"],
                   "failure": item["failure"], "verification": item["verification"], "sent": item["sent"]})
        })
        .collect()
}

/// The groups of a simulated tenant by display name, read through Graph's `/groups`.
pub async fn groups_by_name(
    sim: &RunningSimulator,
    tenant: &TenantConfig,
) -> std::collections::BTreeMap<String, String> {
    groups_listed(sim, tenant).await.into_iter().collect()
}

/// Every group of a simulated tenant as (display name, id), read through Graph's `/groups`.
pub async fn groups_listed(sim: &RunningSimulator, tenant: &TenantConfig) -> Vec<(String, String)> {
    let page = crate::graph_world::graph_get(sim, tenant, "/groups?$select=id,displayName").await;
    page["value"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| {
            (
                group["displayName"].as_str().unwrap().to_owned(),
                group["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
