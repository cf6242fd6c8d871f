//! OpenAPI links: from a created resource to what can be done with it next, so that
//! clients (and Schemathesis's stateful phase) can follow a plan to its restore, approval
//! and apply without guessing which response field fills which path parameter.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::{OpenApi, RefOr};

const PLAN: &str = "/api/v1/tenants/{tenant_id}/restores";

/// Links from a planned restore (`201` of `plan_restore`) to reading it and its items,
/// approving and applying it.
pub fn add_links(document: &mut OpenApi) {
    let Some(created) = document
        .paths
        .paths
        .get_mut(PLAN)
        .and_then(|item| item.post.as_mut())
        .and_then(|operation| operation.responses.responses.get_mut("201"))
    else {
        return;
    };
    let RefOr::T(response) = created else {
        return;
    };
    for (name, operation_id, what) in [
        ("GetRestore", "get_restore", "The planned restore"),
        (
            "ListRestoreItems",
            "list_restore_items",
            "Its items, in write order",
        ),
        (
            "ApproveRestore",
            "approve_restore",
            "Approve it (a second admin)",
        ),
        ("ApplyRestore", "apply_restore", "Apply it (admins)"),
    ] {
        let link = LinkBuilder::new()
            .operation_id(operation_id)
            .parameter("tenant_id", "$request.path.tenant_id")
            .parameter("restore_id", "$response.body#/id")
            .description(what)
            .build();
        response.links.insert(name.to_owned(), RefOr::T(link));
    }
}
