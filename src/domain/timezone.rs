//! An IANA timezone name, validated against the tz database chrono-tz embeds.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA timezone name (for example Europe/Berlin)")]
pub struct UnknownTimezone(pub String);

impl Timezone {
    pub fn tz(self) -> Tz {
        self.0
    }
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl FromStr for Timezone {
    type Err = UnknownTimezone;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Exact names only: "europe/berlin" or " UTC" would be surprising aliases to store.
        Tz::from_str(text)
            .map(Self)
            .map_err(|_| UnknownTimezone(text.to_owned()))
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Timezone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Timezone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_parse_and_others_do_not() {
        assert_eq!(
            "Europe/Berlin".parse::<Timezone>().unwrap().name(),
            "Europe/Berlin"
        );
        assert!("Mars/Olympus_Mons".parse::<Timezone>().is_err());
        assert!("".parse::<Timezone>().is_err());
        assert!("+02:00".parse::<Timezone>().is_err());
    }
}
