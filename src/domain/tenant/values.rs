use std::fmt;

use serde::{Deserialize, Serialize};

/// A tenant's display name: 1 to 200 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTenantName {
    #[error("the display name must not be empty")]
    Empty,
    #[error("the display name must be at most {max} characters", max = TenantName::MAX_CHARS)]
    TooLong,
    #[error("the display name must not contain control characters")]
    ControlCharacters,
}

impl TenantName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, InvalidTenantName> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(InvalidTenantName::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(InvalidTenantName::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidTenantName::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantName {
    type Error = InvalidTenantName;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantName> for String {
    fn from(name: TenantName) -> Self {
        name.0
    }
}

impl fmt::Display for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
