//! Reading the application permissions (`roles`) out of an access token. The signature is
//! not checked: the token is ours, fresh from the login, and only tells us whether admin
//! consent was given.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    roles: Vec<String>,
}

/// The token's `roles` claim; empty when it has none or the token cannot be read.
pub(crate) fn roles(access_token: &str) -> Vec<String> {
    let Some(payload) = access_token.split('.').nth(1) else {
        return Vec::new();
    };
    URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|json| serde_json::from_slice::<Claims>(&json).ok())
        .map(|claims| claims.roles)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!(
            "{}.{}.signature",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn roles_are_read_from_the_payload() {
        let access = token(
            r#"{"aud":"https://graph.microsoft.com","roles":["DeviceManagementConfiguration.Read.All","DeviceManagementApps.Read.All"]}"#,
        );
        assert_eq!(
            roles(&access),
            [
                "DeviceManagementConfiguration.Read.All",
                "DeviceManagementApps.Read.All"
            ]
        );
    }

    #[test]
    fn a_token_without_roles_has_none() {
        assert!(roles(&token(r#"{"aud":"x"}"#)).is_empty());
        assert!(roles(&token(r#"{"roles":[]}"#)).is_empty());
    }

    #[test]
    fn a_padded_payload_is_read_too() {
        let padded = format!(
            "h.{}.s",
            base64::engine::general_purpose::URL_SAFE.encode(r#"{"roles":["A"]}"#)
        );
        assert_eq!(roles(&padded), ["A"]);
    }

    #[test]
    fn an_unreadable_token_has_no_roles() {
        assert!(roles("opaque").is_empty());
        assert!(roles("a.%%%.c").is_empty());
        assert!(roles(&format!("a.{}.c", URL_SAFE_NO_PAD.encode("not json"))).is_empty());
    }
}
