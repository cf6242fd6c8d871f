//! Entra Conditional Access: policies, named locations and authentication strengths,
//! served under `/identity/conditionalAccess` and read with `Policy.Read.All`.
//!
//! Shapes: api-reference/beta/resources/conditionalaccesspolicy.md (and its
//! conditionalaccessconditionset.md, conditionalaccessgrantcontrols.md),
//! ipnamedlocation.md, countrynamedlocation.md, authenticationstrengthpolicy.md.

use serde_json::{json, Value};

use super::common::{header, Ctx};

pub fn policy(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, mut seed) = header(
        ctx,
        "conditionalAccessPolicies",
        index,
        revision,
        &[
            "Require MFA for admins",
            "Block legacy authentication",
            "Require compliant device",
            "Block risky sign-ins",
        ],
    );
    let locations = ctx.count("namedLocations");
    let excluded: Vec<String> = (0..locations.min(1 + seed.below(2)))
        .map(|position| ctx.guid("namedLocations", position))
        .collect();
    let strength = (ctx.count("authenticationStrengths") > 0 && seed.chance(40))
        .then(|| json!({"id": ctx.guid("authenticationStrengths", 0)}));
    let state = *seed.pick(&["enabled", "disabled", "enabledForReportingButNotEnforced"]);
    let builtin: Vec<&str> = if strength.is_some() {
        Vec::new()
    } else {
        vec![*seed.pick(&["mfa", "compliantDevice", "block"])]
    };
    json!({
        "id": header.id,
        "templateId": null,
        "displayName": header.name,
        "createdDateTime": header.created,
        "modifiedDateTime": if revision == 0 { Value::Null } else { json!(header.modified) },
        "state": state,
        "partialEnablementStrategy": null,
        "sessionControls": null,
        "conditions": {
            "userRiskLevels": [],
            "signInRiskLevels": if index % 4 == 3 { json!(["high", "medium"]) } else { json!([]) },
            "clientAppTypes": if index % 4 == 1 { json!(["exchangeActiveSync", "other"]) } else { json!(["all"]) },
            "platforms": null,
            "times": null,
            "deviceStates": null,
            "devices": null,
            "clientApplications": null,
            "applications": {
                "includeApplications": ["All"],
                "excludeApplications": [],
                "includeUserActions": [],
                "includeAuthenticationContextClassReferences": [],
                "applicationFilter": null
            },
            "users": {
                "includeUsers": ["All"],
                "excludeUsers": [],
                "includeGroups": [],
                // a revision excludes one more group (a break-glass group added)
                "excludeGroups": (0..=revision as usize).map(|n| &ctx.groups[(index + n) % ctx.groups.len()]).collect::<Vec<_>>(),
                "includeRoles": [],
                "excludeRoles": [],
                "includeGuestsOrExternalUsers": null,
                "excludeGuestsOrExternalUsers": null
            },
            "locations": if excluded.is_empty() { Value::Null } else {
                json!({"includeLocations": ["All"], "excludeLocations": excluded})
            }
        },
        "grantControls": {
            "operator": "OR",
            "builtInControls": builtin,
            "customAuthenticationFactors": [],
            "termsOfUse": [],
            "authenticationStrength@odata.context": format!("https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies('{}')/grantControls/authenticationStrength/$entity", header.id),
            "authenticationStrength": strength
        }
    })
}

/// IP ranges and countries alternate, as the two `namedLocation` kinds Graph lists together.
pub fn named_location(ctx: &Ctx, index: usize, revision: u32) -> Value {
    let (header, _) = header(
        ctx,
        "namedLocations",
        index,
        revision,
        &["Head office", "Branch offices", "Allowed countries"],
    );
    let mut location = json!({
        "id": header.id,
        "displayName": header.name,
        "createdDateTime": header.created,
        "modifiedDateTime": header.modified,
    });
    if index.is_multiple_of(2) {
        location["@odata.type"] = json!("#microsoft.graph.ipNamedLocation");
        location["isTrusted"] = json!(true);
        location["ipRanges"] = json!([
            {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": format!("203.0.113.{}/32", (index + revision as usize) % 250)},
            {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:db8::/48"}
        ]);
    } else {
        location["@odata.type"] = json!("#microsoft.graph.countryNamedLocation");
        location["countriesAndRegions"] = json!(["DE", "AT", "CH"]);
        location["includeUnknownCountriesAndRegions"] = json!(!revision.is_multiple_of(2));
        location["countryLookupMethod"] = json!("clientIpAddress");
    }
    location
}

/// Microsoft's three built-in strengths come first (not backed up: they are the same in
/// every tenant), then the tenant's custom ones.
pub const BUILT_IN_STRENGTHS: usize = 3;

pub fn authentication_strength(ctx: &Ctx, index: usize, revision: u32) -> Value {
    const BUILT_IN: [(&str, &str); BUILT_IN_STRENGTHS] = [
        (
            "00000000-0000-0000-0000-000000000002",
            "Multifactor authentication",
        ),
        ("00000000-0000-0000-0000-000000000003", "Passwordless MFA"),
        (
            "00000000-0000-0000-0000-000000000004",
            "Phishing-resistant MFA",
        ),
    ];
    if let Some((id, name)) = BUILT_IN.get(index) {
        return json!({
            "id": id, "createdDateTime": "2021-12-01T00:00:00Z",
            "modifiedDateTime": format!("2021-12-01T{:02}:00:00Z", revision % 24),
            "displayName": name, "description": "Built-in strength",
            "policyType": "builtIn", "requirementsSatisfied": "mfa",
            "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
        });
    }
    let custom = index - BUILT_IN_STRENGTHS;
    let (header, _) = header(
        ctx,
        "authenticationStrengths",
        custom,
        revision,
        &["Authenticator or FIDO2", "Admins: phishing-resistant"],
    );
    json!({
        "id": header.id,
        "createdDateTime": header.created,
        "modifiedDateTime": header.modified,
        "displayName": header.name,
        "description": header.description,
        "policyType": "custom",
        "requirementsSatisfied": "mfa",
        "allowedCombinations": if revision.is_multiple_of(2) {
            json!(["fido2", "microsoftAuthenticatorPush,password"])
        } else {
            json!(["fido2"])
        },
    })
}
