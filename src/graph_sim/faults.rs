//! Fault injection: what a tenant's Graph or login endpoint should get wrong, set in the
//! configuration and replaced at run time through the admin API. Counted faults ("the first
//! N calls") keep their remaining count here.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One injected failure. `policy_type` is a catalog key (`appProtection` also covers its
/// typed collections); where it is optional, leaving it out means every Graph call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// 403 `Forbidden` naming the scope the type needs (default: its `.Read.All` /
    /// `.ReadWrite.All` pair).
    Forbidden {
        policy_type: String,
        #[serde(default)]
        scope: Option<String>,
    },
    /// 429 `TooManyRequests` with `Retry-After` for the first `count` matching calls.
    Throttle {
        #[serde(default)]
        policy_type: Option<String>,
        count: u32,
        #[serde(default = "default_retry_after")]
        retry_after_secs: u64,
    },
    /// Intune-style throttling: for `duration_secs` from the first matching call, `percent`
    /// of the matching calls (all by default) answer 429 `TooManyRequests` with Intune's
    /// error body and no `Retry-After`: Intune is not among the services that send one,
    /// and its window is 20 s (Graph docs `concepts/throttling.md`,
    /// `concepts/throttling-limits.md` "Intune service limits").
    IntuneStorm {
        #[serde(default)]
        policy_type: Option<String>,
        duration_secs: u64,
        #[serde(default = "default_percent")]
        percent: u8,
    },
    /// 500, 502, 503 or 504 for the first `count` matching calls (503 carries
    /// `Retry-After`).
    ServerError {
        #[serde(default)]
        policy_type: Option<String>,
        #[serde(default = "default_status")]
        status: u16,
        count: u32,
    },
    /// 500 `InternalServerError` for the first `count` matching calls that carry an
    /// `$expand`, as Graph answers heavy expanded pages (GRAPH.md, "Graph responses");
    /// the same read without the expansion is served.
    ExpandError {
        #[serde(default)]
        policy_type: Option<String>,
        count: u32,
    },
    /// Every matching call answers only after `delay_ms`.
    Slow {
        #[serde(default)]
        policy_type: Option<String>,
        delay_ms: u64,
    },
    /// The token endpoint answers this AADSTS error (7000215, 7000222, 700016, 7000112,
    /// 90002, 7000218) whatever the credentials.
    TokenError { aadsts: u32 },
    /// Tokens come without a `roles` claim (admin consent missing); Graph answers 403.
    NoRoles,
    /// The type's responses are cut off mid-JSON.
    MalformedJson { policy_type: String },
    /// Object `index` of the type is listed, but `GET /{id}` and its sub-resources answer
    /// 404, as if deleted between the list and the detail read.
    DeletedBeforeDetail { policy_type: String, index: usize },
    /// Expanded collections (`$expand=assignments`, `items`, ...) of the type hold at most
    /// `keep` members and no `@odata.nextLink`: Graph documents no paging inside an
    /// expansion (concepts/known-issues.md), so a client cannot tell from the answer.
    CutExpansions {
        #[serde(default)]
        policy_type: Option<String>,
        keep: usize,
    },
    /// Object `index`'s child collection `child` (`assignments`, `settings`,
    /// `scheduledActionsForRule`, ...) answers 404 while the object itself is still there.
    ChildNotFound {
        policy_type: String,
        index: usize,
        child: String,
    },
    /// 400 "Request not applicable to target tenant." on every deviceManagement call.
    IntuneNotProvisioned,
    /// 401 `UnknownError` on every deviceManagement call (licence expired or suspended).
    LicenseExpired,
    /// Writes (create, update, assign, ... and delete) to an object whose `displayName` or
    /// `name` equals `name` (as sent, or as the object stands) answer 400 `BadRequest`, so a
    /// test can make one item of a restore fail. Reads are untouched.
    RefuseWrites {
        name: String,
        #[serde(default)]
        policy_type: Option<String>,
    },
}

fn default_retry_after() -> u64 {
    2
}

fn default_status() -> u16 {
    503
}

fn default_percent() -> u8 {
    100
}

/// The AADSTS codes the token endpoint can be told to answer. 7000218 (`invalid_client`:
/// no client secret or assertion) is one the client's table does not know: it maps by the
/// OAuth `error` field.
pub const AADSTS_CODES: &[u32] = &[7_000_215, 7_000_222, 700_016, 7_000_112, 90_002, 7_000_218];

impl Fault {
    pub fn policy_type(&self) -> Option<&str> {
        match self {
            Self::Forbidden { policy_type, .. }
            | Self::MalformedJson { policy_type }
            | Self::DeletedBeforeDetail { policy_type, .. }
            | Self::ChildNotFound { policy_type, .. } => Some(policy_type),
            Self::CutExpansions { policy_type, .. } | Self::RefuseWrites { policy_type, .. } => {
                policy_type.as_deref()
            }
            Self::Throttle { policy_type, .. }
            | Self::IntuneStorm { policy_type, .. }
            | Self::ServerError { policy_type, .. }
            | Self::ExpandError { policy_type, .. }
            | Self::Slow { policy_type, .. } => policy_type.as_deref(),
            Self::TokenError { .. }
            | Self::NoRoles
            | Self::IntuneNotProvisioned
            | Self::LicenseExpired => None,
        }
    }

    /// Why the fault cannot be served, if it cannot.
    pub fn check(&self, known_key: impl Fn(&str) -> bool) -> Result<(), String> {
        if let Some(key) = self.policy_type() {
            if !known_key(key) {
                return Err(format!("unknown policy_type {key:?}"));
            }
        }
        match self {
            Self::ServerError { status, .. } if ![500, 502, 503, 504].contains(status) => Err(
                format!("server_error status {status} is not 500, 502, 503 or 504"),
            ),
            Self::IntuneStorm { percent, .. } if !(1..=100).contains(percent) => Err(format!(
                "intune_storm percent {percent} is not between 1 and 100"
            )),
            Self::TokenError { aadsts } if !AADSTS_CODES.contains(aadsts) => Err(format!(
                "token_error aadsts {aadsts} is not one of {AADSTS_CODES:?}"
            )),
            _ => Ok(()),
        }
    }

    /// Whether the fault applies to a Graph call of `family` (a catalog key).
    fn matches(&self, family: Option<&str>) -> bool {
        match self.policy_type() {
            None => true,
            Some(key) => family == Some(key),
        }
    }
}

/// A fault with its remaining count (for the counted ones), and for a storm when it began
/// and how many calls it has seen.
#[derive(Debug, Clone)]
struct Active {
    fault: Fault,
    remaining: u32,
    began: Option<Instant>,
    seen: u64,
}

impl Active {
    /// Whether a storm throttles this call: inside its window, `percent` of the calls
    /// (spread evenly: call n is throttled when n * percent crosses a multiple of 100).
    fn storm_throttles(&mut self, duration_secs: u64, percent: u8, now: Instant) -> bool {
        let began = *self.began.get_or_insert(now);
        if now.duration_since(began) >= Duration::from_secs(duration_secs) {
            return false;
        }
        self.seen += 1;
        let percent = u64::from(percent);
        (self.seen * percent) / 100 != ((self.seen - 1) * percent) / 100
    }
}

/// A tenant's faults as they stand.
#[derive(Debug, Clone, Default)]
pub struct FaultSet {
    active: Vec<Active>,
}

/// What a Graph call should get, decided before any content is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    Forbidden {
        scope: Option<String>,
    },
    /// `retry_after_secs` `None`: Intune's 429, without `Retry-After`.
    Throttled {
        retry_after_secs: Option<u64>,
    },
    ServerError {
        status: u16,
    },
}

impl FaultSet {
    pub fn new(faults: Vec<Fault>) -> Self {
        Self {
            active: faults
                .into_iter()
                .map(|fault| {
                    let remaining = match &fault {
                        Fault::Throttle { count, .. }
                        | Fault::ServerError { count, .. }
                        | Fault::ExpandError { count, .. } => *count,
                        _ => 0,
                    };
                    Active {
                        fault,
                        remaining,
                        began: None,
                        seen: 0,
                    }
                })
                .collect(),
        }
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.active.iter().map(|a| a.fault.clone()).collect()
    }

    pub fn has(&self, wanted: impl Fn(&Fault) -> bool) -> bool {
        self.active.iter().any(|a| wanted(&a.fault))
    }

    pub fn token_error(&self) -> Option<u32> {
        self.active.iter().find_map(|a| match a.fault {
            Fault::TokenError { aadsts } => Some(aadsts),
            _ => None,
        })
    }

    /// The delay of the slowest matching `slow` fault.
    pub fn delay_ms(&self, family: Option<&str>) -> u64 {
        self.active
            .iter()
            .filter_map(|a| match a.fault {
                Fault::Slow { delay_ms, .. } if a.fault.matches(family) => Some(delay_ms),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    pub fn malformed(&self, family: Option<&str>) -> bool {
        family.is_some()
            && self.has(|f| matches!(f, Fault::MalformedJson { .. }) && f.matches(family))
    }

    pub fn deleted_before_detail(&self, family: &str, index: usize) -> bool {
        self.has(|f| matches!(f, Fault::DeletedBeforeDetail { policy_type, index: i } if policy_type == family && *i == index))
    }

    /// Whether a call of `family` that carries `$expand` gets the 500 of an `expand_error`
    /// fault (counting it down).
    pub fn take_expand_error(&mut self, family: Option<&str>) -> bool {
        let hit = self.active.iter_mut().find(|a| {
            matches!(a.fault, Fault::ExpandError { .. })
                && a.remaining > 0
                && a.fault.matches(family)
        });
        match hit {
            Some(active) => {
                active.remaining -= 1;
                true
            }
            None => false,
        }
    }

    /// How many members an expansion of `family` keeps, when a `cut_expansions` fault
    /// applies (the smallest).
    pub fn expansion_limit(&self, family: &str) -> Option<usize> {
        self.active
            .iter()
            .filter_map(|a| match a.fault {
                Fault::CutExpansions { keep, .. } if a.fault.matches(Some(family)) => Some(keep),
                _ => None,
            })
            .min()
    }

    /// Whether object `index`'s child collection `child` answers 404.
    pub fn child_not_found(&self, family: &str, index: usize, child: &str) -> bool {
        self.has(|f| {
            matches!(f, Fault::ChildNotFound { policy_type, index: i, child: c }
                if policy_type == family && *i == index && c.eq_ignore_ascii_case(child))
        })
    }

    /// Whether a write to an object of `family` named one of `names` is refused.
    pub fn refuses_write(&self, family: &str, names: &[&str]) -> bool {
        self.has(|f| {
            matches!(f, Fault::RefuseWrites { name, .. } if names.contains(&name.as_str()))
                && f.matches(Some(family))
        })
    }

    /// Decides the fault a Graph call of `family` gets, counting it down if it is counted:
    /// a 403 first (permanent), then the first counted fault with calls left.
    pub fn take(&mut self, family: Option<&str>) -> Option<Injected> {
        if let Some(scope) = self.active.iter().find_map(|a| match &a.fault {
            Fault::Forbidden { scope, .. } if a.fault.matches(family) => Some(scope.clone()),
            _ => None,
        }) {
            return Some(Injected::Forbidden { scope });
        }
        let now = Instant::now();
        for active in &mut self.active {
            if !active.fault.matches(family) {
                continue;
            }
            if let Fault::IntuneStorm {
                duration_secs,
                percent,
                ..
            } = active.fault
            {
                if active.storm_throttles(duration_secs, percent, now) {
                    return Some(Injected::Throttled {
                        retry_after_secs: None,
                    });
                }
                continue;
            }
            if active.remaining == 0 {
                continue;
            }
            let injected = match active.fault {
                Fault::Throttle {
                    retry_after_secs, ..
                } => Injected::Throttled {
                    retry_after_secs: Some(retry_after_secs),
                },
                Fault::ServerError { status, .. } => Injected::ServerError { status },
                _ => continue,
            };
            active.remaining -= 1;
            return Some(injected);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_fault_fires_exactly_count_times_for_its_type() {
        let mut set = FaultSet::new(vec![Fault::Throttle {
            policy_type: Some("settingsCatalog".into()),
            count: 2,
            retry_after_secs: 1,
        }]);
        assert_eq!(set.take(Some("deviceConfigurations")), None);
        let throttled = Some(Injected::Throttled {
            retry_after_secs: Some(1),
        });
        assert_eq!(set.take(Some("settingsCatalog")), throttled);
        assert_eq!(set.take(Some("settingsCatalog")), throttled);
        assert_eq!(set.take(Some("settingsCatalog")), None);
    }

    #[test]
    fn expansions_are_cut_and_child_collections_go_missing_where_configured() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"kind":"cut_expansions","policy_type":"policySets","keep":1},
                {"kind":"cut_expansions","keep":3},
                {"kind":"child_not_found","policy_type":"scopeTags","index":2,"child":"assignments"}]"#,
        )
        .unwrap();
        assert!(faults.iter().all(|f| f.check(|_| true).is_ok()));
        let set = FaultSet::new(faults);
        assert_eq!(set.expansion_limit("policySets"), Some(1));
        assert_eq!(set.expansion_limit("deviceConfigurations"), Some(3));
        assert!(set.child_not_found("scopeTags", 2, "Assignments"));
        assert!(!set.child_not_found("scopeTags", 1, "assignments"));
        assert!(!set.child_not_found("scopeTags", 2, "settings"));
    }

    #[test]
    fn an_intune_storm_throttles_its_share_of_calls_without_retry_after_for_its_window() {
        let mut all = FaultSet::new(vec![Fault::IntuneStorm {
            policy_type: None,
            duration_secs: 3600,
            percent: 100,
        }]);
        let intune = Some(Injected::Throttled {
            retry_after_secs: None,
        });
        assert!((0..10).all(|_| all.take(Some("settingsCatalog")) == intune));
        let mut half = FaultSet::new(vec![Fault::IntuneStorm {
            policy_type: Some("settingsCatalog".into()),
            duration_secs: 3600,
            percent: 50,
        }]);
        assert_eq!(half.take(Some("deviceConfigurations")), None);
        let throttled = (0..100)
            .filter(|_| half.take(Some("settingsCatalog")).is_some())
            .count();
        assert_eq!(throttled, 50);
        // a window that has passed throttles nothing
        let mut over = FaultSet::new(vec![Fault::IntuneStorm {
            policy_type: None,
            duration_secs: 0,
            percent: 100,
        }]);
        assert_eq!(over.take(None), None);
        assert!(Fault::IntuneStorm {
            policy_type: None,
            duration_secs: 1,
            percent: 0
        }
        .check(|_| true)
        .is_err());
    }

    #[test]
    fn faults_parse_from_their_json_names() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"kind":"forbidden","policy_type":"appProtection"},
                {"kind":"throttle","count":3},
                {"kind":"intune_storm","duration_secs":25},
                {"kind":"server_error","status":504,"count":1},
                {"kind":"slow","delay_ms":50},
                {"kind":"token_error","aadsts":7000222},
                {"kind":"no_roles"},
                {"kind":"malformed_json","policy_type":"remediations"},
                {"kind":"deleted_before_detail","policy_type":"powershellScripts","index":1},
                {"kind":"intune_not_provisioned"},
                {"kind":"license_expired"}]"#,
        )
        .unwrap();
        assert_eq!(faults.len(), 11);
        assert!(faults.iter().all(|f| f.check(|_| true).is_ok()));
        assert!(Fault::TokenError { aadsts: 1 }.check(|_| true).is_err());
    }

    #[test]
    fn an_expand_error_fires_count_times_and_only_for_its_type() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"kind":"expand_error","policy_type":"deviceConfigurations","count":2}]"#,
        )
        .unwrap();
        let mut set = FaultSet::new(faults);
        assert!(!set.take_expand_error(Some("settingsCatalog")));
        assert_eq!(set.take(Some("deviceConfigurations")), None);
        assert!(set.take_expand_error(Some("deviceConfigurations")));
        assert!(set.take_expand_error(Some("deviceConfigurations")));
        assert!(!set.take_expand_error(Some("deviceConfigurations")));
    }
}
