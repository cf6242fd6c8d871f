//! Serving a parsed target from the tenant's generated content: lists (with the `$expand`s
//! Graph allows there), `GET /{id}`, assignments and the child collections, each paged.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::target::Target;
use crate::graph_sim::catalog::{AssignmentAccess, Child, Located};
use crate::graph_sim::content::{self, ChildExpand};
use crate::graph_sim::errors::{intune_message, RequestIds};
use crate::graph_sim::paging::{self, Query};
use crate::graph_sim::state::{Item, Tenant};
use crate::graph_sim::store::Stored;

pub struct Request<'a> {
    pub tenant: &'a Tenant,
    pub ids: &'a RequestIds,
    pub query: &'a Query,
    /// `scheme://host` of the request, for absolute links.
    pub base: &'a str,
    /// The path after `/beta/`.
    pub path: &'a str,
    /// Cut successful bodies off halfway (the `malformed_json` fault).
    pub malformed: bool,
}

impl Request<'_> {
    pub(super) fn ok(&self, body: &Value) -> HttpResponse {
        self.ok_text(body.to_string())
    }

    fn ok_text(&self, text: String) -> HttpResponse {
        if !self.malformed {
            return self.ids.json_text(StatusCode::OK, text);
        }
        let cut = text.len() / 2;
        self.ids
            .response(StatusCode::OK)
            .content_type("application/json;odata.metadata=minimal;charset=utf-8")
            .body(text.into_bytes()[..cut].to_vec())
    }

    fn url(&self) -> String {
        format!("{}/beta/{}", self.base, self.path.trim_end_matches('/'))
    }

    pub(super) fn context(&self, fragment: &str) -> String {
        format!("{}/beta/$metadata#{fragment}", self.base)
    }

    fn page<T>(
        &self,
        items: &[T],
        level: &str,
        context: &str,
        render: impl Fn(&T) -> Value,
    ) -> HttpResponse {
        let size = self.tenant.config.page_size(level);
        self.ok(&paging::page(
            items,
            self.query,
            size,
            &self.url(),
            &self.context(context),
            render,
        ))
    }

    /// A page of members already serialized.
    fn page_text<S: AsRef<str>>(&self, items: &[S], level: &str, context: &str) -> HttpResponse {
        let size = self.tenant.config.page_size(level);
        let url = self.url();
        self.ok_text(paging::page_text(
            items,
            self.query,
            size,
            &url,
            &self.context(context),
        ))
    }

    pub(super) fn not_found(&self) -> HttpResponse {
        self.ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &intune_message("Resource not found", &format!("/beta/{}", self.path)),
        )
    }

    fn unsupported_query(&self) -> HttpResponse {
        self.ids.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Query option 'Expand' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
        )
    }

    /// The `child_not_found` fault: the object is there, its child collection answers 404.
    fn child_not_found(&self, key: &str, index: usize, child: &str) -> bool {
        self.tenant
            .with_faults(|faults| faults.child_not_found(key, index, child))
    }

    /// The object `id` of the located collection, unless it is missing, of another typed
    /// view, or "deleted before the detail read" by a fault.
    pub(super) fn find<'s>(
        &self,
        snapshot: &'s crate::graph_sim::state::Snapshot,
        located: &Located,
        id: &str,
    ) -> Option<&'s Item> {
        let item = snapshot.get(id)?;
        if located
            .only_type
            .is_some_and(|t| item.detail["@odata.type"] != t)
        {
            return None;
        }
        let key = located.collection.key;
        if self
            .tenant
            .with_faults(|faults| faults.deleted_before_detail(key, item.index))
        {
            return None;
        }
        Some(item)
    }
}

pub fn serve(request: &Request<'_>, target: &Target) -> HttpResponse {
    let located = target.located();
    let collection = located.collection;
    let snapshot = request.tenant.snapshot(collection.key);
    let area_path = format!("{}/{}", collection.area, located.segment);
    match target {
        Target::List(_) => {
            if let Some(_name) = request.query.unsupported_expand(collection.list_expand) {
                return request.unsupported_query();
            }
            let items: Vec<&Item> = snapshot
                .items
                .iter()
                .filter(|item| located.only_type.is_none_or(|t| item.detail["@odata.type"] == t))
                .map(|item| &**item)
                .collect();
            // `$select` naming a property the list leaves out: Graph then serves it
            let omitted = content::list_omits(collection.key);
            let selects_omitted = request.query.select.as_ref().is_some_and(|select| {
                select.iter().any(|name| omitted.iter().any(|o| o.eq_ignore_ascii_case(name)))
            });
            if selects_omitted {
                return request.page(&items, collection.key, &area_path, |item| item.detail.clone());
            }
            if request.query.expand.is_empty() {
                let texts: Vec<&str> = items.iter().map(|item| item.list_json.as_str()).collect();
                return request.page_text(&texts, collection.key, &area_path);
            }
            request.page(&items, collection.key, &area_path, |item| {
                expanded(request, located, item, item.list_entry.clone())
            })
        }
        // A single-valued navigation: 404 when the tenant has none (no APNs certificate)
        Target::Singleton(_) => {
            let Some(item) = snapshot.items.first() else {
                return request.not_found();
            };
            let mut body = item.detail.clone();
            let context = if body.get("id").is_some() {
                format!("{area_path}/$entity")
            } else {
                area_path.clone()
            };
            body["@odata.context"] = json!(request.context(&context));
            request.ok(&request.query.project(body))
        }
        Target::Detail(_, id) => {
            if request.query.unsupported_expand(collection.detail_expand).is_some() {
                return request.unsupported_query();
            }
            let Some(item) = request.find(&snapshot, located, id) else {
                return request.not_found();
            };
            let mut body = expanded(request, located, item, item.detail.clone());
            body["@odata.context"] = json!(request.context(&format!("{area_path}/$entity")));
            request.ok(&request.query.project(body))
        }
        Target::Assignments(_, id) => match collection.assignments {
            AssignmentAccess::Readable => {
                let Some(item) = request.find(&snapshot, located, id) else {
                    return request.not_found();
                };
                if request.child_not_found(collection.key, item.index, "assignments") {
                    return request.not_found();
                }
                let assignments = request.tenant.assignments(collection.key, id, item.index);
                request.page(&assignments, "assignments", &format!("{area_path}('{id}')/assignments"), Value::clone)
            }
            // Graph's real answer for macOS shell scripts (only `$expand` works there)
            AssignmentAccess::ExpandOnly => request.ids.error(
                StatusCode::BAD_REQUEST,
                "No method match route template",
                &format!("No OData route exists that match template ~/singleton/navigation/key/navigation with http verb GET for request /DeviceFE/StatelessDeviceFEService/{area_path}('{id}')/assignments."),
            ),
            AssignmentAccess::None => request.ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Resource not found for the segment 'assignments'.",
            ),
        },
        Target::Child(_, id, child) => {
            let allowed: &[&str] = match child {
                Child::Settings => &["settingDefinitions"],
                Child::DefinitionValues => &["definition"],
                Child::ScheduledActionsForRule => &["scheduledActionConfigurations"],
                _ => &[],
            };
            if request.query.unsupported_expand(allowed).is_some() {
                return request.unsupported_query();
            }
            let Some(item) = request.find(&snapshot, located, id) else {
                return request.not_found();
            };
            if request.child_not_found(collection.key, item.index, child.segment()) {
                return request.not_found();
            }
            let expand = ChildExpand {
                setting_definitions: request.query.expands("settingDefinitions").is_some(),
                definition: request.query.expands("definition").is_some(),
                scheduled_action_configurations: request.query.expands("scheduledActionConfigurations").is_some(),
            };
            let mut members = request.tenant.child_json(collection.key, *child, id, item.index, item.revision, expand);
            // the `cut_expansions` fault reaches expansions inside a child page too
            let limit = request.tenant.with_faults(|faults| faults.expansion_limit(collection.key));
            if let (Some(keep), true) = (limit, expand.scheduled_action_configurations) {
                let cut: Vec<String> = request.tenant.child(collection.key, *child, id, item.index, item.revision, expand)
                    .into_iter()
                    .map(|mut rule| {
                        if let Some(Value::Array(configurations)) = rule.get_mut("scheduledActionConfigurations") {
                            configurations.truncate(keep);
                        }
                        rule.to_string()
                    })
                    .collect();
                members = std::sync::Arc::new(cut);
            }
            let level = match child {
                Child::Settings => "settings",
                Child::DefinitionValues => "definitionValues",
                _ => "assignments",
            };
            request.page_text(&members, level, &format!("{area_path}('{id}')/{}", child.segment()))
        }
        Target::RuleConfigurations(_, id, rule_id) => rule_configurations(request, located, id, rule_id),
        Target::OmaPlainText(_, id, reference) => {
            super::oma_secret::serve(request, &snapshot, located, id, reference.as_deref())
        }
        Target::DefinitionValue(_, id, value_id) | Target::PresentationValues(_, id, value_id) => {
            let Some(item) = request.find(&snapshot, located, id) else {
                return request.not_found();
            };
            let context = format!("{area_path}('{id}')/definitionValues");
            if let Some(stored) = request.tenant.stored(collection.key, item.index) {
                return written_value(request, &stored, target, value_id, &context);
            }
            let ctx = &request.tenant.ctx;
            let Some(position) = content::value_position(ctx, item.index, value_id) else {
                return request.not_found();
            };
            if matches!(target, Target::DefinitionValue(..)) {
                let values = content::definition_values(ctx, item.index, item.revision, request.query.expands("definition").is_some());
                let mut body = values.into_iter().nth(position).unwrap_or_default();
                body["@odata.context"] = json!(request.context(&format!("{context}/$entity")));
                return request.ok(&body);
            }
            let expand = request.query.expands("presentation").is_some();
            let values = content::presentation_values(ctx, item.index, position, item.revision, expand);
            request.page(&values, "presentationValues", &format!("{context}('{value_id}')/presentationValues"), Value::clone)
        }
    }
}

/// A definition value of an administrative template written through Graph, or its
/// presentation values.
fn written_value(
    request: &Request<'_>,
    stored: &Stored,
    target: &Target,
    value_id: &str,
    context: &str,
) -> HttpResponse {
    if matches!(target, Target::DefinitionValue(..)) {
        let expand = request.query.expands("definition").is_some();
        let Some(mut body) = stored.definition_value(value_id, expand) else {
            return request.not_found();
        };
        body["@odata.context"] = json!(request.context(&format!("{context}/$entity")));
        return request.ok(&body);
    }
    let expand = request.query.expands("presentation").is_some();
    let Some(values) = stored.presentation_values(value_id, expand) else {
        return request.not_found();
    };
    let context = format!("{context}('{value_id}')/presentationValues");
    request.page(&values, "presentationValues", &context, Value::clone)
}

/// The actions of one compliance rule, paged.
fn rule_configurations(
    request: &Request<'_>,
    located: &Located,
    id: &str,
    rule_id: &str,
) -> HttpResponse {
    let collection = located.collection;
    let snapshot = request.tenant.snapshot(collection.key);
    let Some(item) = request.find(&snapshot, located, id) else {
        return request.not_found();
    };
    let expand = ChildExpand {
        scheduled_action_configurations: true,
        ..ChildExpand::default()
    };
    let rules = request.tenant.child(
        collection.key,
        Child::ScheduledActionsForRule,
        id,
        item.index,
        item.revision,
        expand,
    );
    let Some(rule) = rules.into_iter().find(|rule| rule["id"] == rule_id) else {
        return request.not_found();
    };
    let configurations = rule["scheduledActionConfigurations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let context = format!(
        "{}/{}('{id}')/scheduledActionsForRule('{rule_id}')/scheduledActionConfigurations",
        collection.area, located.segment
    );
    request.page(&configurations, "assignments", &context, Value::clone)
}

/// An object with the `$expand`s the request asked for (already checked as allowed).
fn expanded(request: &Request<'_>, located: &Located, item: &Item, mut body: Value) -> Value {
    let key = located.collection.key;
    // the `cut_expansions` fault: an expansion cut short, with no link to the rest
    let limit = request
        .tenant
        .with_faults(|faults| faults.expansion_limit(key));
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    for expand in &request.query.expand {
        let name = expand.name.as_str();
        let members = if name.eq_ignore_ascii_case("assignments") {
            request.tenant.assignments(key, &id, item.index)
        } else if let Some(child) = Child::from_segment(name) {
            let nested = |n: &str| expand.nested.iter().any(|e| e.name.eq_ignore_ascii_case(n));
            let child_expand = ChildExpand {
                setting_definitions: nested("settingDefinitions"),
                definition: nested("definition"),
                scheduled_action_configurations: nested("scheduledActionConfigurations"),
            };
            request
                .tenant
                .child(key, child, &id, item.index, item.revision, child_expand)
        } else {
            continue;
        };
        body[format!("{name}@odata.context")] = json!(request.context(&format!(
            "{}/{}('{id}')/{name}",
            located.collection.area, located.segment
        )));
        let mut members = members;
        if let Some(keep) = limit {
            members.truncate(keep);
        }
        body[name] = Value::Array(members);
    }
    body
}
