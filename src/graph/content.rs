//! A captured object's content as its compact JSON text. A run holds a whole type's objects
//! until the type is stored (the largest, 900 settings-catalog policies with their
//! settings, is tens of MB as text); as `serde_json::Value` trees they cost about five times
//! their text (a map node, a `String` and an allocation per key and value), which made the
//! service's peak RSS. Each object is turned into text as soon as it is complete, and parsed
//! again, one at a time, only where something has to look inside it (hashing, the encrypted
//! OMA-URI settings).

use std::fmt;

use serde_json::Value;

/// Compact JSON text of one object, exactly what `serde_json` writes for its `Value` (so the
/// stored `jsonb` and the content hash are the same as from the `Value`).
#[derive(Clone, PartialEq, Eq)]
pub struct Content(Box<str>);

impl Content {
    pub fn new(value: &Value) -> Self {
        Self(value.to_string().into_boxed_str())
    }

    /// What is left of a content once its type is stored: JSON `null`.
    pub fn null() -> Self {
        Self("null".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The content as a tree again (the text was written by `serde_json`, so it parses).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<Value> for Content {
    fn from(value: Value) -> Self {
        Self::new(&value)
    }
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
    }
}
