//! What a `/beta/...` path asks for, parsed from its segments.

use crate::graph_sim::catalog::{self, Child, Located};

#[derive(Debug, Clone)]
pub enum Target {
    List(Located),
    Detail(Located, String),
    Assignments(Located, String),
    Child(Located, String, Child),
    DefinitionValue(Located, String, String),
    PresentationValues(Located, String, String),
    /// `deviceConfigurations/{id}/getOmaSettingPlainTextValue(secretReferenceValueId='..')`:
    /// the parameter as written (`None` when the call has none), see `oma_secret.rs`.
    OmaPlainText(Located, String, Option<String>),
}

impl Target {
    /// Parses the path after `/beta/`; `Err` names the first segment Graph would not know.
    pub fn parse(path: &str) -> Result<Self, String> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (area, segment) = match segments.as_slice() {
            [area, segment, ..] => (*area, *segment),
            [area] => return Err((*area).to_owned()),
            [] => return Err(String::new()),
        };
        if area != "deviceManagement" && area != "deviceAppManagement" {
            return Err(area.to_owned());
        }
        let located = catalog::locate(area, segment).ok_or_else(|| segment.to_owned())?;
        let id = |at: usize| segments.get(at).map(|s| unquote(s));
        let target = match segments.len() {
            2 => Self::List(located),
            3 => Self::Detail(located, id(2).unwrap_or_default()),
            4 if segments[3].starts_with(super::oma_secret::FUNCTION)
                && located.collection.key == "deviceConfigurations" =>
            {
                let parameter = super::oma_secret::parameter(segments[3]);
                Self::OmaPlainText(located, id(2).unwrap_or_default(), parameter)
            }
            4 if segments[3] == "assignments" => {
                Self::Assignments(located, id(2).unwrap_or_default())
            }
            4 => {
                let child = Child::from_segment(segments[3])
                    .filter(|child| located.collection.children.contains(child))
                    .ok_or_else(|| segments[3].to_owned())?;
                Self::Child(located, id(2).unwrap_or_default(), child)
            }
            5 | 6
                if segments[3] == "definitionValues"
                    && located
                        .collection
                        .children
                        .contains(&Child::DefinitionValues) =>
            {
                let (policy, value) = (id(2).unwrap_or_default(), id(4).unwrap_or_default());
                match segments.get(5) {
                    None => Self::DefinitionValue(located, policy, value),
                    Some(&"presentationValues") => Self::PresentationValues(located, policy, value),
                    Some(other) => return Err((*other).to_owned()),
                }
            }
            _ => return Err(segments.last().copied().unwrap_or_default().to_owned()),
        };
        Ok(target)
    }

    pub fn located(&self) -> &Located {
        match self {
            Self::List(l)
            | Self::Detail(l, _)
            | Self::Assignments(l, _)
            | Self::Child(l, _, _)
            | Self::DefinitionValue(l, _, _)
            | Self::PresentationValues(l, _, _)
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
        assert_eq!(Target::parse("deviceManagement/nope").unwrap_err(), "nope");
    }
}
