//! The writes themselves: create, update and assign one object, find an object a create
//! left behind, and the token's roles (`GraphClient`'s restore side).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::assignments::assignment_entries;
use super::body::{invalid, prepare_create, prepare_update, Step};
use super::roles::{NEW_ROLE_ID, ROLE_ASSIGNMENTS};
use super::rules::{assign_rule, collection, name_field, write_collection, Assign};
use super::send::Retry;
use super::{
    secrets, update_only, write_support, RestoredSecret, SentRequest, WriteSupport, Written,
};
use crate::graph::client::GraphClient;
use crate::graph::jwt;
use crate::graph::paging::Reader;
use crate::graph::types::{GraphError, GraphErrorCode, TenantCredentials};

fn writable(type_key: &str) -> Result<(), GraphError> {
    match write_support(type_key) {
        WriteSupport::Writable => Ok(()),
        WriteSupport::NotRestorable(reason) => Err(invalid(format!(
            "`{type_key}` is not written back: {reason}"
        ))),
    }
}

fn recorded(step: &Step) -> SentRequest {
    SentRequest {
        method: step.method.to_owned(),
        path: step.path.clone(),
        body: step.body.clone(),
    }
}

/// The id of a created object: top level (Graph's answer to a POST), or inside `value`
/// (D's example answer of `createInstance`).
fn created_id(answer: Option<&Value>) -> Option<String> {
    let answer = answer?;
    [
        answer.get("id"),
        answer.get("value").and_then(|value| value.get("id")),
    ]
    .into_iter()
    .flatten()
    .find_map(|id| id.as_str().filter(|id| !id.is_empty()).map(str::to_owned))
}

impl GraphClient {
    /// Creates the object from its backed-up content (already remapped by the caller):
    /// strips what is never sent, writes the type's children, puts secrets back in. Does
    /// not assign. A create is not retried after a 5xx or no answer (`graph_unavailable`,
    /// the message says it may have been carried out: look it up with
    /// [`GraphClient::find_created`]); when a child write fails after the object was
    /// created, the error's message names the new id.
    pub async fn create_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        content: &Value,
        secrets: &[RestoredSecret],
    ) -> Result<Written, GraphError> {
        writable(type_key)?;
        if update_only(type_key, content) {
            return Err(invalid(format!(
                "a default `{type_key}` object is updated in place, never created"
            )));
        }
        let mut creation = prepare_create(type_key, content)?;
        if let Some(body) = creation.create.body.as_mut() {
            secrets::seal(body, secrets)?;
        }
        let inner = self.inner();
        let create = &creation.create;
        let plain = create
            .body
            .as_ref()
            .map(|body| secrets::unseal(body, secrets));
        let answer = inner
            .write(
                credentials,
                create.method,
                &create.path,
                plain.as_ref(),
                Retry::Create,
            )
            .await?;
        let target_id = created_id(answer.as_ref()).ok_or_else(|| {
            GraphError::new(
                GraphErrorCode::GraphUnavailable,
                format!(
                    "Graph's answer to POST {} has no `id`: the object may have been created \
                     (find it by name)",
                    create.path
                ),
            )
        })?;
        let mut sent = vec![recorded(create)];
        let base = format!(
            "{}/{target_id}",
            write_collection(type_key).unwrap_or_default()
        );
        // the object's own children, then objects of their own that name it (a role's
        // assignments); a child created by its POST (a localized message, a role
        // assignment) is not sent twice either
        let children = creation.then.into_iter().map(|(method, suffix, body)| {
            let retry = match suffix.as_str() {
                "/localizedNotificationMessages" => Retry::Create,
                _ => Retry::Idempotent,
            };
            let path = format!("{base}{suffix}");
            (
                Step {
                    method,
                    path,
                    body: Some(body),
                },
                retry,
            )
        });
        let referring = creation.after.into_iter().map(|mut step| {
            step.path = step.path.replace(NEW_ROLE_ID, &target_id);
            step.body = step.body.map(|body| with_new_id(body, &target_id));
            (step, Retry::Create)
        });
        for (step, retry) in children.chain(referring) {
            let outcome = inner
                .write(
                    credentials,
                    step.method,
                    &step.path,
                    step.body.as_ref(),
                    retry,
                )
                .await;
            if let Err(mut error) = outcome {
                error.message = format!(
                    "created as {target_id}, but not completed: {}",
                    error.message
                );
                return Err(error);
            }
            sent.push(recorded(&step));
        }
        Ok(Written { target_id, sent })
    }

    /// Makes the live object `target_id` match `content`: PATCH or PUT per the type, plus
    /// its child writes; `live` is the object as read (administrative templates' values
    /// and policy sets' items are matched against it). Does not assign.
    pub async fn update_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        target_id: &str,
        content: &Value,
        live: &Value,
        secrets: &[RestoredSecret],
    ) -> Result<Written, GraphError> {
        writable(type_key)?;
        checked_id(target_id)?;
        let mut steps = prepare_update(type_key, target_id, content, live)?;
        if let Some(body) = steps.first_mut().and_then(|step| step.body.as_mut()) {
            secrets::seal(body, secrets)?;
        }
        let inner = self.inner();
        let mut sent = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            // only the object's own body carries secrets
            let plain = match index {
                0 => step
                    .body
                    .as_ref()
                    .map(|body| secrets::unseal(body, secrets)),
                _ => step.body.clone(),
            };
            // a localized message posted anew is created by its POST: not sent twice
            let retry = match step.method {
                "POST"
                    if step.path.ends_with("/localizedNotificationMessages")
                        || step.path == ROLE_ASSIGNMENTS =>
                {
                    Retry::Create
                }
                _ => Retry::Idempotent,
            };
            inner
                .write(credentials, step.method, &step.path, plain.as_ref(), retry)
                .await?;
            sent.push(recorded(step));
        }
        Ok(Written {
            target_id: target_id.to_owned(),
            sent,
        })
    }

    /// Sends the complete intended assignment list (it replaces the object's); each entry
    /// reduced to `target` and the type's extra keys. Types without assignments: no
    /// request. Where assignments are added one by one (Autopilot profiles), `current` (the
    /// object's assignments as read; empty for a new object) is made the intended list:
    /// a missing one is posted, a direct one the list does not hold is deleted.
    pub async fn assign_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        target_id: &str,
        assignments: &[Value],
        current: &[Value],
    ) -> Result<Written, GraphError> {
        writable(type_key)?;
        checked_id(target_id)?;
        let base = format!(
            "{}/{target_id}",
            write_collection(type_key).unwrap_or_default()
        );
        let steps: Vec<(Step, Retry)> = match assign_rule(type_key) {
            Assign::None => Vec::new(),
            Assign::Action { suffix, key, extra } => {
                let entries = assignment_entries(assignments, extra);
                let step = Step {
                    method: "POST",
                    path: format!("{base}{suffix}"),
                    body: Some(json!({ key: entries })),
                };
                vec![(step, Retry::Idempotent)]
            }
            Assign::EachPost => each_post_steps(&base, assignments, current),
        };
        let inner = self.inner();
        let mut sent = Vec::with_capacity(steps.len());
        for (step, retry) in &steps {
            inner
                .write(
                    credentials,
                    step.method,
                    &step.path,
                    step.body.as_ref(),
                    *retry,
                )
                .await?;
            sent.push(recorded(step));
        }
        Ok(Written {
            target_id: target_id.to_owned(),
            sent,
        })
    }

    /// Ids of the type's objects named `name` created at or after `since`: how a resumed
    /// restore finds an object whose create went through before its worker stopped.
    pub async fn find_created(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        name: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<String>, GraphError> {
        writable(type_key)?;
        let path = collection(type_key).unwrap_or_default();
        let field = name_field(type_key);
        let reader = Reader {
            inner: self.inner(),
            credentials,
        };
        let listed = reader
            .list(&format!("{path}?$select=id,{field},createdDateTime"))
            .await?;
        Ok(created_since(&listed, name, since))
    }

    /// The application permissions (`roles`) of the tenant's app token.
    pub async fn granted_roles(
        &self,
        credentials: &TenantCredentials,
    ) -> Result<Vec<String>, GraphError> {
        let inner = self.inner();
        let token = inner
            .tokens
            .token(&inner.http, &inner.settings, credentials)
            .await?;
        Ok(jwt::roles(&token))
    }
}

/// The ids of listed objects named `name` (`displayName` or `name`) created at or after
/// `since`.
fn created_since(listed: &[Value], name: &str, since: DateTime<Utc>) -> Vec<String> {
    listed
        .iter()
        .filter(|object| {
            ["displayName", "name"]
                .iter()
                .any(|field| object.get(*field).and_then(Value::as_str) == Some(name))
        })
        .filter(|object| {
            object
                .get("createdDateTime")
                .and_then(Value::as_str)
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .is_some_and(|at| at.with_timezone(&Utc) >= since)
        })
        .filter_map(|object| object.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// An id that stays one path segment.
fn checked_id(target_id: &str) -> Result<(), GraphError> {
    if target_id.is_empty() || target_id.contains(['/', '?', '#', '%']) {
        return Err(invalid(format!(
            "`{target_id}` cannot be used as an object id in a URL"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[path = "operations_tests.rs"]
mod tests;

/// Autopilot profiles' assignments made the intended ones (Graph beta
/// windowsAutopilotDeploymentProfileAssignment: create by `POST {c}/{id}/assignments`, delete
/// by `DELETE {c}/{id}/assignments/{assignmentId}`): the current direct ones the list does not
/// hold deleted, the missing ones posted (each POST creates one: not retried after a 5xx).
/// Assignments that came from elsewhere (a policy set) are left alone.
fn each_post_steps(base: &str, assignments: &[Value], current: &[Value]) -> Vec<(Step, Retry)> {
    let wanted = assignment_entries(assignments, &[]);
    let present: Vec<(Option<&str>, Value)> = current
        .iter()
        .filter_map(|assignment| {
            let entry = assignment_entries(std::slice::from_ref(assignment), &[]).pop()?;
            Some((assignment.get("id").and_then(Value::as_str), entry))
        })
        .collect();
    let mut steps = Vec::new();
    for (id, entry) in &present {
        if let (Some(id), false) = (id, wanted.contains(entry)) {
            let step = Step {
                method: "DELETE",
                path: format!("{base}/assignments/{id}"),
                body: None,
            };
            steps.push((step, Retry::Idempotent));
        }
    }
    for entry in wanted {
        if !present.iter().any(|(_, present)| *present == entry) {
            let step = Step {
                method: "POST",
                path: format!("{base}/assignments"),
                body: Some(entry),
            };
            steps.push((step, Retry::Create));
        }
    }
    steps
}

/// `body` with [`NEW_ROLE_ID`] replaced by the id of the object just created.
fn with_new_id(body: Value, id: &str) -> Value {
    match body {
        Value::String(text) => Value::String(text.replace(NEW_ROLE_ID, id)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| with_new_id(v, id)).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key, with_new_id(value, id)))
                .collect(),
        ),
        other => other,
    }
}
