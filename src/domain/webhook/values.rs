//! A webhook's validated values: its URL, the public event types it subscribes to, its
//! description, and why it was disabled.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The public event names a webhook can subscribe to: part of the API contract, never the
/// internal event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PublicEventType {
    #[serde(rename = "backup_run.succeeded")]
    RunSucceeded,
    #[serde(rename = "backup_run.partial")]
    RunPartial,
    #[serde(rename = "backup_run.failed")]
    RunFailed,
    #[serde(rename = "backup_slot.skipped")]
    SlotSkipped,
    #[serde(rename = "backup_schedule.retention_applied")]
    RetentionApplied,
    #[serde(rename = "backup_schedule.changed")]
    ScheduleChanged,
    #[serde(rename = "restore.completed")]
    RestoreCompleted,
    #[serde(rename = "restore.partial")]
    RestorePartial,
    #[serde(rename = "restore.failed")]
    RestoreFailed,
}

impl PublicEventType {
    pub const ALL: [PublicEventType; 9] = [
        Self::RunSucceeded,
        Self::RunPartial,
        Self::RunFailed,
        Self::SlotSkipped,
        Self::RetentionApplied,
        Self::ScheduleChanged,
        Self::RestoreCompleted,
        Self::RestorePartial,
        Self::RestoreFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RunSucceeded => "backup_run.succeeded",
            Self::RunPartial => "backup_run.partial",
            Self::RunFailed => "backup_run.failed",
            Self::SlotSkipped => "backup_slot.skipped",
            Self::RetentionApplied => "backup_schedule.retention_applied",
            Self::ScheduleChanged => "backup_schedule.changed",
            Self::RestoreCompleted => "restore.completed",
            Self::RestorePartial => "restore.partial",
            Self::RestoreFailed => "restore.failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for PublicEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a subscription receives: every public event type, or the ones listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTypeFilter {
    All,
    Only {
        event_types: BTreeSet<PublicEventType>,
    },
}

/// `*` in a request: every public event type, present and future.
pub const ALL_EVENT_TYPES: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEventTypes {
    #[error("event_types must list at least one event type (or \"*\" for all)")]
    Empty,
    #[error("{0:?} is listed twice")]
    Duplicate(String),
    /// The index of the unknown name, and the name.
    #[error("{1:?} is not an event type; known: {known}", known = known_names())]
    Unknown(usize, String),
}

fn known_names() -> String {
    PublicEventType::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl EventTypeFilter {
    /// Reads a request's list: public names, or `*` (alone or among others) for all.
    pub fn parse(names: &[String]) -> Result<Self, InvalidEventTypes> {
        if names.is_empty() {
            return Err(InvalidEventTypes::Empty);
        }
        let mut seen = BTreeSet::new();
        let mut types = BTreeSet::new();
        let mut all = false;
        for (index, name) in names.iter().enumerate() {
            if !seen.insert(name.as_str()) {
                return Err(InvalidEventTypes::Duplicate(name.clone()));
            }
            if name == ALL_EVENT_TYPES {
                all = true;
                continue;
            }
            match PublicEventType::parse(name) {
                Some(kind) => {
                    types.insert(kind);
                }
                None => return Err(InvalidEventTypes::Unknown(index, name.clone())),
            }
        }
        Ok(if all {
            Self::All
        } else {
            Self::Only { event_types: types }
        })
    }

    pub fn includes(&self, kind: PublicEventType) -> bool {
        match self {
            Self::All => true,
            Self::Only { event_types } => event_types.contains(&kind),
        }
    }

    /// As stored and answered: the names, or `["*"]`.
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::All => vec![ALL_EVENT_TYPES.to_owned()],
            Self::Only { event_types } => event_types
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
        }
    }
}

/// The longest URL accepted.
pub const MAX_URL_LENGTH: usize = 2000;

/// An absolute `http` or `https` URL with a host, without credentials or a fragment.
/// Whether its host is a public address is checked apart (it needs DNS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidWebhookUrl {
    #[error("the URL is longer than {MAX_URL_LENGTH} characters")]
    TooLong,
    #[error("not an absolute URL: {0}")]
    NotAbsolute(String),
    #[error("the URL must use http or https, not {0}")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("the URL must not carry credentials (user or password)")]
    Credentials,
    #[error("the URL must not have a fragment (#...)")]
    Fragment,
}

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, InvalidWebhookUrl> {
        if text.chars().count() > MAX_URL_LENGTH {
            return Err(InvalidWebhookUrl::TooLong);
        }
        // RFC 3986 characters only (what JSON Schema's `uri` format accepts): the URL is
        // sent as written, so nothing is left for a lenient parser to reinterpret
        if let Some(bad) = text.chars().find(|c| !is_uri_char(*c)) {
            return Err(InvalidWebhookUrl::NotAbsolute(format!(
                "{bad:?} is not allowed in a URL; percent-encode it"
            )));
        }
        let url = url::Url::parse(text)
            .map_err(|error| InvalidWebhookUrl::NotAbsolute(error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidWebhookUrl::Scheme(url.scheme().to_owned()));
        }
        // `http:host/path` parses (WHATWG is lenient), but is not written as absolute
        if !text[url.scheme().len()..].starts_with("://") {
            return Err(InvalidWebhookUrl::NotAbsolute(
                "the URL must start with http:// or https://".to_owned(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidWebhookUrl::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidWebhookUrl::Credentials);
        }
        if url.fragment().is_some() {
            return Err(InvalidWebhookUrl::Fragment);
        }
        Ok(Self(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parsed form (the value was checked on the way in).
    pub fn to_url(&self) -> url::Url {
        url::Url::parse(&self.0).expect("a WebhookUrl is a valid URL")
    }
}

/// Unreserved, reserved and `%` (RFC 3986, 2.1-2.3).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

impl TryFrom<String> for WebhookUrl {
    type Error = InvalidWebhookUrl;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<WebhookUrl> for String {
    fn from(url: WebhookUrl) -> Self {
        url.0
    }
}

/// A free-text note on a webhook: up to 500 characters, no control characters; kept
/// trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookDescription(String);

pub const MAX_DESCRIPTION_LENGTH: usize = 500;

impl WebhookDescription {
    /// `None` for a blank description (it is removed).
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let trimmed = text.trim();
        if text.chars().count() > MAX_DESCRIPTION_LENGTH || text.chars().any(char::is_control) {
            return Err(format!(
                "the description must be at most {MAX_DESCRIPTION_LENGTH} characters without \
                 control characters"
            ));
        }
        Ok((!trimmed.is_empty()).then(|| Self(trimmed.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookDescription {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)?.ok_or_else(|| "the description is blank".to_owned())
    }
}

impl From<WebhookDescription> for String {
    fn from(description: WebhookDescription) -> Self {
        description.0
    }
}

/// Why a webhook stopped receiving messages. The strings are a contract: the notifications
/// consumer tells admins about `failing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisableReason {
    /// An admin disabled it.
    Manual,
    /// The endpoint answered 410 Gone.
    Gone,
    /// Every attempt failed for the failing window (5 days by default).
    Failing,
}

impl DisableReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Gone => "gone",
            Self::Failing => "failing",
        }
    }
}
