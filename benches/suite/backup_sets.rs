//! The in-process cost of the backup-set endpoints' pure parts, on two 2,000-item sets of
//! settings-catalog-like policies (40 settings each): the diff when 10% of the items changed
//! one setting and every item's settings came back in another order (the same content: its
//! hash ignores the order, so only the changed items are compared in depth), and the zip
//! writer's throughput over the same content serialized as the export does. No database:
//! the endpoints add their queries.
//!
//! `cargo bench --bench suite -- sets`.

use std::time::Instant;

use serde_json::{json, Value};
use tenantpilot::backup::diff::{diff_content, diff_trees};
use tenantpilot::backup::zip::ZipStream;
use tenantpilot::backup::{content_hash, TreeItem};

use crate::common::Report;

const ITEMS: usize = 2_000;
const SETTINGS: usize = 40;

fn policy(index: usize, changed: bool, reversed: bool) -> Value {
    let mut settings: Vec<Value> = (0..SETTINGS)
        .map(|setting| {
            let value = if changed && setting == 7 { 2 } else { 1 };
            json!({"id": setting.to_string(), "settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": format!("device_vendor_msft_policy_config_setting_{setting}"),
                "simpleSettingValue": {"value": value}}})
        })
        .collect();
    if reversed {
        settings.reverse();
    }
    json!({"id": format!("policy-{index}"), "name": format!("Policy {index}"),
           "platforms": "windows10", "technologies": "mdm", "settings": settings,
           "assignments": [{"target": {"groupId": format!("group-{}", index % 7)}}]})
}

fn tree(contents: &[Value]) -> Vec<TreeItem> {
    contents
        .iter()
        .enumerate()
        .map(|(index, content)| TreeItem {
            policy_type: "settingsCatalog".to_owned(),
            graph_id: format!("policy-{index}"),
            display_name: format!("Policy {index}"),
            content_hash: content_hash(content),
            is_foundation: false,
            last_modified: None,
        })
        .collect()
}

pub fn run(report: &mut Report) {
    let old: Vec<Value> = (0..ITEMS)
        .map(|index| policy(index, false, false))
        .collect();
    let new: Vec<Value> = (0..ITEMS)
        .map(|index| policy(index, index % 10 == 0, true))
        .collect();
    let (old_tree, new_tree) = (tree(&old), tree(&new));

    let started = Instant::now();
    let diff = diff_trees(&old_tree, &new_tree);
    let (mut really_changed, mut pointers) = (0, 0);
    for (before, _) in &diff.changed {
        let index: usize = before.graph_id["policy-".len()..].parse().unwrap_or(0);
        let changes = diff_content(&old[index], &new[index]).len();
        really_changed += usize::from(changes > 0);
        pointers += changes;
    }
    let elapsed = started.elapsed();
    report.add(
        format!("diff of two {ITEMS}-item backup sets"),
        format!(
            "{:.1} ms ({} hashes differ, {really_changed} items changed, {pointers} changes)",
            elapsed.as_secs_f64() * 1000.0,
            diff.changed.len()
        ),
        "measured",
    );

    let started = Instant::now();
    let mut zip = ZipStream::new(chrono::Utc::now());
    let mut bytes = 0usize;
    for (index, content) in new.iter().enumerate() {
        let file = serde_json::to_vec_pretty(content).unwrap_or_default();
        bytes += zip
            .entry(
                &format!("settingsCatalog/Policy_{index}__policy-{index}.json"),
                &file,
            )
            .map(|entry| entry.len())
            .unwrap_or(0);
    }
    bytes += zip.finish().map(|end| end.len()).unwrap_or(0);
    let seconds = started.elapsed().as_secs_f64();
    report.add(
        format!("export of {ITEMS} items (serialize + zip, no database)"),
        format!(
            "{:.0} MB/s ({:.1} MB in {:.1} ms)",
            bytes as f64 / 1e6 / seconds,
            bytes as f64 / 1e6,
            seconds * 1000.0
        ),
        "measured",
    );
}
