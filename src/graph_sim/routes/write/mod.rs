//! Writes under `/beta/` (restore's side of Graph, README "Writes"): after the
//! token, the tenant's Intune state, the type's ReadWrite permission and the faults of
//! reads (routes/graph.rs), the body is checked as Graph checks it and applied to the
//! tenant's written objects (store.rs), which the read routes then serve. Every applied
//! write is counted per object and per type (`writes` in `/_sim/stats`).

mod actions;
mod apply;
mod create;
mod roles;
mod shapes;
mod spec;
mod target;
mod validate;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::Value;

pub use target::{Unroutable, WriteTarget};

use super::graph::Call;
use crate::graph_sim::catalog::Located;
use crate::graph_sim::errors::{intune_message, RequestIds};
use crate::graph_sim::state::{SimState, Tenant};
use crate::graph_sim::tokens::Issued;

/// One write being served.
pub struct Write<'a> {
    pub state: &'a SimState,
    pub tenant: &'a Tenant,
    pub issued: &'a Issued,
    pub ids: &'a RequestIds,
    pub call: &'a Call,
    pub located: Located,
    pub spec: &'static spec::Spec,
}

impl Write<'_> {
    pub fn key(&self) -> &'static str {
        self.located.collection.key
    }

    pub fn url_path(&self) -> String {
        format!("/beta/{}", self.call.path)
    }

    pub fn bad_request(&self, message: &str) -> HttpResponse {
        self.ids
            .error(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn not_found(&self) -> HttpResponse {
        self.ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &intune_message("Resource not found", &self.url_path()),
        )
    }

    /// The `refuse_writes` fault's 400.
    pub fn refused(&self) -> HttpResponse {
        self.bad_request(&intune_message(
            "An error has occurred: the object cannot be written (refuse_writes fault)",
            &self.url_path(),
        ))
    }

    pub fn refuses(&self, names: &[&str]) -> bool {
        self.tenant
            .with_faults(|faults| faults.refuses_write(self.key(), names))
    }

    /// `{base}/beta/$metadata#{area}/{segment}{suffix}`
    pub fn context(&self, suffix: &str) -> String {
        format!(
            "{}/beta/$metadata#{}/{}{suffix}",
            self.call.base, self.located.collection.area, self.located.segment
        )
    }

    pub fn json(&self, status: StatusCode, body: &Value) -> HttpResponse {
        self.ids.json(status, body)
    }

    pub fn no_content(&self) -> HttpResponse {
        self.ids.response(StatusCode::NO_CONTENT).finish()
    }

    /// Counts an applied write of object `id`.
    pub fn applied(&self, id: &str) {
        let call = format!("{} {}", self.call.method, self.url_path());
        self.state
            .stats
            .write_applied(&self.issued.tenant, self.key(), id, call);
    }
}

/// Why a collection does not take the write: not a restorable type, or a method its path
/// does not take.
pub fn method_not_allowed(ids: &RequestIds, call: &Call) -> HttpResponse {
    ids.error(
        StatusCode::METHOD_NOT_ALLOWED,
        "No method match route template",
        &format!(
            "No OData route exists that match template for http verb {} for request /beta/{}.",
            call.method, call.path
        ),
    )
}

/// Whether the simulator takes writes for the catalog key (the restorable types).
pub fn writable(key: &str) -> bool {
    spec::of(key).is_some()
}

/// The application permission Graph asks of a write to a collection of the permission
/// `family`: the `.ReadWrite.All` twin of its read permission, except Conditional Access,
/// whose objects are written with `Policy.ReadWrite.ConditionalAccess`
/// (conditionalaccessroot-post-namedlocations).
pub fn write_permission(family: &str) -> String {
    match family {
        "Policy" => "Policy.ReadWrite.ConditionalAccess".to_owned(),
        _ => format!("{family}.ReadWrite.All"),
    }
}

/// Serves a write whose target parsed and whose permission and faults were checked.
pub fn serve(
    state: &SimState,
    tenant: &Tenant,
    issued: &Issued,
    ids: &RequestIds,
    call: &Call,
    target: &WriteTarget,
) -> HttpResponse {
    let Some(spec) = spec::of(target.located.collection.key) else {
        return method_not_allowed(ids, call);
    };
    let write = Write {
        state,
        tenant,
        issued,
        ids,
        call,
        located: target.located,
        spec,
    };
    apply::apply(&write, &target.op)
}
