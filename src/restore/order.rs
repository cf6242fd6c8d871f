//! The order a restore writes in (GRAPH.md "Order that works", IntuneManagement's import
//! order): what other objects refer to comes first, so its new id can be put into them.
//! Each object's assignments are sent right after the object itself: they refer only to
//! groups (which a restore never creates) and to filters (written before every policy).

/// Lower writes first.
pub fn rank(policy_type: &str) -> u8 {
    match policy_type {
        "scopeTags" => 0,
        "assignmentFilters" => 1,
        "notificationTemplates" => 2,
        "reusableSettings" => 3,
        "complianceScripts" => 4,
        "admxFiles" => 5,
        // what apps, devices and Conditional Access refer to
        "deviceCategories"
        | "mobileAppCategories"
        | "namedLocations"
        | "authenticationStrengths" => 6,
        // policy sets refer to the policies they bundle
        "policySets" => 20,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foundations_come_before_policies_and_policy_sets_last() {
        let mut types = [
            "policySets",
            "settingsCatalog",
            "assignmentFilters",
            "scopeTags",
            "deviceCompliancePolicies",
            "notificationTemplates",
        ];
        types.sort_by_key(|t| rank(t));
        assert_eq!(types[0], "scopeTags");
        assert_eq!(types[1], "assignmentFilters");
        assert_eq!(types[2], "notificationTemplates");
        assert_eq!(types.last(), Some(&"policySets"));
    }
}
