//! Token values: `tp_` and 43 characters of URL-safe base64 (32 random bytes). Only their
//! SHA-256 is stored; a stored hash cannot be turned back into a working token.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "tp_";
const RANDOM_BYTES: usize = 32;
/// `tp_` plus 43 base64 characters.
pub const TOKEN_LENGTH: usize = 3 + 43;

/// A token value as handed to its owner, once. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenValue(String);

impl TokenValue {
    pub fn generate() -> Self {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system provides randomness");
        Self(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> Vec<u8> {
        hash(&self.0)
    }
}

impl fmt::Debug for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenValue(***)")
    }
}

pub fn hash(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// Why a request is not authenticated. The detail never repeats what the caller sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("an Authorization: Bearer token is required")]
    Missing,
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    #[error("the token is not valid (unknown, revoked, or not a TenantPilot token)")]
    Invalid,
}

/// The bearer token of an `Authorization` header value.
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthFailure> {
    let header = header.ok_or(AuthFailure::Missing)?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthFailure::Malformed);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(AuthFailure::Malformed);
    }
    Ok(token)
}

/// Whether a value has the shape of an issued token (cheap check before any lookup).
pub fn looks_issued(token: &str) -> bool {
    token.len() == TOKEN_LENGTH
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_issued_shape_and_differ() {
        let first = TokenValue::generate();
        let second = TokenValue::generate();
        assert!(looks_issued(first.expose()));
        assert_ne!(first, second);
        assert_eq!(first.hash().len(), 32);
        assert!(!format!("{first:?}").contains(first.expose()));
    }

    #[test]
    fn authorization_headers_are_parsed_strictly() {
        assert_eq!(bearer_token(None), Err(AuthFailure::Missing));
        assert_eq!(bearer_token(Some("Bearer")), Err(AuthFailure::Malformed));
        assert_eq!(bearer_token(Some("Bearer ")), Err(AuthFailure::Malformed));
        assert_eq!(
            bearer_token(Some("Basic dXNlcjpwYXNz")),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(
            bearer_token(Some("Bearer a b")),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(bearer_token(Some("bearer tp_x")), Ok("tp_x"));
        assert!(!looks_issued("tp_short"));
        assert!(!looks_issued(&format!("xx_{}", "a".repeat(43))));
        assert!(!looks_issued(&format!("tp_{}", "é".repeat(21))));
    }
}
