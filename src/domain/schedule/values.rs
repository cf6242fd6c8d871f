//! Validated values of a schedule. Parsing them is the only way in, so the aggregate and
//! everything after it can trust them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::policy_types;

/// 1 to 100 characters, trimmed, no control characters. Unique per tenant, compared
/// case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScheduleName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidScheduleName {
    #[error("the name must not be empty")]
    Empty,
    #[error("the name must be at most {max} characters", max = ScheduleName::MAX_CHARS)]
    TooLong,
    #[error("the name must not contain control characters")]
    ControlCharacters,
}

impl ScheduleName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: &str) -> Result<Self, InvalidScheduleName> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(InvalidScheduleName::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(InvalidScheduleName::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidScheduleName::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is decided on.
    pub fn unique_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for ScheduleName {
    type Error = InvalidScheduleName;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ScheduleName> for String {
    fn from(name: ScheduleName) -> Self {
        name.0
    }
}

impl fmt::Display for ScheduleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many backup-producing runs retention keeps: 1 to 365.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct RetentionKeepLast(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("retention_keep_last must be between 1 and 365, got {0}")]
pub struct InvalidRetention(pub i64);

impl RetentionKeepLast {
    pub fn new(value: i64) -> Result<Self, InvalidRetention> {
        match u16::try_from(value) {
            Ok(number @ 1..=365) => Ok(Self(number)),
            _ => Err(InvalidRetention(value)),
        }
    }
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for RetentionKeepLast {
    type Error = InvalidRetention;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(i64::from(value))
    }
}

impl From<RetentionKeepLast> for u16 {
    fn from(value: RetentionKeepLast) -> Self {
        value.0
    }
}

/// A non-empty set of keys from the policy-type catalog, kept in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct PolicyTypeSelection(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicyTypes {
    #[error("at least one policy type is required")]
    Empty,
    #[error("unknown policy type {0:?} (see /api/v1/policy-types)")]
    Unknown(String),
    #[error("policy type {0:?} is listed twice")]
    Duplicate(String),
}

impl PolicyTypeSelection {
    pub fn parse(keys: Vec<String>) -> Result<Self, InvalidPolicyTypes> {
        if keys.is_empty() {
            return Err(InvalidPolicyTypes::Empty);
        }
        let mut seen = BTreeSet::new();
        for key in &keys {
            if policy_types::find(key).is_none() {
                return Err(InvalidPolicyTypes::Unknown(key.clone()));
            }
            if !seen.insert(key.as_str()) {
                return Err(InvalidPolicyTypes::Duplicate(key.clone()));
            }
        }
        Ok(Self(keys))
    }

    pub fn keys(&self) -> &[String] {
        &self.0
    }
}

impl TryFrom<Vec<String>> for PolicyTypeSelection {
    type Error = InvalidPolicyTypes;
    fn try_from(value: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<PolicyTypeSelection> for Vec<String> {
    fn from(value: PolicyTypeSelection) -> Self {
        value.0
    }
}
