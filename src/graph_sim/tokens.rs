//! Access tokens: unsigned but JWT-shaped (`header.claims.sim`), so the client can decode
//! `roles` and `exp` as it would a real one. The simulator remembers what it issued: Graph
//! accepts only its own, unexpired tokens.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::config::TenantConfig;

/// An issued token, as Graph sees it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The tenant (lowercase Entra id) the token is for.
    pub tenant: String,
    pub expires_at: DateTime<Utc>,
    /// The `roles` claim, `None` when the token has none (admin consent missing).
    pub roles: Option<Vec<String>>,
}

/// The outcome of checking a request's `Authorization` header.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Valid(Issued),
    Missing,
    Unknown,
    Expired,
}

#[derive(Debug, Default)]
pub struct TokenStore {
    issued: Mutex<HashMap<String, Issued>>,
}

impl TokenStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Issued>> {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Issues a token for `tenant`, with its roles unless `without_roles`.
    pub fn issue(
        &self,
        tenant: &TenantConfig,
        without_roles: bool,
        now: DateTime<Utc>,
    ) -> (String, Issued) {
        let lifetime = i64::try_from(tenant.token_lifetime_secs).unwrap_or(i64::MAX / 2_000);
        let expires_at = now + Duration::seconds(lifetime);
        let tid = tenant.azure_tenant_id.to_ascii_lowercase();
        let mut claims = json!({
            "aud": "https://graph.microsoft.com",
            "iss": format!("https://sts.windows.net/{tid}/"),
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
            "exp": expires_at.timestamp(),
            "app_displayname": "TenantPilot backup",
            "appid": tenant.client_id,
            "appidacr": "1",
            "idp": format!("https://sts.windows.net/{tid}/"),
            "idtyp": "app",
            "oid": Uuid::new_v4(),
            "sub": Uuid::new_v4(),
            "tid": tid,
            // unique per token, as Entra's `uti` is
            "uti": Uuid::new_v4().simple().to_string(),
            "ver": "1.0",
        });
        let roles = (!without_roles).then(|| tenant.roles.clone());
        if let Some(roles) = &roles {
            claims["roles"] = json!(roles);
        }
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let token = format!("{header}.{body}.sim");
        let issued = Issued {
            tenant: tid,
            expires_at,
            roles,
        };
        let mut store = self.lock();
        // forget tokens long expired, so a long-running simulator stays small
        store.retain(|_, t| t.expires_at + Duration::hours(1) > now);
        store.insert(token.clone(), issued.clone());
        (token, issued)
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, authorization: Option<&str>, now: DateTime<Utc>) -> TokenCheck {
        let Some(token) = authorization
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
        else {
            return TokenCheck::Missing;
        };
        match self.lock().get(token) {
            None => TokenCheck::Unknown,
            Some(issued) if issued.expires_at <= now => TokenCheck::Expired,
            Some(issued) => TokenCheck::Valid(issued.clone()),
        }
    }

    /// Makes every token of `tenant` expire now (tests of refresh without waiting).
    pub fn expire_all(&self, tenant: &str, now: DateTime<Utc>) -> usize {
        let tenant = tenant.to_ascii_lowercase();
        let mut expired = 0;
        for issued in self
            .lock()
            .values_mut()
            .filter(|t| t.tenant == tenant && t.expires_at > now)
        {
            issued.expires_at = now;
            expired += 1;
        }
        expired
    }
}

/// Decodes a token's claims (for tests and the client's expectations).
pub fn claims(token: &str) -> Option<serde_json::Value> {
    let body = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(body).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_jwt_shaped_and_carries_tid_appid_roles_and_exp() {
        let store = TokenStore::default();
        let tenant = TenantConfig::new("ABC", "client", "secret");
        let now = Utc::now();
        let (token, _) = store.issue(&tenant, false, now);
        assert_eq!(token.split('.').count(), 3);
        assert!(token.ends_with(".sim"));
        let claims = claims(&token).unwrap();
        assert_eq!(claims["tid"], "abc");
        assert_eq!(claims["appid"], "client");
        assert_eq!(claims["exp"], now.timestamp() + 3599);
        assert!(claims["roles"].as_array().is_some_and(|r| !r.is_empty()));
        let (bare, _) = store.issue(&tenant, true, now);
        assert!(super::claims(&bare).unwrap().get("roles").is_none());
    }

    #[test]
    fn only_issued_unexpired_tokens_are_valid() {
        let store = TokenStore::default();
        let mut tenant = TenantConfig::new("t", "c", "s");
        tenant.token_lifetime_secs = 10;
        let now = Utc::now();
        let (token, _) = store.issue(&tenant, false, now);
        let header = format!("Bearer {token}");
        assert!(matches!(
            store.check(Some(&header), now),
            TokenCheck::Valid(_)
        ));
        assert!(matches!(
            store.check(Some(&header), now + Duration::seconds(10)),
            TokenCheck::Expired
        ));
        assert!(matches!(
            store.check(Some("Bearer x.y.sim"), now),
            TokenCheck::Unknown
        ));
        assert!(matches!(store.check(None, now), TokenCheck::Missing));
        assert_eq!(store.expire_all("T", now), 1);
        assert!(matches!(
            store.check(Some(&header), now),
            TokenCheck::Expired
        ));
    }
}
