//! Backup cadences: when a schedule fires, evaluated in the schedule's own IANA timezone.
//!
//! # Wall-clock rules (the product contract)
//!
//! They are those of RFC 5545 (section 3.3.5) and of java.time's `ZonedDateTime.ofLocal`:
//!
//! * A slot is a wall-clock time of day on a local date. Weekly cadences pick dates by their
//!   *local* weekday, never the UTC one (Kathmandu's Monday 00:00 is a Sunday in UTC).
//! * **Gap** (spring forward: the wall time does not exist that day): the wall time is read with
//!   the UTC offset in force just *before* the gap, so the job runs once, later by the gap's
//!   length (Berlin 02:30 on the last Sunday of March runs at 03:30 CEST).
//! * **Overlap** (fall back: the wall time happens twice): the job runs once, at the *earlier*
//!   occurrence. The later occurrence is not a slot at all.
//! * Distinct wall times that resolve to the same instant are one slot (in New York on a
//!   spring-forward day, 02:00 is in the gap and resolves to 07:00Z, exactly like 03:00).

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::{GapInfo, Tz};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Most times of day one cadence may list: one per hour is already far more than a backup needs.
const MAX_TIMES: usize = 24;

const SECONDS_PER_DAY: i64 = 86_400;

/// Every UTC offset in the tz database, including the historical local mean times, lies strictly
/// within ±16 h (the extremes are LMT entries of about ±15:57). So a wall time `x` (read as if it
/// were UTC) always resolves to an instant in `(x - 16 h, x + 16 h)`. `next_slot_after` uses that
/// to decide which candidates can matter before asking the zone anything, and the bound holds
/// whatever the zone did: gaps, overlaps, whole skipped days, or changes of standard offset.
const OFFSET_BOUND_SECS: i64 = 16 * 3_600;
const OFFSET_BOUND: Duration = Duration::seconds(OFFSET_BOUND_SECS);

/// Local dates scanned at most. The scan starts on the date of `after - 16 h`; every slot of a
/// date starting at or after `after + 16 h` (at most 3 dates on) is after `after`, and a weekly
/// cadence reaches one of its weekdays within 6 more dates: 10 dates suffice, 12 leave slack.
const MAX_SCAN_DAYS: i64 = 12;

/// Weekday bitmask (bit 0 = Monday) that matches every day.
const EVERY_DAY: u8 = 0b111_1111;

/// Why a time of day or a cadence was rejected.
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

/// A wall-clock time of day with minute precision, "HH:MM" (00:00..=23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// Minutes since local midnight, `0..1440`; the derived ordering is therefore chronological.
    minutes: u16,
}

impl TimeOfDay {
    pub fn new(hour: u32, minute: u32) -> Result<Self, CadenceError> {
        if hour > 23 || minute > 59 {
            return Err(CadenceError::InvalidTime(format!("{hour:02}:{minute:02}")));
        }
        // Both factors are range-checked above, so the value is below 1440 and fits a u16.
        let minutes = u16::try_from(hour * 60 + minute).expect("hour < 24 and minute < 60");
        Ok(Self { minutes })
    }

    /// Parses exactly "HH:MM": two ASCII digits each, nothing around them.
    pub fn parse(text: &str) -> Result<Self, CadenceError> {
        let invalid = || CadenceError::InvalidTime(text.to_owned());
        let &[h1, h2, b':', m1, m2] = text.as_bytes() else {
            return Err(invalid());
        };
        let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
        let (Some(h1), Some(h2), Some(m1), Some(m2)) = (digit(h1), digit(h2), digit(m1), digit(m2))
        else {
            return Err(invalid());
        };
        Self::new(h1 * 10 + h2, m1 * 10 + m2).map_err(|_| invalid())
    }

    pub fn hour(&self) -> u32 {
        u32::from(self.minutes / 60)
    }

    pub fn minute(&self) -> u32 {
        u32::from(self.minutes % 60)
    }

    pub fn as_naive(&self) -> NaiveTime {
        NaiveTime::from_num_seconds_from_midnight_opt(self.seconds_from_midnight(), 0)
            .expect("a TimeOfDay is always below 24:00")
    }

    fn seconds_from_midnight(self) -> u32 {
        u32::from(self.minutes) * 60
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl FromStr for TimeOfDay {
    type Err = CadenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;

        impl de::Visitor<'_> for TimeVisitor {
            type Value = TimeOfDay;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time of day as \"HH:MM\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<TimeOfDay, E> {
                TimeOfDay::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(TimeVisitor)
    }
}

/// Lower-case three-letter weekday: "mon".."sun". Serde as that string.
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
            DayOfWeek::Mon => Weekday::Mon,
            DayOfWeek::Tue => Weekday::Tue,
            DayOfWeek::Wed => Weekday::Wed,
            DayOfWeek::Thu => Weekday::Thu,
            DayOfWeek::Fri => Weekday::Fri,
            DayOfWeek::Sat => Weekday::Sat,
            DayOfWeek::Sun => Weekday::Sun,
        }
    }

    pub fn from_chrono(w: Weekday) -> Self {
        match w {
            Weekday::Mon => DayOfWeek::Mon,
            Weekday::Tue => DayOfWeek::Tue,
            Weekday::Wed => DayOfWeek::Wed,
            Weekday::Thu => DayOfWeek::Thu,
            Weekday::Fri => DayOfWeek::Fri,
            Weekday::Sat => DayOfWeek::Sat,
            Weekday::Sun => DayOfWeek::Sun,
        }
    }

    /// This day's bit in a weekday mask (bit 0 = Monday).
    fn bit(self) -> u8 {
        1 << self.to_chrono().num_days_from_monday()
    }
}

/// When a schedule fires, in the schedule's own timezone.
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

impl Cadence {
    /// Validates: 1..=24 times, no duplicate times; weekly needs 1..=7 days, no duplicate days.
    /// Returns the cadence normalised (times and days sorted ascending). Serde deserialisation
    /// does NOT validate (so the API can report the precise problem); callers call `validated()`.
    ///
    /// Times are checked before days, and the count before duplicates, so the error reported is
    /// the first problem in that order.
    pub fn validated(self) -> Result<Cadence, CadenceError> {
        match self {
            Cadence::Daily { times } => Ok(Cadence::Daily {
                times: validated_times(times)?,
            }),
            Cadence::Weekly { days, times } => {
                let times = validated_times(times)?;
                Ok(Cadence::Weekly {
                    days: validated_days(days)?,
                    times,
                })
            }
        }
    }

    /// The first slot strictly after `after`, as a UTC instant, evaluated in `tz`. Assumes a
    /// validated cadence. Returns None only if nothing is found within a bounded search (never
    /// for a valid cadence in practice; also at the far end of chrono's range, year 262 143).
    ///
    /// Allocation-free: a handful of zone lookups per call, ~100-130 ns in a release build.
    pub fn next_slot_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (times, day_mask) = match self {
            Cadence::Daily { times } => (times.as_slice(), EVERY_DAY),
            Cadence::Weekly { days, times } => (
                times.as_slice(),
                days.iter().fold(0, |mask, d| mask | d.bit()),
            ),
        };
        // Not relying on the sort order keeps an unvalidated cadence correct, merely slower.
        let earliest_time = i64::from(times.iter().min()?.seconds_from_midnight());

        // Everything below works in whole seconds on a single timeline in which a wall time is
        // read as if it were UTC ("local seconds"). Offsets are whole seconds, so slots are too,
        // and a slot is after `after` exactly when it is after `after`'s floored second.
        let after_secs = after.timestamp();
        // The slot we want is the minimum over ALL candidate (date, time) pairs, not the first
        // one found scanning forward: a gap shifts a wall time later, so a later wall time can
        // resolve earlier (New York 02:30 -> 07:30Z but 03:15 -> 07:15Z), and in an overlap the
        // chosen first occurrence is earlier than a naive reading suggests. The offset bound
        // tells which candidates can be skipped without resolving them.
        let earliest_wall = after.naive_utc().checked_sub_signed(OFFSET_BOUND);
        let first_day = (after_secs - OFFSET_BOUND_SECS).div_euclid(SECONDS_PER_DAY);
        // The date of `day`, advanced alongside it: much cheaper than converting every candidate
        // from seconds. It is None only at the very ends of chrono's range.
        let mut date = earliest_wall.map(|wall| wall.date());
        // The best slot so far, in seconds, and the wall time and offset it was resolved from.
        let mut best: Option<(i64, NaiveDateTime, FixedOffset)> = None;
        for day in first_day..first_day + MAX_SCAN_DAYS {
            let midnight = day * SECONDS_PER_DAY;
            if best.is_some_and(|(best, ..)| midnight + earliest_time - OFFSET_BOUND_SECS >= best) {
                // Every slot on this date, and on all later ones, resolves after `best`.
                break;
            }
            if let Some(date) = date.filter(|_| day_mask & weekday_bit(day) != 0) {
                for time in times {
                    let wall = midnight + i64::from(time.seconds_from_midnight());
                    let cannot_be_after = wall + OFFSET_BOUND_SECS <= after_secs;
                    let cannot_beat_best =
                        best.is_some_and(|(best, ..)| wall - OFFSET_BOUND_SECS >= best);
                    if cannot_be_after || cannot_beat_best {
                        continue;
                    }
                    let local = date.and_time(time.as_naive());
                    let offset = resolution_offset(tz, &local);
                    let slot = wall - i64::from(offset.local_minus_utc());
                    if slot > after_secs && best.is_none_or(|(best, ..)| slot < best) {
                        best = Some((slot, local, offset));
                    }
                }
            }
            date = match date {
                Some(date) => date.succ_opt(),
                None => date_from_epoch_day(day + 1),
            };
        }
        let (_, local, offset) = best?;
        local.checked_sub_offset(offset).map(|utc| utc.and_utc())
    }

    /// Convenience: the next `count` slots strictly after `after`, increasing.
    pub fn upcoming(&self, tz: Tz, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        // Capped so that an absurd `count` cannot make us reserve absurd memory up front.
        let mut slots = Vec::with_capacity(count.min(1_024));
        let mut cursor = after;
        while slots.len() < count {
            let Some(slot) = self.next_slot_after(tz, cursor) else {
                break;
            };
            slots.push(slot);
            cursor = slot;
        }
        slots
    }
}

/// Resolves a local wall time in `tz` to one UTC instant with the RFC 5545 / java.time rules:
/// a wall time in a gap is read with the offset in force just before the gap (it moves forward
/// by the gap's length), a wall time in an overlap takes its first (earlier) occurrence.
///
/// Saturates at the ends of chrono's range (only reachable within a day of year ±262 143).
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let offset = resolution_offset(tz, &local);
    match local.checked_sub_offset(offset) {
        Some(utc) => utc.and_utc(),
        None if offset.local_minus_utc() > 0 => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// The UTC offset with which `local` is read under the rules above.
fn resolution_offset(tz: Tz, local: &NaiveDateTime) -> FixedOffset {
    match tz.offset_from_local_datetime(local) {
        LocalResult::Single(offset) => offset.fix(),
        // Overlap: the larger offset gives the earlier instant, i.e. the first occurrence.
        // (chrono-tz lists the earlier span first, but taking the max does not depend on it.)
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.fix(), b.fix());
            if a.local_minus_utc() >= b.local_minus_utc() {
                a
            } else {
                b
            }
        }
        LocalResult::None => offset_before_gap(tz, local),
    }
}

/// The offset in force just before the transition that opened the gap containing `local`.
///
/// Probing "some time earlier" (say `local - 1 day`) is wrong in general: another transition may
/// lie inside the probe window, and the gap's length varies (30 min at Lord Howe, a whole day at
/// Apia on 2011-12-30). chrono-tz's `GapInfo` looks up the very span that ends at the gap.
fn offset_before_gap(tz: Tz, local: &NaiveDateTime) -> FixedOffset {
    match GapInfo::new(local, &tz).and_then(|gap| gap.begin) {
        Some((_, before)) => before.fix(),
        // `begin` is missing only for a gap before a zone's first span, which cannot exist since
        // that span reaches back to the beginning of time. Falling back to the offset at `local`
        // read as UTC keeps this total without a panic.
        None => tz.offset_from_utc_datetime(local).fix(),
    }
}

/// The bit of the weekday of `day` (days since 1970-01-01, a Thursday) in a weekday mask.
fn weekday_bit(day: i64) -> u8 {
    1 << (day + 3).rem_euclid(7)
}

/// The date `day` days after 1970-01-01.
fn date_from_epoch_day(day: i64) -> Option<NaiveDate> {
    const CE_DAYS_AT_UNIX_EPOCH: i64 = 719_163;
    let days_from_ce = i32::try_from(day.checked_add(CE_DAYS_AT_UNIX_EPOCH)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days_from_ce)
}

fn validated_times(mut times: Vec<TimeOfDay>) -> Result<Vec<TimeOfDay>, CadenceError> {
    if times.is_empty() {
        return Err(CadenceError::NoTimes);
    }
    if times.len() > MAX_TIMES {
        return Err(CadenceError::TooManyTimes);
    }
    times.sort_unstable();
    if let Some(pair) = times.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(CadenceError::DuplicateTime(pair[0]));
    }
    Ok(times)
}

fn validated_days(mut days: Vec<DayOfWeek>) -> Result<Vec<DayOfWeek>, CadenceError> {
    if days.is_empty() {
        return Err(CadenceError::NoDays);
    }
    // No count check needed: without duplicates there cannot be more than seven days.
    days.sort_unstable();
    if let Some(pair) = days.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(CadenceError::DuplicateDay(pair[0]));
    }
    Ok(days)
}

#[cfg(test)]
#[path = "cadence_tests.rs"]
mod tests;
