//! A captured object's content as its compact JSON text, with what the inventory needs
//! from its tree. A run holds a whole type's objects until the type is stored (the largest,
//! 900 settings-catalog policies with their settings, is tens of MB as text); as
//! `serde_json::Value` trees they cost several times their text (a node, a `String` and an
//! allocation per key and value), which made the service's peak RSS. Each object is turned
//! into text as soon as it is complete, hashed from the tree Graph's answer was parsed into
//! (the same hash as before, whatever a float's text), and parsed again only where something
//! has to look inside it (the encrypted OMA-URI settings, tests).

use std::fmt;

use serde_json::Value;

use crate::backup::canonical::content_hash;

/// One object's content: the compact text `serde_json` writes for its `Value` (so the
/// stored `jsonb` is the same as from the `Value`), its content hash and its
/// `lastModifiedDateTime`.
#[derive(Clone, PartialEq, Eq)]
pub struct Content {
    text: Box<str>,
    hash: Box<str>,
    last_modified: Option<Box<str>>,
}

impl Content {
    pub fn new(value: &Value) -> Self {
        Self {
            text: value.to_string().into_boxed_str(),
            hash: content_hash(value).into_boxed_str(),
            last_modified: value
                .get("lastModifiedDateTime")
                .and_then(Value::as_str)
                .map(Into::into),
        }
    }

    /// What is left of a content once its type is stored: JSON `null`, no hash.
    pub fn null() -> Self {
        Self {
            text: "null".into(),
            hash: "".into(),
            last_modified: None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The content address (`backup::canonical::content_hash`).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn last_modified(&self) -> Option<&str> {
        self.last_modified.as_deref()
    }

    /// The content as a tree again (the text was written by `serde_json`, so it parses).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl From<Value> for Content {
    fn from(value: Value) -> Self {
        Self::new(&value)
    }
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_is_compact_and_parses_back_to_the_same_tree() {
        let value = json!({"id": "p", "n": 1.5, "big": u64::MAX, "s": "a\"\u{fffd}",
                           "settings": [{"x": null}, true, -3]});
        let content = Content::new(&value);
        assert!(!content.as_str().contains(' '));
        assert_eq!(content.to_value(), value);
        assert_eq!(content.as_str(), value.to_string());
        assert_eq!(content.hash(), content_hash(&value));
        assert_eq!(content.last_modified(), None);
        let modified = Content::new(&json!({"lastModifiedDateTime": "2026-01-01T00:00:00Z"}));
        assert_eq!(modified.last_modified(), Some("2026-01-01T00:00:00Z"));
    }
}
