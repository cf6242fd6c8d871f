//! `tenantpilot restore plan|apply|show`: restores through the HTTP API of a running
//! service, so they pass the same authentication, permissions and checks as any caller.
//! The token comes from `TENANTPILOT_API_TOKEN` (not a flag: it stays out of shell history
//! and process lists).

use std::time::Duration;

use serde_json::{json, Value};

use super::RestoreCommand;

/// Where the API is and who calls it.
struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    fn from_env(url: &str) -> anyhow::Result<Self> {
        let token = std::env::var("TENANTPILOT_API_TOKEN").map_err(|_| {
            anyhow::anyhow!("set TENANTPILOT_API_TOKEN to an API token (an admin's to apply)")
        })?;
        crate::graph::install_tls_provider();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(600))
                .build()?,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            // the problem document says what and why; print it for the operator
            println!("{}", serde_json::to_string_pretty(&answer)?);
            anyhow::bail!(
                "{} {}: {}",
                status.as_u16(),
                answer["code"].as_str().unwrap_or("error"),
                answer["detail"].as_str().unwrap_or_default()
            );
        }
        Ok(answer)
    }

    /// Every item of the restore at `path`, page by page in write order.
    async fn all_items(&self, path: &str) -> anyhow::Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_path = match &cursor {
                Some(cursor) => format!("{path}/items?limit=200&cursor={cursor}"),
                None => format!("{path}/items?limit=200"),
            };
            let mut page = self.call(reqwest::Method::GET, &page_path, None).await?;
            if let Some(Value::Array(more)) = page.get_mut("items").map(Value::take) {
                items.extend(more);
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }
}

pub async fn run(command: &RestoreCommand) -> anyhow::Result<()> {
    match command {
        RestoreCommand::Plan(plan) => {
            let api = Api::from_env(&plan.api_url)?;
            let mut mapping = serde_json::Map::new();
            for pair in &plan.map_groups {
                let (source, target) = pair.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--map-group takes SOURCE_GROUP_ID=TARGET_GROUP_ID, not {pair}")
                })?;
                mapping.insert(source.to_owned(), json!(target));
            }
            let mut body = json!({
                "source_backup_set_id": plan.from_set,
                "selection": {"types": plan.types, "item_ids": plan.items},
            });
            if !mapping.is_empty() {
                body["group_mapping"] = Value::Object(mapping);
            }
            if plan.match_groups_by_name {
                body["match_groups_by_name"] = json!(true);
            }
            let planned = api
                .call(
                    reqwest::Method::POST,
                    &format!("/tenants/{}/restores", plan.tenant),
                    Some(&body),
                )
                .await?;
            println!("{}", serde_json::to_string_pretty(&planned)?);
            Ok(())
        }
        RestoreCommand::Apply(apply) => {
            let api = Api::from_env(&apply.api_url)?;
            let path = format!("/tenants/{}/restores/{}", apply.tenant, apply.restore);
            let mut restore = api
                .call(reqwest::Method::POST, &format!("{path}/apply"), None)
                .await?;
            if apply.wait {
                while !matches!(
                    restore["status"].as_str(),
                    Some("completed" | "partial" | "failed")
                ) {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    restore = api.call(reqwest::Method::GET, &path, None).await?;
                }
            }
            println!("{}", serde_json::to_string_pretty(&restore)?);
            match restore["status"].as_str() {
                Some("partial" | "failed") => {
                    anyhow::bail!("the restore ended {}", restore["status"])
                }
                _ => Ok(()),
            }
        }
        RestoreCommand::Show(show) => {
            let api = Api::from_env(&show.api_url)?;
            let path = format!("/tenants/{}/restores/{}", show.tenant, show.restore);
            let mut restore = api.call(reqwest::Method::GET, &path, None).await?;
            restore["items"] = Value::Array(api.all_items(&path).await?);
            println!("{}", serde_json::to_string_pretty(&restore)?);
            Ok(())
        }
    }
}
