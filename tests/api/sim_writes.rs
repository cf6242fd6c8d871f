//! The Graph simulator's writes over real HTTP (restore's side of Graph,
//! README "Writes"): creates answered 201 with the server's id and timestamps
//! and then read back by every read route (and by the service's own Graph client, as a
//! backup after a restore reads them), PATCH, PUT, DELETE, the assign and child actions,
//! Graph's 400/403/404, the faults of reads on writes, and the per-object write counts.
//! No database.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tenantpilot::config::SecretString;
use tenantpilot::graph::{GraphClient, GraphSettings, TenantCredentials};
use tenantpilot::graph_sim::{default_roles, Fault, RunningSimulator, TenantConfig, TenantStats};
use uuid::Uuid;

use crate::graph_sim::{http, start};

const TENANT: &str = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const CLIENT: &str = "22223333-4444-4555-8666-777788889999";
const SECRET: &str = "sim~write-secret";

const POLICIES: &str = "/deviceManagement/configurationPolicies";
const PROFILES: &str = "/deviceManagement/deviceConfigurations";
const TEMPLATES: &str = "/deviceManagement/groupPolicyConfigurations";

/// A tenant with a few objects of the Tier A types and the write roles.
fn tenant() -> TenantConfig {
    let mut tenant = TenantConfig::new(TENANT, CLIENT, SECRET);
    for key in [
        "deviceConfigurations",
        "settingsCatalog",
        "deviceCompliancePolicies",
        "compliancePolicies",
        "administrativeTemplates",
        "powershellScripts",
        "enrollmentConfigurations",
        "autopilotProfiles",
        "policySets",
        "endpointSecurityIntents",
    ] {
        tenant.counts.insert(key.into(), 3);
    }
    tenant.foundations.insert("scopeTags".into(), 2);
    tenant.foundations.insert("notificationTemplates".into(), 1);
    tenant.settings_per_policy = 6;
    tenant.definition_values_per_policy = 4;
    tenant.grant_write_roles();
    tenant
}

/// The simulator with one token.
struct Sim {
    sim: RunningSimulator,
    token: String,
}

impl Sim {
    async fn start(tenant: TenantConfig) -> Self {
        let sim = start(tenant).await;
        let token = token(&sim).await;
        Self { sim, token }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}/beta{path}", self.sim.graph_url())
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = http()
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("client-request-id", Uuid::new_v4().to_string());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Every member of a collection, following `@odata.nextLink`.
    async fn all(&self, path: &str) -> Vec<Value> {
        let mut members = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(url) = next {
            let page = self.get(&url).await;
            members.extend(page["value"].as_array().unwrap().iter().cloned());
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        members
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    fn stats(&self) -> TenantStats {
        self.sim.stats().tenant(TENANT)
    }

    async fn stop(self) {
        self.sim.stop().await;
    }
}

async fn token(sim: &RunningSimulator) -> String {
    token_for(sim, TENANT).await
}

async fn token_for(sim: &RunningSimulator, tenant: &str) -> String {
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
        .finish();
    let response = http()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.login_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn setting(definition: &str, value: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": definition,
            "choiceSettingValue": {"value": format!("{definition}_{value}"), "children": []}
        }
    })
}

fn group(id: &str) -> Value {
    json!({"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": id}})
}

/// Graph's error body: code, message and the inner request ids.
fn assert_graph_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );
    assert!(body["error"]["innerError"]["date"].is_string(), "{body}");
}

#[tokio::test]
async fn a_created_settings_catalog_policy_is_listed_and_read_with_its_settings() {
    let sim = Sim::start(tenant()).await;
    let before = sim.all(POLICIES).await.len();
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    let settings: Vec<Value> = (0..30)
        .map(|i| setting(&format!("device_vendor_msft_policy_config_s{i}"), "1"))
        .collect();
    let (status, created) = sim
        .post(POLICIES, json!({"name": "Restored baseline", "description": "from backup", "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"], "settings": settings}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(Uuid::parse_str(&id).is_ok(), "a GUID: {id}");
    let at =
        chrono::DateTime::parse_from_rfc3339(created["createdDateTime"].as_str().unwrap()).unwrap();
    assert!(at >= started);
    assert_eq!(created["lastModifiedDateTime"], created["createdDateTime"]);
    assert_eq!(created["settingCount"], 30);
    assert!(
        created.get("settings").is_none(),
        "settings are a child collection"
    );

    // listed (with $select, the restore's exactly-once lookup) and read like any object
    let listed = sim
        .all(&format!("{POLICIES}?$select=id,name,createdDateTime"))
        .await;
    assert_eq!(listed.len(), before + 1);
    let entry = listed.iter().find(|p| p["id"] == id.as_str()).unwrap();
    assert_eq!(entry["name"], "Restored baseline");
    assert_eq!(entry["createdDateTime"], created["createdDateTime"]);
    assert!(
        entry.get("description").is_none(),
        "$select applies: {entry}"
    );
    let detail = sim.get(&format!("{POLICIES}/{id}")).await;
    assert_eq!(detail["description"], "from backup");
    // the settings page at 25, as Graph's
    let read = sim.all(&format!("{POLICIES}/{id}/settings")).await;
    assert_eq!(read.len(), 30);
    assert_eq!(
        read[29]["settingInstance"]["settingDefinitionId"],
        "device_vendor_msft_policy_config_s29"
    );
    assert_eq!(read[0]["id"], "0");
    let expanded = sim.get(&format!("{POLICIES}/{id}?$expand=settings")).await;
    assert_eq!(expanded["settings"].as_array().unwrap().len(), 30);
    assert!(sim
        .all(&format!("{POLICIES}/{id}/assignments"))
        .await
        .is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn patch_changes_what_get_answers_and_put_replaces_settings() {
    let sim = Sim::start(tenant()).await;
    let profile = sim.all(PROFILES).await[0].clone();
    let id = profile["id"].as_str().unwrap();
    let (status, body) = sim
        .send(Method::PATCH, &format!("{PROFILES}/{id}"), Some(json!({"@odata.type": profile["@odata.type"], "displayName": "Renamed by restore", "description": "patched"})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after = sim.get(&format!("{PROFILES}/{id}")).await;
    assert_eq!(after["displayName"], "Renamed by restore");
    assert_eq!(after["description"], "patched");
    assert_eq!(after["version"], profile["version"].as_u64().unwrap() + 1);
    assert_ne!(
        after["lastModifiedDateTime"],
        profile["lastModifiedDateTime"]
    );
    assert_eq!(after["createdDateTime"], profile["createdDateTime"]);
    // the admin API's mutate still changes a written object's content
    let index = sim
        .sim
        .handle()
        .objects(TENANT, "deviceConfigurations")
        .unwrap()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap()
        .index;
    sim.sim
        .mutate(TENANT, "deviceConfigurations", index)
        .unwrap();
    let mutated = sim.get(&format!("{PROFILES}/{id}")).await;
    assert_eq!(mutated["description"], "patched (rev 1)");
    assert_eq!(mutated["version"], after["version"].as_u64().unwrap() + 1);
    let listed = sim.all(PROFILES).await;
    assert_eq!(
        listed
            .iter()
            .filter(|p| p["displayName"] == "Renamed by restore")
            .count(),
        1
    );
    // what PATCH did not name stays
    let kept: Vec<&String> = profile
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| {
            ![
                "displayName",
                "description",
                "version",
                "lastModifiedDateTime",
            ]
            .contains(&k.as_str())
        })
        .collect();
    for key in kept {
        assert_eq!(after[key], profile[key], "{key}");
    }

    // settings catalog: PATCH with settings is refused (TF #2488), PUT replaces them
    let policy = sim.all(POLICIES).await[1].clone();
    let pid = policy["id"].as_str().unwrap();
    let old_settings = sim.all(&format!("{POLICIES}/{pid}/settings")).await;
    assert_eq!(old_settings.len(), 6);
    let (status, body) = sim
        .send(
            Method::PATCH,
            &format!("{POLICIES}/{pid}"),
            Some(json!({"settings": [setting("a", "1")]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_graph_error(&body, "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Cannot PATCH navigation property 'settings'"
    );
    assert_eq!(
        sim.all(&format!("{POLICIES}/{pid}/settings")).await,
        old_settings
    );
    let (status, body) = sim
        .send(Method::PUT, &format!("{POLICIES}/{pid}"), Some(json!({"name": "Replaced", "description": "", "platforms": "windows10", "technologies": "mdm", "roleScopeTagIds": ["0"], "templateReference": policy["templateReference"], "settings": [setting("x_one", "0"), setting("x_two", "2")]})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let settings = sim.all(&format!("{POLICIES}/{pid}/settings")).await;
    let definitions: Vec<&Value> = settings
        .iter()
        .map(|s| &s["settingInstance"]["settingDefinitionId"])
        .collect();
    assert_eq!(definitions, [&json!("x_one"), &json!("x_two")]);
    let detail = sim.get(&format!("{POLICIES}/{pid}")).await;
    assert_eq!(
        (detail["name"].clone(), detail["settingCount"].clone()),
        (json!("Replaced"), json!(2))
    );
    assert_eq!(detail["id"], pid);
    assert_eq!(detail["createdDateTime"], policy["createdDateTime"]);
    // PUT is the settings catalog's, not the classic profiles'
    let (status, _) = sim
        .send(
            Method::PUT,
            &format!("{PROFILES}/{id}"),
            Some(json!({"displayName": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    sim.stop().await;
}

#[tokio::test]
async fn assign_replaces_the_assignments_and_an_empty_list_clears_them() {
    let sim = Sim::start(tenant()).await;
    let policy = sim.all(POLICIES).await[0].clone();
    let id = policy["id"].as_str().unwrap();
    let groups = [Uuid::new_v4().to_string(), Uuid::new_v4().to_string()];
    let mut filtered = group(&groups[1]);
    filtered["target"]["deviceAndAppManagementAssignmentFilterId"] = json!("f1");
    filtered["target"]["deviceAndAppManagementAssignmentFilterType"] = json!("include");
    let (status, answer) = sim
        .post(&format!("{POLICIES}/{id}/assign"), json!({"assignments": [group(&groups[0]), filtered, {"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["value"].as_array().unwrap().len(), 3);
    let read = sim.all(&format!("{POLICIES}/{id}/assignments")).await;
    assert_eq!(read.len(), 3);
    assert_eq!(read[0]["target"]["groupId"], groups[0].as_str());
    assert_eq!(
        read[0]["target"]["deviceAndAppManagementAssignmentFilterType"],
        "none"
    );
    assert_eq!(
        read[1]["target"]["deviceAndAppManagementAssignmentFilterId"],
        "f1"
    );
    assert_eq!(
        read[0]["@odata.type"],
        "#microsoft.graph.deviceManagementConfigurationPolicyAssignment"
    );
    assert_eq!(read[0]["source"], "direct");
    assert!(read
        .iter()
        .all(|a| a["id"].as_str().is_some_and(|i| i.starts_with(id))));
    let expanded = sim
        .get(&format!("{POLICIES}/{id}?$expand=assignments"))
        .await;
    assert_eq!(expanded["assignments"].as_array().unwrap().len(), 3);
    assert_eq!(
        sim.get(&format!("{POLICIES}/{id}")).await["isAssigned"],
        true
    );

    let (status, _) = sim
        .post(
            &format!("{POLICIES}/{id}/assign"),
            json!({"assignments": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(sim
        .all(&format!("{POLICIES}/{id}/assignments"))
        .await
        .is_empty());
    assert_eq!(
        sim.get(&format!("{POLICIES}/{id}")).await["isAssigned"],
        false
    );

    // scripts assign with their own body key
    let script = sim.all("/deviceManagement/deviceManagementScripts").await[0].clone();
    let sid = script["id"].as_str().unwrap();
    let path = format!("/deviceManagement/deviceManagementScripts/{sid}/assign");
    let (status, body) = sim
        .post(&path, json!({"assignments": [group(&groups[0])]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the wrong key: {body}");
    let (status, _) = sim
        .post(
            &path,
            json!({"deviceManagementScriptAssignments": [group(&groups[0])]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let read = sim
        .all(&format!(
            "/deviceManagement/deviceManagementScripts/{sid}/assignments"
        ))
        .await;
    assert_eq!(read.len(), 1);
    assert_eq!(
        read[0]["@odata.type"],
        "#microsoft.graph.deviceManagementScriptAssignment"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_read_only_property_or_a_bad_body_answers_400_and_nothing_is_stored() {
    let sim = Sim::start(tenant()).await;
    let before = sim.all(POLICIES).await;
    let profiles = sim.all(PROFILES).await;
    let bad = [
        (POLICIES, json!({"name": "P", "id": "mine"})),
        (POLICIES, json!({"name": "P", "settingCount": 2})),
        (
            POLICIES,
            json!({"name": "P", "createdDateTime": "2026-01-01T00:00:00Z"}),
        ),
        (POLICIES, json!({"name": "P", "assignments": []})),
        (POLICIES, json!({"description": "no name"})),
        (
            POLICIES,
            json!({"name": "P", "@odata.type": "#microsoft.graph.windows10GeneralConfiguration"}),
        ),
        (PROFILES, json!({"displayName": "untyped"})),
        (
            PROFILES,
            json!({"displayName": "P", "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy"}),
        ),
        (
            PROFILES,
            json!({"displayName": "P", "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "supportsScopeTags": true}),
        ),
        (
            PROFILES,
            json!({"displayName": "P", "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "assignments@odata.navigationLink": "x"}),
        ),
    ];
    for (path, body) in bad {
        let (status, answer) = sim.post(path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_graph_error(&answer, "BadRequest");
    }
    // not JSON at all
    let response = http()
        .post(sim.url(POLICIES))
        .bearer_auth(&sim.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_graph_error(&response.json().await.unwrap(), "BadRequest");
    // PATCH with a read-only property changes nothing
    let id = profiles[0]["id"].as_str().unwrap();
    let (status, _) = sim
        .send(
            Method::PATCH,
            &format!("{PROFILES}/{id}"),
            Some(json!({"displayName": "x", "version": 9})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(sim.all(POLICIES).await, before);
    assert_eq!(sim.all(PROFILES).await, profiles);
    let writes = sim.stats().writes;
    assert_eq!((writes.requests, writes.applied), (12, 0));
    assert!(writes.by_object.is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn without_the_readwrite_role_a_write_answers_403_and_a_readwrite_role_still_reads() {
    let mut config = tenant();
    config.roles = default_roles()
        .into_iter()
        .filter(|role| role != "DeviceManagementConfiguration.ReadWrite.All")
        .collect();
    let sim = Sim::start(config).await;
    let before = sim.all(POLICIES).await;
    let (status, body) = sim.post(POLICIES, json!({"name": "P"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_graph_error(&body, "Forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("DeviceManagementConfiguration.ReadWrite.All"));
    let id = before[0]["id"].as_str().unwrap();
    let (status, _) = sim
        .send(Method::DELETE, &format!("{POLICIES}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(sim.all(POLICIES).await, before);
    assert_eq!(sim.stats().writes.applied, 0);
    sim.stop().await;

    // ReadWrite alone (no Read) reads and writes
    let mut config = tenant();
    config.roles = vec!["DeviceManagementConfiguration.ReadWrite.All".into()];
    let sim = Sim::start(config).await;
    assert_eq!(sim.all(POLICIES).await.len(), 3);
    let (status, _) = sim.post(POLICIES, json!({"name": "P"})).await;
    assert_eq!(status, StatusCode::CREATED);
    // Autopilot profiles need DeviceManagementServiceConfig.ReadWrite.All
    let (status, body) = sim.post("/deviceManagement/windowsAutopilotDeploymentProfiles", json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "A"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    sim.stop().await;
}

#[tokio::test]
async fn unknown_ids_answer_404_and_delete_removes_an_object() {
    let sim = Sim::start(tenant()).await;
    let missing = Uuid::new_v4();
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("{PROFILES}/{missing}"),
            Some(json!({"displayName": "x"})),
        ),
        (Method::DELETE, format!("{PROFILES}/{missing}"), None),
        (
            Method::POST,
            format!("{PROFILES}/{missing}/assign"),
            Some(json!({"assignments": []})),
        ),
    ] {
        let (status, answer) = sim.send(method, &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_graph_error(&answer, "ResourceNotFound");
    }
    // types that are not restorable take no writes, whatever the roles
    let (status, body) = sim
        .post(
            "/deviceAppManagement/vppTokens",
            json!({"displayName": "Apple VPP"}),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert!(body["error"]["message"].is_string());
    let profiles = sim.all(PROFILES).await;
    let id = profiles[2]["id"].as_str().unwrap();
    let (status, _) = sim
        .send(Method::DELETE, &format!("{PROFILES}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(sim.all(PROFILES).await.len(), 2);
    let (status, _) = sim
        .send(Method::GET, &format!("{PROFILES}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.stop().await;
}

fn definition_bind(definition: &str) -> String {
    format!(
        "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('{definition}')"
    )
}

#[tokio::test]
async fn update_definition_values_adds_updates_and_deletes_with_presentations() {
    let sim = Sim::start(tenant()).await;
    // two built-in definitions as a seeded template shows them
    let seeded = sim.all(TEMPLATES).await[0].clone();
    let values = sim
        .all(&format!(
            "{TEMPLATES}/{}/definitionValues?$expand=definition",
            seeded["id"].as_str().unwrap()
        ))
        .await;
    let definitions: Vec<String> = values
        .iter()
        .map(|v| v["definition"]["id"].as_str().unwrap().to_owned())
        .collect();

    let (status, created) = sim
        .post(
            TEMPLATES,
            json!({"displayName": "Restored ADMX", "description": "", "roleScopeTagIds": ["0"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(sim
        .all(&format!("{TEMPLATES}/{id}/definitionValues"))
        .await
        .is_empty());
    let bind = definition_bind(&definitions[0]);
    let presentation = |presentation: &str| format!("{bind}/presentations('{presentation}')");
    let path = format!("{TEMPLATES}/{id}/updateDefinitionValues");
    let (status, body) = sim
        .post(&path, json!({
            "added": [
                {"enabled": true, "definition@odata.bind": bind, "presentationValues": [
                    {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "https://intranet", "presentation@odata.bind": presentation("p-text")},
                    {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": true, "presentation@odata.bind": presentation("p-bool")}
                ]},
                {"enabled": false, "definition@odata.bind": definition_bind(&definitions[1]), "presentationValues": []}
            ],
            "updated": [],
            "deletedIds": []
        }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let values = sim
        .all(&format!(
            "{TEMPLATES}/{id}/definitionValues?$expand=definition"
        ))
        .await;
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["definition"]["id"], definitions[0].as_str());
    assert_eq!(values[0]["enabled"], true);
    assert!(values[0].get("presentationValues").is_none());
    let plain = sim.all(&format!("{TEMPLATES}/{id}/definitionValues")).await;
    assert!(plain[0].get("definition").is_none());
    let first = values[0]["id"].as_str().unwrap().to_owned();
    let presentations = sim
        .all(&format!(
            "{TEMPLATES}/{id}/definitionValues/{first}/presentationValues?$expand=presentation"
        ))
        .await;
    assert_eq!(presentations.len(), 2);
    assert_eq!(presentations[0]["value"], "https://intranet");
    assert_eq!(presentations[0]["presentation"]["id"], "p-text");
    assert_eq!(
        presentations[1]["presentation"]["@odata.type"],
        "#microsoft.graph.groupPolicyPresentationCheckBox"
    );
    let single = sim
        .get(&format!("{TEMPLATES}/{id}/definitionValues/{first}"))
        .await;
    assert_eq!(single["id"], first.as_str());

    // updated by id, deleted by id
    let second = values[1]["id"].as_str().unwrap().to_owned();
    let (status, body) = sim
        .post(&path, json!({
            "added": [],
            "updated": [{"id": first, "enabled": false, "definition@odata.bind": bind, "presentationValues": [
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "https://changed", "presentation@odata.bind": presentation("p-text")}
            ]}],
            "deletedIds": [second]
        }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let values = sim.all(&format!("{TEMPLATES}/{id}/definitionValues")).await;
    assert_eq!(values.len(), 1);
    assert_eq!(
        (
            values[0]["id"].as_str().unwrap(),
            values[0]["enabled"].clone()
        ),
        (first.as_str(), json!(false))
    );
    let presentations = sim
        .all(&format!(
            "{TEMPLATES}/{id}/definitionValues/{first}/presentationValues"
        ))
        .await;
    assert_eq!(presentations.len(), 1);
    assert_eq!(presentations[0]["value"], "https://changed");
    assert!(presentations[0].get("presentation").is_none());

    // an unknown definition or value id is refused whole
    let (status, body) = sim.post(&path, json!({"added": [{"enabled": true, "definition@odata.bind": definition_bind("nope")}], "deletedIds": [first]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = sim.post(&path, json!({"deletedIds": ["not-there"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        sim.all(&format!("{TEMPLATES}/{id}/definitionValues"))
            .await
            .len(),
        1
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_compliance_policy_needs_exactly_one_block_action_and_its_rules_are_read_back() {
    let sim = Sim::start(tenant()).await;
    let path = "/deviceManagement/deviceCompliancePolicies";
    let policy = |actions: Value| json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": "Restored compliance", "passwordRequired": true, "scheduledActionsForRule": [{"ruleName": "PasswordRequired", "scheduledActionConfigurations": actions}]});
    for actions in [
        json!([]),
        json!([{"actionType": "block"}, {"actionType": "block"}]),
        json!([{"actionType": "notification", "gracePeriodHours": 24}]),
    ] {
        let (status, body) = sim.post(path, policy(actions)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["error"]["message"],
            "Compliance policy must have one and only one block scheduled action"
        );
    }
    let (status, created) = sim.post(path, policy(json!([{"actionType": "block", "gracePeriodHours": 0}, {"actionType": "notification", "gracePeriodHours": 48, "notificationTemplateId": "t1"}]))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["version"], 1);
    let id = created["id"].as_str().unwrap();
    let rules = sim
        .all(&format!(
            "{path}/{id}/scheduledActionsForRule?$expand=scheduledActionConfigurations"
        ))
        .await;
    assert_eq!(rules.len(), 1);
    let actions = rules[0]["scheduledActionConfigurations"]
        .as_array()
        .unwrap();
    assert_eq!(
        (
            actions[1]["gracePeriodHours"].clone(),
            actions[1]["notificationTemplateId"].clone()
        ),
        (json!(48), json!("t1"))
    );
    // PATCH without rules, then scheduleActionsForRules replaces them
    let (status, body) = sim
        .send(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(json!({"scheduledActionsForRule": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = sim.post(&format!("{path}/{id}/scheduleActionsForRules"), json!({"deviceComplianceScheduledActionForRules": [{"ruleName": "PasswordRequired", "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 12}]}]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let rules = sim
        .get(&format!(
            "{path}/{id}?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)"
        ))
        .await;
    let actions = rules["scheduledActionsForRule"][0]["scheduledActionConfigurations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["gracePeriodHours"], 12);

    // settings-catalog compliance: settings inline, then setScheduledActions
    let path = "/deviceManagement/compliancePolicies";
    let (status, created) = sim.post(path, json!({"name": "Linux compliance", "platforms": "linux", "technologies": "linuxMdm", "settings": [setting("linux_distribution", "ubuntu")]})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, answer) = sim.post(&format!("{path}/{id}/setScheduledActions"), json!({"scheduledActions": [{"ruleName": null, "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 0}]}]})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let rules = sim
        .all(&format!(
            "{path}/{id}/scheduledActionsForRule?$expand=scheduledActionConfigurations"
        ))
        .await;
    assert_eq!(
        rules[0]["scheduledActionConfigurations"][0]["actionType"],
        "block"
    );
    assert_eq!(sim.all(&format!("{path}/{id}/settings")).await.len(), 1);
    sim.stop().await;
}

#[tokio::test]
async fn write_counts_count_exactly_the_writes_made_and_reset_zeroes_them() {
    let sim = Sim::start(tenant()).await;
    let profile = sim.all(PROFILES).await[0].clone();
    let pid = profile["id"].as_str().unwrap();
    let (_, created) = sim.post(POLICIES, json!({"name": "Counted"})).await;
    let cid = created["id"].as_str().unwrap();
    sim.post(
        &format!("{POLICIES}/{cid}/assign"),
        json!({"assignments": [group("g1")]}),
    )
    .await;
    sim.send(
        Method::PATCH,
        &format!("{PROFILES}/{pid}"),
        Some(json!({"description": "d"})),
    )
    .await;
    // refused: counted as a request, not as a write to anything
    sim.post(POLICIES, json!({"name": "bad", "id": "x"})).await;
    let (status, stats) = {
        let response = http()
            .get(format!("{}/_sim/stats", sim.sim.graph_url()))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    let writes = &stats["tenants"][TENANT]["writes"];
    assert_eq!(writes["requests"], 4, "{writes}");
    assert_eq!(writes["applied"], 3);
    assert_eq!(
        writes["by_type"],
        json!({"settingsCatalog": 2, "deviceConfigurations": 1})
    );
    let objects = writes["by_object"].as_object().unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(
        objects[cid],
        json!({"policy_type": "settingsCatalog", "count": 2, "calls": [
            "POST /beta/deviceManagement/configurationPolicies",
            format!("POST /beta/deviceManagement/configurationPolicies/{cid}/assign"),
        ]})
    );
    assert_eq!(
        objects[pid]["calls"],
        json!([format!(
            "PATCH /beta/deviceManagement/deviceConfigurations/{pid}"
        )])
    );
    // reads are not writes
    sim.all(POLICIES).await;
    assert_eq!(sim.stats().writes.requests, 4);
    let response = http()
        .post(format!("{}/_sim/stats/reset", sim.sim.graph_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.stats().writes, Default::default());
    sim.stop().await;
}

#[tokio::test]
async fn a_throttle_storm_answers_writes_429_with_retry_after_and_stores_nothing() {
    let sim = Sim::start(tenant()).await;
    let before = sim.all(POLICIES).await.len();
    sim.sim
        .set_faults(
            TENANT,
            vec![Fault::Throttle {
                policy_type: Some("settingsCatalog".into()),
                count: 2,
                retry_after_secs: 3,
            }],
        )
        .unwrap();
    for _ in 0..2 {
        let response = http()
            .post(sim.url(POLICIES))
            .bearer_auth(&sim.token)
            .json(&json!({"name": "Throttled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "3");
        assert_graph_error(&response.json().await.unwrap(), "TooManyRequests");
    }
    assert_eq!(sim.all(POLICIES).await.len(), before);
    let (status, _) = sim.post(POLICIES, json!({"name": "Throttled"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let stats = sim.stats();
    assert_eq!(stats.throttled.len(), 2);
    assert_eq!(stats.writes.applied, 1);

    // an Intune storm and a 503 reach writes too
    sim.sim
        .set_faults(
            TENANT,
            vec![Fault::ServerError {
                policy_type: None,
                status: 503,
                count: 1,
            }],
        )
        .unwrap();
    let (status, _) = sim.post(POLICIES, json!({"name": "Unavailable"})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    sim.sim
        .set_faults(
            TENANT,
            vec![Fault::IntuneStorm {
                policy_type: None,
                duration_secs: 60,
                percent: 100,
            }],
        )
        .unwrap();
    let (status, _) = sim
        .send(Method::DELETE, &format!("{POLICIES}/any"), None)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    sim.stop().await;
}

#[tokio::test]
async fn the_refuse_writes_fault_fails_one_object_and_lets_the_others_through() {
    let sim = Sim::start(tenant()).await;
    let faults: Vec<Fault> =
        serde_json::from_value(json!([{"kind": "refuse_writes", "name": "Poisoned"}])).unwrap();
    let response = http()
        .put(format!(
            "{}/_sim/tenants/{TENANT}/faults",
            sim.sim.graph_url()
        ))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = sim.post(POLICIES, json!({"name": "Poisoned"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_graph_error(&body, "BadRequest");
    let (status, _) = sim.post(POLICIES, json!({"name": "Healthy"})).await;
    assert_eq!(status, StatusCode::CREATED);
    // an existing object of that name refuses updates and assignments; reads still work
    let profile = sim.all(PROFILES).await[0].clone();
    let id = profile["id"].as_str().unwrap();
    let (status, _) = sim
        .send(
            Method::PATCH,
            &format!("{PROFILES}/{id}"),
            Some(json!({"displayName": "Poisoned"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        sim.get(&format!("{PROFILES}/{id}")).await["displayName"],
        profile["displayName"]
    );
    assert_eq!(sim.stats().writes.applied, 1);
    sim.stop().await;
}

#[tokio::test]
async fn scripts_templates_scope_tags_and_tier_b_types_are_written_and_read_back() {
    let sim = Sim::start(tenant()).await;
    // a script's body only in GET /{id}
    let scripts = "/deviceManagement/deviceManagementScripts";
    let content = base64_encode("Write-Output 'restored'");
    let (status, created) = sim.post(scripts, json!({"displayName": "Restored script", "scriptContent": content, "runAsAccount": "system", "fileName": "r.ps1"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let listed = sim.all(scripts).await;
    assert!(listed.iter().find(|s| s["id"] == id).unwrap()["scriptContent"].is_null());
    assert_eq!(
        sim.get(&format!("{scripts}/{id}")).await["scriptContent"],
        content
    );

    // notification template, then one message per locale
    let templates = "/deviceManagement/notificationMessageTemplates";
    let (status, body) = sim
        .post(
            templates,
            json!({"displayName": "Warn", "localizedNotificationMessages": []}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, created) = sim
        .post(
            templates,
            json!({"displayName": "Warn", "defaultLocale": "en-US", "brandingOptions": "none"}),
        )
        .await;
    let tid = created["id"].as_str().unwrap();
    for locale in ["en-US", "de-DE"] {
        let (status, message) = sim.post(&format!("{templates}/{tid}/localizedNotificationMessages"), json!({"locale": locale, "subject": "s", "messageTemplate": "m", "isDefault": locale == "en-US"})).await;
        assert_eq!(status, StatusCode::CREATED, "{message}");
    }
    let messages = sim
        .all(&format!("{templates}/{tid}/localizedNotificationMessages"))
        .await;
    assert_eq!(messages.len(), 2);

    // scope tags get the next integer id
    let (_, tag) = sim
        .post(
            "/deviceManagement/roleScopeTags",
            json!({"displayName": "Restored tag", "description": ""}),
        )
        .await;
    assert_eq!(tag["id"], "3");
    assert_eq!(tag["isBuiltIn"], false);
    let (status, _) = sim
        .send(Method::DELETE, "/deviceManagement/roleScopeTags/0", None)
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the built-in Default stays"
    );

    // Tier B: an intent from its template, then its settings updated
    let (status, intent) = sim.post("/deviceManagement/templates/t-antivirus/createInstance", json!({"displayName": "AV", "description": "", "settingsDelta": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "definitionId": "d1", "valueJson": "true"}], "roleScopeTagIds": ["0"]})).await;
    assert_eq!(status, StatusCode::OK, "{intent}");
    let iid = intent["id"].as_str().unwrap();
    let (status, _) = sim.post(&format!("/deviceManagement/intents/{iid}/updateSettings"), json!({"settings": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance", "definitionId": "d1", "valueJson": "false"}, {"@odata.type": "#microsoft.graph.deviceManagementIntegerSettingInstance", "definitionId": "d2", "valueJson": "5"}]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let settings = sim
        .all(&format!("/deviceManagement/intents/{iid}/settings"))
        .await;
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[0]["valueJson"], "false");
    assert_eq!(
        sim.get(&format!("/deviceManagement/intents/{iid}")).await["templateId"],
        "t-antivirus"
    );

    // Autopilot: one assignment per POST to /assignments
    let autopilot = "/deviceManagement/windowsAutopilotDeploymentProfiles";
    let (status, profile) = sim.post(autopilot, json!({"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "AP", "language": "os-default"})).await;
    assert_eq!(status, StatusCode::CREATED, "{profile}");
    let aid = profile["id"].as_str().unwrap();
    let (status, assignment) = sim
        .post(&format!("{autopilot}/{aid}/assignments"), group("g-ap"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assignment}");
    assert_eq!(
        sim.all(&format!("{autopilot}/{aid}/assignments"))
            .await
            .len(),
        1
    );

    // enrollment configurations: priority from setPriority, never in the create
    let enrollment = "/deviceManagement/deviceEnrollmentConfigurations";
    let limit = json!({"@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration", "displayName": "Limit", "limit": 5});
    let mut prioritized = limit.clone();
    prioritized["priority"] = json!(1);
    assert_eq!(
        sim.post(enrollment, prioritized).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, created) = sim.post(enrollment, limit).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let eid = created["id"].as_str().unwrap();
    let (status, _) = sim
        .post(
            &format!("{enrollment}/{eid}/setPriority"),
            json!({"priority": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(sim.get(&format!("{enrollment}/{eid}")).await["priority"], 1);

    // policy sets: items on create, then update
    let sets = "/deviceAppManagement/policySets";
    let (status, set) = sim.post(sets, json!({"displayName": "Set", "description": "", "items": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicyPolicySetItem", "payloadId": "p1"}]})).await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    let sid = set["id"].as_str().unwrap();
    let items = sim.all(&format!("{sets}/{sid}/items")).await;
    assert_eq!(items.len(), 1);
    let (status, body) = sim.post(&format!("{sets}/{sid}/update"), json!({"addedPolicySetItems": [{"@odata.type": "#microsoft.graph.deviceConfigurationPolicySetItem", "payloadId": "p2"}], "updatedPolicySetItems": [], "deletedPolicySetItems": [items[0]["id"]], "assignments": [group("g-set")]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let items = sim.all(&format!("{sets}/{sid}/items")).await;
    assert_eq!(
        (items.len(), items[0]["payloadId"].clone()),
        (1, json!("p2"))
    );
    assert_eq!(sim.all(&format!("{sets}/{sid}/assignments")).await.len(), 1);
    sim.stop().await;
}

/// Encrypted OMA-URI settings go back as plain values (GRAPH.md "Writing back"); Graph
/// encrypts string values again, so the restored profile reads like the source: masked,
/// with the plain value behind `getOmaSettingPlainTextValue`, and never in the content the
/// service's client captures.
#[tokio::test]
async fn written_oma_uri_strings_are_encrypted_again_and_revealed_only_by_the_function() {
    let sim = Sim::start(tenant()).await;
    let secret = "Wifi-Psk-Restored-42";
    let (status, created) = sim
        .post(PROFILES, json!({
            "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
            "displayName": "Restored custom",
            "omaSettings": [
                {"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "Telemetry", "omaUri": "./Device/Vendor/MSFT/Policy/Config/System/AllowTelemetry", "value": 1, "isEncrypted": false, "secretReferenceValueId": null},
                {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Wi-Fi key", "omaUri": "./Vendor/MSFT/WiFi/Profile/CORP/WlanXml", "value": secret, "isEncrypted": false, "secretReferenceValueId": null}
            ]
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(!created.to_string().contains(secret), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let detail = sim.get(&format!("{PROFILES}/{id}")).await;
    let settings = detail["omaSettings"].as_array().unwrap();
    assert_eq!(settings[0]["value"], 1);
    assert_eq!(
        (
            settings[1]["isEncrypted"].clone(),
            settings[1]["value"].clone()
        ),
        (json!(true), json!("****"))
    );
    let reference = settings[1]["secretReferenceValueId"].as_str().unwrap();
    let plain = sim
        .get(&format!(
            "{PROFILES}/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='{reference}')"
        ))
        .await;
    assert_eq!(plain["value"], secret);

    let mut settings = GraphSettings::new(sim.sim.graph_url(), sim.sim.login_url());
    settings.requests_per_20s = 1_000_000;
    let client = GraphClient::new(settings).expect("client");
    let credentials = TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: TENANT.parse().unwrap(),
        client_id: CLIENT.parse().unwrap(),
        client_secret: SecretString::new(SECRET.to_owned()),
    };
    let fetched = client
        .fetch(&credentials, "deviceConfigurations")
        .await
        .unwrap();
    let object = fetched.objects.iter().find(|o| o.graph_id == id).unwrap();
    assert!(!object.content.as_str().contains(secret));
    let captured: Vec<&str> = object
        .secrets
        .iter()
        .filter_map(|s| s.value.as_ref().map(|v| v.expose()))
        .collect();
    assert_eq!(captured, [secret]);
    sim.stop().await;
}

#[tokio::test]
async fn writes_inside_a_batch_are_served_and_counted_like_direct_ones() {
    let sim = Sim::start(tenant()).await;
    let profile = sim.all(PROFILES).await[0].clone();
    let pid = profile["id"].as_str().unwrap();
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": "/deviceManagement/configurationPolicies", "headers": {"content-type": "application/json"}, "body": {"name": "Batched"}},
        {"id": "2", "method": "PATCH", "url": format!("/deviceManagement/deviceConfigurations/{pid}"), "headers": {"content-type": "application/json"}, "body": {"description": "batched"}},
        {"id": "3", "method": "POST", "url": "/deviceManagement/configurationPolicies", "body": {"name": "Bad", "id": "x"}}
    ]});
    let (status, answer) = sim.post("/$batch", batch).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let statuses: Vec<u64> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 204, 400]);
    assert_eq!(answer["responses"][0]["body"]["name"], "Batched");
    assert_eq!(
        sim.get(&format!("{PROFILES}/{pid}")).await["description"],
        "batched"
    );
    let writes = sim.stats().writes;
    assert_eq!((writes.requests, writes.applied), (3, 2));
    sim.stop().await;
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// What a backup after a restore does: the service's own Graph client reads the created
/// objects whole (settings, definition values with presentations, assignments, rules).
#[tokio::test]
async fn the_service_client_reads_written_objects_back_whole() {
    let sim = Sim::start(tenant()).await;
    let (_, policy) = sim.post(POLICIES, json!({"name": "Round trip", "platforms": "windows10", "technologies": "mdm", "settings": [setting("a", "1"), setting("b", "2")]})).await;
    let pid = policy["id"].as_str().unwrap().to_owned();
    sim.post(
        &format!("{POLICIES}/{pid}/assign"),
        json!({"assignments": [group("g-round")]}),
    )
    .await;
    let (_, template) = sim
        .post(TEMPLATES, json!({"displayName": "Round trip ADMX"}))
        .await;
    let tid = template["id"].as_str().unwrap().to_owned();
    let seeded = sim.all(TEMPLATES).await[0].clone();
    let definition = sim
        .all(&format!(
            "{TEMPLATES}/{}/definitionValues?$expand=definition",
            seeded["id"].as_str().unwrap()
        ))
        .await[0]["definition"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bind = definition_bind(&definition);
    let (status, _) = sim.post(&format!("{TEMPLATES}/{tid}/updateDefinitionValues"), json!({"added": [{"enabled": true, "definition@odata.bind": bind, "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "v", "presentation@odata.bind": format!("{bind}/presentations('p1')")}]}]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let mut settings = GraphSettings::new(sim.sim.graph_url(), sim.sim.login_url());
    settings.requests_per_20s = 1_000_000;
    let client = GraphClient::new(settings).expect("client");
    let credentials = TenantCredentials {
        tenant_id: Uuid::new_v4(),
        azure_tenant_id: TENANT.parse().unwrap(),
        client_id: CLIENT.parse().unwrap(),
        client_secret: SecretString::new(SECRET.to_owned()),
    };
    let fetched = client.fetch(&credentials, "settingsCatalog").await.unwrap();
    assert_eq!(fetched.objects.len(), 4);
    assert!(fetched.incomplete.is_empty(), "{:?}", fetched.incomplete);
    let object = fetched
        .objects
        .iter()
        .find(|o| o.graph_id == pid)
        .expect("the created policy is backed up");
    assert_eq!(object.display_name, "Round trip");
    let content = object.content.as_str().to_owned();
    assert!(
        content.contains("\"a_1\"") && content.contains("\"b_2\"") && content.contains("g-round"),
        "{content}"
    );

    let fetched = client
        .fetch(&credentials, "administrativeTemplates")
        .await
        .unwrap();
    assert!(fetched.incomplete.is_empty(), "{:?}", fetched.incomplete);
    let object = fetched
        .objects
        .iter()
        .find(|o| o.graph_id == tid)
        .expect("the created template is backed up");
    let content = object.content.as_str().to_owned();
    assert!(
        content.contains(&definition) && content.contains("\"p1\""),
        "{content}"
    );
    sim.stop().await;
}

/// What a restore does with a backup: every object of every restorable type, as the
/// simulator serves it, stripped of what the contract never sends, is accepted back by
/// `POST`, and its update (`PATCH`, or `PUT` where the contract says so) too: the read
/// shapes and the write checks agree.
#[tokio::test]
async fn every_restorable_type_accepts_its_own_read_shape_back() {
    let mut config = tenant();
    for key in [
        "featureUpdates",
        "qualityUpdates",
        "driverUpdates",
        "appConfigManagedDevices",
        "macosShellScripts",
        "remediations",
    ] {
        config.counts.insert(key.into(), 3);
    }
    for key in ["assignmentFilters", "reusableSettings", "complianceScripts"] {
        config.foundations.insert(key.into(), 3);
    }
    let sim = Sim::start(config).await;
    let never_sent = [
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "version",
        "supportsScopeTags",
        "isAssigned",
        "settingCount",
        "creationSource",
        "@odata.context",
        "deployableContentDisplayName",
        "endOfSupportDate",
        "releaseDateDisplayName",
        "newUpdates",
        "inventorySyncStatus",
        "payloads",
        "priority",
    ];
    let collections = [
        "/deviceManagement/deviceConfigurations",
        "/deviceManagement/configurationPolicies",
        "/deviceManagement/compliancePolicies",
        "/deviceManagement/deviceCompliancePolicies",
        "/deviceManagement/groupPolicyConfigurations",
        "/deviceManagement/deviceManagementScripts",
        "/deviceManagement/deviceShellScripts",
        "/deviceManagement/deviceHealthScripts",
        "/deviceManagement/deviceComplianceScripts",
        "/deviceManagement/windowsFeatureUpdateProfiles",
        "/deviceManagement/windowsQualityUpdateProfiles",
        "/deviceManagement/windowsDriverUpdateProfiles",
        "/deviceAppManagement/mobileAppConfigurations",
        "/deviceManagement/assignmentFilters",
        "/deviceManagement/roleScopeTags",
        "/deviceManagement/notificationMessageTemplates",
        "/deviceManagement/reusablePolicySettings",
        "/deviceManagement/windowsAutopilotDeploymentProfiles",
        "/deviceManagement/deviceEnrollmentConfigurations",
        "/deviceAppManagement/policySets",
    ];
    let mut applied = 0;
    for collection in collections {
        let listed = sim.all(collection).await;
        assert!(!listed.is_empty(), "{collection}");
        for entry in listed {
            let id = entry["id"].as_str().unwrap().to_owned();
            let mut body = sim.get(&format!("{collection}/{id}")).await;
            let object = body.as_object_mut().unwrap();
            object.retain(|key, _| !never_sent.contains(&key.as_str()));
            if collection.ends_with("deviceCompliancePolicies") {
                object.insert("scheduledActionsForRule".into(), json!([{"ruleName": "PasswordRequired", "scheduledActionConfigurations": [{"actionType": "block"}]}]));
            }
            let (status, answer) = sim.post(collection, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::CREATED,
                "{collection}: {body} -> {answer}"
            );
            applied += 1;
            // and an update with the same properties (PUT where the contract says PUT)
            let object = body.as_object_mut().unwrap();
            object.remove("scheduledActionsForRule");
            object.remove("platform");
            if object.get("isBuiltIn") == Some(&json!(true)) {
                continue;
            }
            let put = matches!(
                collection,
                POLICIES
                    | "/deviceManagement/compliancePolicies"
                    | "/deviceManagement/reusablePolicySettings"
            );
            let method = if put { Method::PUT } else { Method::PATCH };
            let (status, answer) = sim
                .send(method, &format!("{collection}/{id}"), Some(body.clone()))
                .await;
            assert_eq!(
                status,
                StatusCode::NO_CONTENT,
                "{collection}/{id}: {body} -> {answer}"
            );
            applied += 1;
        }
    }
    assert_eq!(sim.stats().writes.applied, applied);
    sim.stop().await;
}

/// How long writes take in a large tenant (a restore sends thousands):
/// `cargo test --test api write_cost_in_a_large_tenant -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement, run by hand"]
async fn write_cost_in_a_large_tenant() {
    let mut config = tenant();
    config.counts.insert("settingsCatalog".into(), 2000);
    let sim = Sim::start(config).await;
    let listed = sim.all(POLICIES).await;
    let started = std::time::Instant::now();
    for policy in listed.iter().take(200) {
        let path = format!("{POLICIES}/{}", policy["id"].as_str().unwrap());
        let (status, _) = sim
            .send(Method::PATCH, &path, Some(json!({"description": "x"})))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    println!("200 PATCHes among 2,000 policies: {:?}", started.elapsed());
    let started = std::time::Instant::now();
    for i in 0..200 {
        let body = json!({"name": format!("n{i}"), "settings": [setting("a", "1")]});
        let (status, created) = sim.post(POLICIES, body).await;
        assert_eq!(status, StatusCode::CREATED);
        let path = format!("{POLICIES}/{}/assign", created["id"].as_str().unwrap());
        let (status, _) = sim.post(&path, json!({"assignments": [group("g")]})).await;
        assert_eq!(status, StatusCode::OK);
    }
    println!("200 creates + assigns: {:?}", started.elapsed());
    assert_eq!(sim.all(POLICIES).await.len(), 2200);
    sim.stop().await;
}

/// A restore across tenants maps groups by display name: `/groups` serves the groups the
/// assignments point at, with the same names and other ids in every tenant, and applies
/// `$filter=displayName eq '...'`; without a group permission the directory answers 403.
#[tokio::test]
async fn groups_are_listed_by_name_with_per_tenant_ids() {
    let mut config = tenant();
    config.roles.push("Group.Read.All".into());
    let sim = Sim::start(config).await;
    let groups = sim.all("/groups").await;
    assert_eq!(groups.len(), 16);
    // the groups the generated assignments use
    let policy = sim.all(POLICIES).await[0].clone();
    let assigned = sim
        .all(&format!(
            "{POLICIES}/{}/assignments?$top=999",
            policy["id"].as_str().unwrap()
        ))
        .await;
    for assignment in assigned {
        if let Some(group) = assignment["target"]["groupId"].as_str() {
            assert!(groups.iter().any(|g| g["id"] == group), "{group}");
        }
    }
    let name = groups[2]["displayName"].as_str().unwrap().to_owned();
    let filter = format!("/groups?$filter=displayName eq '{name}'&$select=id,displayName");
    let found = sim.all(&filter.replace(' ', "%20")).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], groups[2]["id"]);
    assert!(found[0].get("description").is_none());
    let one = sim
        .get(&format!("/groups/{}", groups[2]["id"].as_str().unwrap()))
        .await;
    assert_eq!(one["displayName"], name.as_str());

    let mut other = TenantConfig::new("6b5c4d3e-2f10-4b0c-9d8e-7f6a5b4c3d2e", CLIENT, SECRET);
    other.roles.push("Group.Read.All".into());
    let mut names = groups
        .iter()
        .map(|g| g["displayName"].clone())
        .collect::<Vec<_>>();
    names.sort_by_key(Value::to_string);
    let second = start(other).await;
    let token = token_for(&second, "6b5c4d3e-2f10-4b0c-9d8e-7f6a5b4c3d2e").await;
    let page: Value = http()
        .get(format!("{}/beta/groups", second.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = page["value"].as_array().unwrap();
    let mut their_names = theirs
        .iter()
        .map(|g| g["displayName"].clone())
        .collect::<Vec<_>>();
    their_names.sort_by_key(Value::to_string);
    assert_eq!(their_names, names, "the same names");
    assert!(
        theirs
            .iter()
            .all(|g| groups.iter().all(|mine| mine["id"] != g["id"])),
        "other ids"
    );
    second.stop().await;
    sim.stop().await;

    let sim = Sim::start(tenant()).await;
    let (status, body) = sim.send(Method::GET, "/groups", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_graph_error(&body, "Authorization_RequestDenied");
    sim.stop().await;
}
