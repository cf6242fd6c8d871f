//! Every route x every role x own tenant / other tenant / no token. The routes come from the
//! application's own route list (the OpenAPI document is built from it), and every operation
//! must have an entry in the policy table below: a new route cannot escape this test.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{nightly, spawn_app, TestApp, ADMIN_TOKEN};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Needs {
    Read,
    ManageTenants,
    ManageSchedules,
    OperateRuns,
    ManageTokens,
    ReadEvents,
    /// Read, with a token that sees every tenant (the matrix's other tokens are scoped).
    ReadEverything,
    /// The caller's own resources (notifications): every role, each its own.
    Own,
    /// Create, change, enable, disable, rotate and delete webhooks; redeliver (admins).
    ManageWebhooks,
    /// Read webhooks and their deliveries: admins, and auditors with a token that sees every
    /// tenant (the matrix's auditor is scoped, so only admins pass here; `webhooks_access`
    /// checks the unscoped auditor).
    ReadWebhooks,
    /// Read events, with a token that sees every tenant (likewise: only admins here).
    ReadAllEvents,
}

/// operation id -> (what it needs, whether its path names a tenant)
fn policy(operation: &str) -> Option<(Needs, bool)> {
    use Needs::*;
    Some(match operation {
        "create_tenant" => (ManageTenants, false),
        "list_tenants" => (Read, false),
        "get_tenant" => (Read, true),
        "update_tenant" | "delete_tenant" | "deactivate_tenant" | "reactivate_tenant" => {
            (ManageTenants, true)
        }
        "create_schedule" | "update_schedule" | "delete_schedule" | "enable_schedule"
        | "disable_schedule" => (ManageSchedules, true),
        "list_schedules" | "get_schedule" | "upcoming_slots" | "list_runs" | "get_run" => {
            (Read, true)
        }
        "run_now" | "retry_run" => (OperateRuns, true),
        "list_policies" | "get_policy" => (Read, true),
        "list_backup_sets" | "get_backup_set" | "list_backup_items" | "get_backup_item"
        | "diff_backup_sets" | "export_backup_set" => (Read, true),
        "list_policy_versions" | "diff_policy_versions" => (Read, true),
        "ignore_policy" | "unignore_policy" => (ManageSchedules, true),
        "list_policy_types" => (Read, false),
        "create_token" | "list_tokens" | "revoke" => (ManageTokens, false),
        "list_events" => (ReadEvents, false),
        "delete_backup_set" | "undelete_backup_set" => (ManageTenants, true),
        "metrics" => (ReadEverything, false),
        "schedule_events" => (ReadEvents, true),
        "list_notifications" | "mark_notification_read" | "mark_all_notifications_read" | "me" => {
            (Own, false)
        }
        "run_events" | "tenant_events" => (ReadEvents, true),
        "export_events" => (ReadEvents, false),
        "create_webhook"
        | "update_webhook"
        | "delete_webhook"
        | "enable_webhook"
        | "disable_webhook"
        | "rotate_webhook_secret"
        | "redeliver_webhook_message" => (ManageWebhooks, false),
        "list_webhooks" | "get_webhook" | "list_webhook_deliveries" | "get_webhook_message" => {
            (ReadWebhooks, false)
        }
        "verify_event_log" => (ReadAllEvents, false),
        "plan_restore" => (OperateRuns, true),
        "list_restores" | "get_restore" | "list_restore_items" | "get_restore_item" => (Read, true),
        "approve_restore" | "apply_restore" => (ManageTenants, true),
        _ => return None,
    })
}

fn role_allows(role: &str, needs: Needs) -> bool {
    match role {
        "admin" => true,
        "operator" => matches!(
            needs,
            Needs::Read | Needs::ManageSchedules | Needs::OperateRuns | Needs::Own
        ),
        "auditor" => matches!(needs, Needs::Read | Needs::ReadEvents | Needs::Own),
        "viewer" => matches!(needs, Needs::Read | Needs::Own),
        _ => false,
    }
}

struct Fixture {
    tenant: String,
    schedule: String,
    run: String,
    policy: String,
    backup_set: String,
    /// A second set for the admin-only delete and undelete, so that deleting one does not
    /// hide the set the read operations look at.
    spare_set: String,
    webhook: String,
    /// A message of the webhook (`msg_...`), as the fan-out writes it.
    message: String,
    /// A planned restore of one item (planning a real one needs Graph).
    restore: String,
}

/// A restore planned from `set` with one unchanged item, recorded as the API records one.
async fn planned_restore(app: &TestApp, tenant: &str, set: &str) -> String {
    use tenantpilot::domain::restore::{ItemAction, PlanRestore, PlannedItem, RestoreCommand};
    let id = uuid::Uuid::now_v7();
    let tenant_id: uuid::Uuid = tenant.parse().unwrap();
    let mut client = app.pool.get().await.unwrap();
    let transaction = client.transaction().await.unwrap();
    let now = chrono::Utc::now();
    tenantpilot::restore::rows::execute(
        &transaction,
        &tenantpilot::store::upcasters(),
        id,
        RestoreCommand::Plan(Box::new(PlanRestore {
            restore_id: id,
            tenant_id,
            source_tenant_id: tenant_id,
            source_backup_set_id: set.parse().unwrap(),
            selection: Default::default(),
            group_mapping: Default::default(),
            group_matches: Vec::new(),
            // one item, under the id the matrix puts in `{item_id}`
            items: vec![PlannedItem {
                item_id: tenantpilot::backup::items::item_id("settingsCatalog", "graph-1"),
                policy_type: "settingsCatalog".to_owned(),
                source_graph_id: "graph-1".to_owned(),
                display_name: "Baseline".to_owned(),
                action: ItemAction::Unchanged,
                reason: None,
                target_id: Some("graph-1".to_owned()),
                live_hash: None,
                changes: Vec::new(),
                unmapped_assignments: Vec::new(),
            }],
            now,
        })),
        &tenantpilot::store::EventMetadata::system("test", "matrix", now).for_tenant(tenant_id),
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    id.to_string()
}

/// A webhook to a public address (the matrix's app does not allow private ones), with one
/// message queued for it.
async fn webhook_with_message(app: &TestApp) -> (String, String) {
    let created: Value = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://93.184.216.34/hook", "event_types": ["*"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let webhook = created["id"].as_str().unwrap().to_owned();
    let message = uuid::Uuid::now_v7();
    app.pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO webhook_messages (id, webhook_id, event_position, event_type, body,
                                           status, created_at, finished_at)
             VALUES ($1, $2::text::uuid, 1, 'backup_schedule.changed', '{}', 'delivered',
                     now(), now())",
            &[&message, &webhook],
        )
        .await
        .unwrap();
    (webhook, format!("msg_{}", message.simple()))
}

/// An inventory row, as a run's sync writes it.
async fn synced_policy(app: &TestApp, tenant: &str) -> String {
    let id = uuid::Uuid::now_v7();
    app.pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO policies (id, tenant_id, policy_type, graph_id, display_name,
                                   content_hash, is_foundation, first_seen_at, last_changed_at)
             VALUES ($1, $2::text::uuid, 'settingsCatalog', 'graph-1', 'Baseline', 'h',
                     false, now(), now())",
            &[&id, &tenant],
        )
        .await
        .unwrap();
    id.to_string()
}

/// A backup set of one item, as a run writes it.
async fn stored_set(app: &TestApp, tenant: &str, schedule: &str) -> String {
    let (id, client) = (uuid::Uuid::now_v7(), app.pool.get().await.unwrap());
    let items = json!([{"policy_type": "settingsCatalog", "graph_id": "graph-1",
        "display_name": "Baseline", "content_hash": "h", "is_foundation": false}]);
    client
        .batch_execute(
            "INSERT INTO content_blobs (hash, content) VALUES ('h', '{}') ON CONFLICT DO NOTHING",
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO backup_trees (hash, items) VALUES ('t', $1) ON CONFLICT DO NOTHING;",
            &[&items],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO backup_sets (id, tenant_id, schedule_id, run_id, name, status, tree_hash,
                                      item_count, foundation_count, counts, created_at)
             VALUES ($1, $2::text::uuid, $3::text::uuid, $4, 'Nightly - 2026-11-26 03:30',
                     'completed', 't', 1, 0, '{\"settingsCatalog\": 1}', now())",
            &[&id, &tenant, &schedule, &uuid::Uuid::now_v7()],
        )
        .await
        .unwrap();
    id.to_string()
}

/// A notification of `principal`, as the notifier writes it (each role marks its own).
async fn own_notification(app: &TestApp, principal: &str) -> String {
    let id = uuid::Uuid::new_v4();
    app.pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO notifications (id, principal, kind, title, message, source_position,
                                        created_at)
             VALUES ($1, $2, 'webhook_disabled', 't', 'm', 1, now())",
            &[&id, &principal],
        )
        .await
        .unwrap();
    id.to_string()
}

async fn fixture(app: &TestApp, name: &str) -> Fixture {
    let tenant = app.create_tenant(name).await;
    let tenant = tenant["id"].as_str().unwrap().to_owned();
    let schedule: Value = app
        .create_schedule(&tenant, &nightly("Nightly"))
        .await
        .json()
        .await
        .unwrap();
    let schedule = schedule["id"].as_str().unwrap().to_owned();
    let run: Value = app
        .post_empty(&format!(
            "/api/v1/tenants/{tenant}/backup-schedules/{schedule}/run-now"
        ))
        .await
        .json()
        .await
        .unwrap();
    let (webhook, message) = webhook_with_message(app).await;
    let backup_set = stored_set(app, &tenant, &schedule).await;
    Fixture {
        webhook,
        message,
        restore: planned_restore(app, &tenant, &backup_set).await,
        policy: synced_policy(app, &tenant).await,
        backup_set,
        spare_set: stored_set(app, &tenant, &schedule).await,
        tenant,
        schedule,
        run: run["id"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn every_route_answers_every_role_and_tenant_as_the_policy_says() {
    let app = spawn_app().await;
    let own = fixture(&app, "Own").await;
    let other = fixture(&app, "Other").await;
    let mut tokens = vec![("admin".to_owned(), Some(ADMIN_TOKEN.to_owned()))];
    let mut notifications = std::collections::BTreeMap::from([(
        "admin",
        own_notification(&app, "bootstrap-admin").await,
    )]);
    for role in ["operator", "auditor", "viewer"] {
        let (token_id, token) = app.issue_token(role, Some(vec![own.tenant.as_str()])).await;
        tokens.push((role.to_owned(), Some(token)));
        notifications.insert(role, own_notification(&app, &token_id).await);
    }
    tokens.push(("none".to_owned(), None));

    let document = serde_json::to_value(tenantpilot::api::openapi_document()).unwrap();
    let mut seen = BTreeSet::new();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let operation_id = operation["operationId"].as_str().unwrap();
            if !path.starts_with("/api/") {
                assert!(
                    matches!(operation_id, "healthz" | "readyz"),
                    "{operation_id} is public?"
                );
                let status = app.as_token(None).get(path).await.status();
                assert_eq!(status, 200, "{path} is public");
                continue;
            }
            seen.insert(operation_id.to_owned());
            let (needs, tenant_scoped) = policy(operation_id).unwrap_or_else(|| {
                panic!("no access policy for {operation_id}: add it to the table")
            });
            let fixtures: &[(&str, &Fixture)] = if tenant_scoped {
                &[("own", &own), ("other", &other)]
            } else {
                &[("own", &own)]
            };
            for (relation, fixture) in fixtures {
                for (role, token) in &tokens {
                    let path =
                        if matches!(operation_id, "delete_backup_set" | "undelete_backup_set") {
                            path.replace("{backup_set_id}", &fixture.spare_set)
                        } else {
                            path.clone()
                        };
                    let own_notification = notifications.get(role.as_str());
                    let path = path.replace(
                        "{notification_id}",
                        own_notification.map_or("00000000-0000-0000-0000-000000000000", |id| id),
                    );
                    let target = concrete(&app, &path, fixture).await;
                    let status =
                        call(&app.as_token(token.as_deref()), method, &target, operation).await;
                    let expected = match (role.as_str(), *relation) {
                        ("none", _) => Expect::Status(401),
                        ("admin", _) => Expect::Allowed,
                        (_, "other") => Expect::Status(404),
                        (role, _) if role_allows(role, needs) => Expect::Allowed,
                        _ => Expect::Status(403),
                    };
                    match expected {
                        Expect::Status(code) => assert_eq!(
                            status, code,
                            "{method} {target} as {role} ({relation} tenant)"
                        ),
                        Expect::Allowed => assert!(
                            ![401, 403, 404].contains(&status),
                            "{method} {target} as {role} ({relation} tenant) was refused with {status}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
    }
    let in_table: BTreeSet<String> = [
        "create_tenant",
        "list_tenants",
        "get_tenant",
        "update_tenant",
        "delete_tenant",
        "deactivate_tenant",
        "reactivate_tenant",
        "create_schedule",
        "update_schedule",
        "delete_schedule",
        "enable_schedule",
        "disable_schedule",
        "list_schedules",
        "get_schedule",
        "upcoming_slots",
        "list_runs",
        "get_run",
        "run_now",
        "retry_run",
        "list_policies",
        "get_policy",
        "list_backup_sets",
        "get_backup_set",
        "list_backup_items",
        "get_backup_item",
        "diff_backup_sets",
        "export_backup_set",
        "list_policy_versions",
        "diff_policy_versions",
        "ignore_policy",
        "unignore_policy",
        "list_policy_types",
        "create_token",
        "list_tokens",
        "revoke",
        "list_events",
        "schedule_events",
        "run_events",
        "tenant_events",
        "export_events",
        "metrics",
        "delete_backup_set",
        "undelete_backup_set",
        "list_notifications",
        "mark_notification_read",
        "mark_all_notifications_read",
        "me",
        "create_webhook",
        "list_webhooks",
        "get_webhook",
        "update_webhook",
        "delete_webhook",
        "enable_webhook",
        "disable_webhook",
        "rotate_webhook_secret",
        "list_webhook_deliveries",
        "get_webhook_message",
        "redeliver_webhook_message",
        "verify_event_log",
        "plan_restore",
        "list_restores",
        "get_restore",
        "list_restore_items",
        "get_restore_item",
        "approve_restore",
        "apply_restore",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(seen, in_table, "the policy table and the routes differ");
    assert!(checked >= 200, "checked {checked} combinations");
}

enum Expect {
    Status(u16),
    Allowed,
}

/// Fills the path's ids with the fixture's resources. Revoking gets a fresh token each time.
async fn concrete(app: &TestApp, path: &str, fixture: &Fixture) -> String {
    let mut target = path
        .replace("{tenant_id}", &fixture.tenant)
        .replace("{schedule_id}", &fixture.schedule)
        .replace("{run_id}", &fixture.run)
        .replace("{policy_id}", &fixture.policy)
        .replace("{backup_set_id}", &fixture.backup_set)
        .replace("{webhook_id}", &fixture.webhook)
        .replace("{message_id}", &fixture.message)
        .replace("{restore_id}", &fixture.restore)
        .replace(
            "{item_id}",
            &tenantpilot::backup::items::item_id("settingsCatalog", "graph-1").to_string(),
        );
    if target.contains("{token_id}") {
        let (token_id, _) = app.issue_token("viewer", None).await;
        target = target.replace("{token_id}", &token_id);
    }
    target
}

/// Sends the operation with an empty JSON object as body where it takes one, and a stale
/// `If-Match`, so that an allowed write is refused by validation or the precondition and
/// the fixture survives the matrix.
async fn call(app: &TestApp, method: &str, target: &str, operation: &Value) -> u16 {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = app.request(method, target).header("If-Match", "\"999999\"");
    if operation.get("requestBody").is_some() {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if [401, 403, 404].contains(&status) {
        if status == 401 {
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{target}: 401 without challenge"
            );
        }
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{target}: refusals are problem+json"
        );
    }
    status
}
