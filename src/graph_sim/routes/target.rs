//! What a `/beta/...` path asks for, parsed from its segments.

use crate::graph_sim::catalog::{self, Child, Located};

#[derive(Debug, Clone)]
pub enum Target {
    List(Located),
    /// A single-valued navigation (`/deviceManagement/settings`).
    Singleton(Located),
    Detail(Located, String),
    Assignments(Located, String),
    Child(Located, String, Child),
    DefinitionValue(Located, String, String),
    PresentationValues(Located, String, String),
    /// `/{id}/scheduledActionsForRule/{ruleId}/scheduledActionConfigurations` (beta
    /// deviceComplianceActionItem / deviceManagementComplianceActionItem list).
    RuleConfigurations(Located, String, String),
    /// `deviceConfigurations/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='..')`:
    /// the parameter as written (`None` when the call has none), see `oma_secret.rs`.
    OmaPlainText(Located, String, Option<String>),
}

impl Target {
    /// Parses the path after `/beta/`; `Err` names the first segment Graph would not know.
    pub fn parse(path: &str) -> Result<Self, String> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let area = match segments.as_slice() {
            [area, _, ..] => *area,
            [area] => return Err((*area).to_owned()),
            [] => return Err(String::new()),
        };
        if !["deviceManagement", "deviceAppManagement", "identity"].contains(&area) {
            return Err(area.to_owned());
        }
        // `base`: how many segments name the collection (2, or more for nested paths such
        // as `identity/conditionalAccess/policies`)
        let (located, base) =
            catalog::locate_path(&segments).ok_or_else(|| segments[1].to_owned())?;
        let id = |at: usize| segments.get(base + at).map(|s| unquote(s));
        let rest = segments.len() - base;
        let target = match rest {
            0 if located.collection.singleton => Self::Singleton(located),
            _ if located.collection.singleton => return Err(segments[base].to_owned()),
            0 => Self::List(located),
            1 => Self::Detail(located, id(0).unwrap_or_default()),
            2 if segments[base + 1].starts_with(super::oma_secret::FUNCTION)
                && located.collection.key == "deviceConfigurations" =>
            {
                let parameter = super::oma_secret::parameter(segments[base + 1]);
                Self::OmaPlainText(located, id(0).unwrap_or_default(), parameter)
            }
            2 if segments[base + 1] == "assignments" => {
                Self::Assignments(located, id(0).unwrap_or_default())
            }
            2 => {
                let child = Child::from_segment(segments[base + 1])
                    .filter(|child| located.collection.children.contains(child))
                    .ok_or_else(|| segments[base + 1].to_owned())?;
                Self::Child(located, id(0).unwrap_or_default(), child)
            }
            3 | 4
                if segments[base + 1] == "definitionValues"
                    && located
                        .collection
                        .children
                        .contains(&Child::DefinitionValues) =>
            {
                let (policy, value) = (id(0).unwrap_or_default(), id(2).unwrap_or_default());
                match segments.get(base + 3) {
                    None => Self::DefinitionValue(located, policy, value),
                    Some(&"presentationValues") => Self::PresentationValues(located, policy, value),
                    Some(other) => return Err((*other).to_owned()),
                }
            }
            4 if segments[base + 1] == "scheduledActionsForRule"
                && segments[base + 3] == "scheduledActionConfigurations"
                && located
                    .collection
                    .children
                    .contains(&Child::ScheduledActionsForRule) =>
            {
                Self::RuleConfigurations(
                    located,
                    id(0).unwrap_or_default(),
                    id(2).unwrap_or_default(),
                )
            }
            _ => return Err(segments.last().copied().unwrap_or_default().to_owned()),
        };
        Ok(target)
    }

    /// What kind of read this is, for the request statistics: `list`, `detail`,
    /// `assignments`, or the child collection's segment (`settings`, `definitionValues`,
    /// `presentationValues`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::List(_) => "list",
            Self::Singleton(_) | Self::Detail(..) | Self::DefinitionValue(..) => "detail",
            Self::Assignments(..) => "assignments",
            Self::Child(_, _, child) => child.segment(),
            Self::PresentationValues(..) => "presentationValues",
            Self::RuleConfigurations(..) => "scheduledActionConfigurations",
            Self::OmaPlainText(..) => "getOmaSettingPlainTextValue",
        }
    }

    /// The paging level whose page size and `$top` maximum apply (the keys of the
    /// configuration's `page_sizes` and `max_tops`).
    pub fn page_level(&self) -> &'static str {
        match self {
            Self::List(l)
            | Self::Singleton(l)
            | Self::Detail(l, _)
            | Self::DefinitionValue(l, _, _)
            | Self::OmaPlainText(l, _, _) => l.collection.key,
            Self::Assignments(..) => "assignments",
            Self::Child(_, _, Child::Settings) => "settings",
            Self::Child(_, _, Child::DefinitionValues) => "definitionValues",
            Self::Child(..) | Self::RuleConfigurations(..) => "assignments",
            Self::PresentationValues(..) => "presentationValues",
        }
    }

    pub fn located(&self) -> &Located {
        match self {
            Self::List(l)
            | Self::Singleton(l)
            | Self::Detail(l, _)
            | Self::Assignments(l, _)
            | Self::Child(l, _, _)
            | Self::DefinitionValue(l, _, _)
            | Self::PresentationValues(l, _, _)
            | Self::RuleConfigurations(l, _, _)
            | Self::OmaPlainText(l, _, _) => l,
        }
    }
}

/// Graph also accepts `collection('id')`-style keys as plain segments with quotes.
fn unquote(segment: &str) -> String {
    segment
        .trim_matches(|c| c == '\'' || c == '(' || c == ')')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_targets() {
        assert!(matches!(
            Target::parse("deviceManagement/configurationPolicies"),
            Ok(Target::List(_))
        ));
        assert!(matches!(
            Target::parse("deviceManagement/configurationPolicies/x/settings"),
            Ok(Target::Child(_, _, Child::Settings))
        ));
        assert!(matches!(Target::parse("deviceManagement/groupPolicyConfigurations/p/definitionValues/v/presentationValues"), Ok(Target::PresentationValues(..))));
        assert!(matches!(
            Target::parse("deviceAppManagement/iosManagedAppProtections/x"),
            Ok(Target::Detail(..))
        ));
        assert_eq!(
            Target::parse("deviceManagement/deviceConfigurations/x/settings").unwrap_err(),
            "settings"
        );
        assert_eq!(Target::parse("users").unwrap_err(), "users");
        assert!(matches!(
            Target::parse("identity/conditionalAccess/authenticationStrengths/policies"),
            Ok(Target::List(l)) if l.collection.key == "authenticationStrengths"
        ));
        assert!(matches!(
            Target::parse("deviceManagement/virtualEndpoint/userSettings/u1"),
            Ok(Target::Detail(l, id)) if l.collection.key == "cloudPcUserSettings" && id == "u1"
        ));
        assert!(matches!(
            Target::parse("deviceManagement/settings"),
            Ok(Target::Singleton(_))
        ));
        assert_eq!(
            Target::parse("deviceManagement/settings/x").unwrap_err(),
            "x"
        );
        assert!(matches!(
            Target::parse("deviceManagement/depOnboardingSettings/d/enrollmentProfiles"),
            Ok(Target::Child(_, _, Child::EnrollmentProfiles))
        ));
        assert_eq!(Target::parse("deviceManagement/nope").unwrap_err(), "nope");
    }
}
