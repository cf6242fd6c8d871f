//! PLACEHOLDER until the DST-correct implementation lands (same public API).
use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    hour: u32,
    minute: u32,
}
impl TimeOfDay {
    pub fn new(hour: u32, minute: u32) -> Result<Self, CadenceError> {
        if hour > 23 || minute > 59 {
            return Err(CadenceError::InvalidTime(format!("{hour}:{minute}")));
        }
        Ok(Self { hour, minute })
    }
    pub fn parse(text: &str) -> Result<Self, CadenceError> {
        let bad = || CadenceError::InvalidTime(text.to_owned());
        let b = text.as_bytes();
        if b.len() != 5 || b[2] != b':' {
            return Err(bad());
        }
        let h: u32 = text[0..2].parse().map_err(|_| bad())?;
        let m: u32 = text[3..5].parse().map_err(|_| bad())?;
        Self::new(h, m).map_err(|_| bad())
    }
    pub fn hour(&self) -> u32 {
        self.hour
    }
    pub fn minute(&self) -> u32 {
        self.minute
    }
    pub fn as_naive(&self) -> NaiveTime {
        NaiveTime::from_hms_opt(self.hour, self.minute, 0).expect("valid")
    }
}
impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}
impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayOfWeek {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}
impl DayOfWeek {
    pub fn to_chrono(self) -> Weekday {
        match self {
            Self::Mon => Weekday::Mon,
            Self::Tue => Weekday::Tue,
            Self::Wed => Weekday::Wed,
            Self::Thu => Weekday::Thu,
            Self::Fri => Weekday::Fri,
            Self::Sat => Weekday::Sat,
            Self::Sun => Weekday::Sun,
        }
    }
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Cadence {
    Daily {
        times: Vec<TimeOfDay>,
    },
    Weekly {
        days: Vec<DayOfWeek>,
        times: Vec<TimeOfDay>,
    },
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("time must be HH:MM (00:00 to 23:59): {0:?}")]
    InvalidTime(String),
    #[error("at least one time of day is required")]
    NoTimes,
    #[error("at most 24 times of day are allowed")]
    TooManyTimes,
    #[error("time {0} is listed twice")]
    DuplicateTime(TimeOfDay),
    #[error("a weekly cadence needs at least one day")]
    NoDays,
    #[error("day {0:?} is listed twice")]
    DuplicateDay(DayOfWeek),
}
impl Cadence {
    pub fn validated(self) -> Result<Cadence, CadenceError> {
        Ok(self)
    }
    pub fn next_slot_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (days, times) = match self {
            Cadence::Daily { times } => (None, times),
            Cadence::Weekly { days, times } => (Some(days), times),
        };
        let start = after.with_timezone(&tz).date_naive() - Duration::days(1);
        (0..9).find_map(|offset| {
            let date = start + Duration::days(offset);
            if let Some(days) = days {
                if !days
                    .iter()
                    .any(|d| d.to_chrono() == chrono::Datelike::weekday(&date))
                {
                    return None;
                }
            }
            times
                .iter()
                .map(|t| resolve_local(tz, date.and_time(t.as_naive())))
                .filter(|slot| *slot > after)
                .min()
        })
    }
    pub fn upcoming(&self, tz: Tz, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < count {
            match self.next_slot_after(tz, cursor) {
                Some(slot) => {
                    out.push(slot);
                    cursor = slot;
                }
                None => break,
            }
        }
        out
    }
}
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let probe = tz.from_utc_datetime(&(local - Duration::hours(3)));
            let offset = chrono::Offset::fix(probe.offset());
            (local - Duration::seconds(offset.local_minus_utc() as i64)).and_utc()
        }
    }
}
