//! What a write (`POST`, `PATCH`, `PUT`, `DELETE` under `/beta/`) asks for, parsed from its
//! method and path.

use actix_web::http::Method;

use crate::graph_sim::catalog::{self, Located};

/// An action posted to one object (`POST {c}/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `assign` (also `microsoft.graph.managedDeviceMobileAppConfiguration/assign`).
    Assign,
    /// compliancePolicies' `setScheduledActions`.
    SetScheduledActions,
    /// deviceCompliancePolicies' `scheduleActionsForRules`.
    ScheduleActionsForRules,
    /// administrativeTemplates' `updateDefinitionValues`.
    UpdateDefinitionValues,
    /// `POST notificationMessageTemplates/{id}/localizedNotificationMessages`.
    LocalizedMessage,
    /// `POST windowsAutopilotDeploymentProfiles/{id}/assignments` (one `{target}`).
    AddAssignment,
    /// enrollment configurations' `setPriority`.
    SetPriority,
    /// policySets' `update`.
    UpdatePolicySet,
    /// intents' `updateSettings`.
    UpdateSettings,
    /// app protection policies' and managed-app configurations' `targetApps`.
    TargetApps,
    /// authentication strengths' `updateAllowedCombinations`.
    UpdateAllowedCombinations,
}

impl Action {
    fn from_segment(segment: &str) -> Option<Self> {
        Some(match segment {
            "assign" => Self::Assign,
            "setScheduledActions" => Self::SetScheduledActions,
            "scheduleActionsForRules" => Self::ScheduleActionsForRules,
            "updateDefinitionValues" => Self::UpdateDefinitionValues,
            "localizedNotificationMessages" => Self::LocalizedMessage,
            "assignments" => Self::AddAssignment,
            "setPriority" => Self::SetPriority,
            "update" => Self::UpdatePolicySet,
            "updateSettings" => Self::UpdateSettings,
            "targetApps" => Self::TargetApps,
            "updateAllowedCombinations" => Self::UpdateAllowedCombinations,
            _ => return None,
        })
    }

    /// The name the write statistics and errors use.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Assign => "assign",
            Self::SetScheduledActions => "setScheduledActions",
            Self::ScheduleActionsForRules => "scheduleActionsForRules",
            Self::UpdateDefinitionValues => "updateDefinitionValues",
            Self::LocalizedMessage => "localizedNotificationMessages",
            Self::AddAssignment => "assignments",
            Self::SetPriority => "setPriority",
            Self::UpdatePolicySet => "update",
            Self::UpdateSettings => "updateSettings",
            Self::TargetApps => "targetApps",
            Self::UpdateAllowedCombinations => "updateAllowedCombinations",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `POST {c}`
    Create,
    /// `PATCH {c}/{id}`
    Update(String),
    /// `PUT {c}/{id}`
    Replace(String),
    /// `DELETE {c}/{id}`
    Delete(String),
    /// `POST {c}/{id}/{action}`
    Action(String, Action),
    /// `POST deviceManagement/templates/{templateId}/createInstance` (an intent).
    CreateInstance(String),
    /// `DELETE {c}/{id}/assignments/{assignmentId}` (Autopilot profiles).
    RemoveAssignment { id: String, assignment_id: String },
    /// `POST /deviceManagement/roleAssignments` (`None`), `PATCH` or `DELETE` of one
    /// (`Some(id)`): Intune role assignments, bound to a role definition.
    RoleAssignment(Option<String>),
    /// `PATCH` or `DELETE {c}/{id}/localizedNotificationMessages/{messageId}`.
    Message {
        id: String,
        message_id: String,
        delete: bool,
    },
}

#[derive(Debug, Clone)]
pub struct WriteTarget {
    pub located: Located,
    pub op: Op,
}

/// Why a write's path or method is not served: a segment Graph does not know (400), or a
/// method the path does not take (405).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unroutable {
    Segment(String),
    Method,
}

impl WriteTarget {
    pub fn parse(method: &Method, path: &str) -> Result<Self, Unroutable> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if let ["deviceManagement", "templates", template, "createInstance"] = segments.as_slice() {
            let intents = catalog::locate("deviceManagement", "intents")
                .ok_or_else(|| Unroutable::Segment("templates".into()))?;
            return expect(
                method,
                Method::POST,
                intents,
                Op::CreateInstance(unquote(template)),
            );
        }
        if let ["deviceManagement", "roleAssignments", rest @ ..] = segments.as_slice() {
            let roles = catalog::locate("deviceManagement", "roleDefinitions")
                .ok_or_else(|| Unroutable::Segment("roleAssignments".into()))?;
            let op = match (rest, method) {
                ([], &Method::POST) => Op::RoleAssignment(None),
                ([id], &Method::PATCH | &Method::DELETE) => Op::RoleAssignment(Some(unquote(id))),
                ([] | [_], _) => return Err(Unroutable::Method),
                _ => {
                    return Err(Unroutable::Segment(
                        rest.last().copied().unwrap_or_default().into(),
                    ))
                }
            };
            return Ok(Self { located: roles, op });
        }
        let (located, base) = match segments.as_slice() {
            // authentication strengths are written where Entra documents their writes,
            // not under Conditional Access where they are listed
            // (authenticationstrengthroot-post-policies)
            ["policies", "authenticationStrengthPolicies", ..] => (
                catalog::locate(
                    "identity",
                    "conditionalAccess/authenticationStrengths/policies",
                )
                .ok_or_else(|| Unroutable::Segment("authenticationStrengthPolicies".into()))?,
                2,
            ),
            _ => catalog::locate_path(&segments)
                .ok_or_else(|| Unroutable::Segment(segments.get(1).unwrap_or(&"").to_string()))?,
        };
        let rest = &segments[base.min(segments.len())..];
        match rest {
            [] => expect(method, Method::POST, located, Op::Create),
            [id] => {
                let id = unquote(id);
                let op = match *method {
                    Method::PATCH => Op::Update(id),
                    Method::PUT => Op::Replace(id),
                    Method::DELETE => Op::Delete(id),
                    _ => return Err(Unroutable::Method),
                };
                Ok(Self { located, op })
            }
            [id, "microsoft.graph.managedDeviceMobileAppConfiguration", "assign"]
                if located.collection.key == "appConfigManagedDevices" =>
            {
                expect(
                    method,
                    Method::POST,
                    located,
                    Op::Action(unquote(id), Action::Assign),
                )
            }
            [id, "assignments", assignment_id] => expect(
                method,
                Method::DELETE,
                located,
                Op::RemoveAssignment {
                    id: unquote(id),
                    assignment_id: unquote(assignment_id),
                },
            ),
            [id, "localizedNotificationMessages", message_id] => {
                let delete = match *method {
                    Method::PATCH => false,
                    Method::DELETE => true,
                    _ => return Err(Unroutable::Method),
                };
                let op = Op::Message {
                    id: unquote(id),
                    message_id: unquote(message_id),
                    delete,
                };
                Ok(Self { located, op })
            }
            [id, segment] => {
                let action = Action::from_segment(segment)
                    .ok_or_else(|| Unroutable::Segment((*segment).to_owned()))?;
                expect(
                    method,
                    Method::POST,
                    located,
                    Op::Action(unquote(id), action),
                )
            }
            _ => Err(Unroutable::Segment(
                segments.last().copied().unwrap_or_default().to_owned(),
            )),
        }
    }
}

fn expect(
    method: &Method,
    wanted: Method,
    located: Located,
    op: Op,
) -> Result<WriteTarget, Unroutable> {
    if *method != wanted {
        return Err(Unroutable::Method);
    }
    Ok(WriteTarget { located, op })
}

/// Graph also accepts `collection('id')`-style keys.
fn unquote(segment: &str) -> String {
    segment
        .trim_matches(|c| c == '\'' || c == '(' || c == ')')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_map_to_operations() {
        let parse = |method: Method, path: &str| WriteTarget::parse(&method, path);
        let create = parse(Method::POST, "deviceManagement/configurationPolicies").unwrap();
        assert_eq!(
            (create.located.collection.key, create.op),
            ("settingsCatalog", Op::Create)
        );
        assert_eq!(
            parse(Method::PUT, "deviceManagement/configurationPolicies/p1")
                .unwrap()
                .op,
            Op::Replace("p1".into())
        );
        assert_eq!(
            parse(
                Method::POST,
                "deviceManagement/groupPolicyConfigurations/g/updateDefinitionValues"
            )
            .unwrap()
            .op,
            Op::Action("g".into(), Action::UpdateDefinitionValues)
        );
        assert_eq!(
            parse(
                Method::POST,
                "deviceAppManagement/mobileAppConfigurations/m/microsoft.graph.managedDeviceMobileAppConfiguration/assign"
            )
            .unwrap()
            .op,
            Op::Action("m".into(), Action::Assign)
        );
        assert_eq!(
            parse(Method::POST, "deviceManagement/templates/t1/createInstance")
                .unwrap()
                .op,
            Op::CreateInstance("t1".into())
        );
        assert_eq!(
            parse(Method::PATCH, "deviceManagement/configurationPolicies").unwrap_err(),
            Unroutable::Method
        );
        assert_eq!(
            parse(
                Method::POST,
                "deviceManagement/configurationPolicies/p/nope"
            )
            .unwrap_err(),
            Unroutable::Segment("nope".into())
        );
    }
}
