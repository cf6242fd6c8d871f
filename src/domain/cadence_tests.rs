use super::*;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().expect("test instants are valid RFC 3339")
}

fn tod(text: &str) -> TimeOfDay {
    TimeOfDay::parse(text).expect("test times are valid")
}

fn daily(times: &[&str]) -> Cadence {
    Cadence::Daily {
        times: times.iter().map(|t| tod(t)).collect(),
    }
    .validated()
    .expect("test cadences are valid")
}

fn weekly(days: &[DayOfWeek], times: &[&str]) -> Cadence {
    Cadence::Weekly {
        days: days.to_vec(),
        times: times.iter().map(|t| tod(t)).collect(),
    }
    .validated()
    .expect("test cadences are valid")
}

/// The slots strictly after `after`, by iterating `next_slot_after`.
fn slots(cadence: &Cadence, tz: Tz, after: &str, count: usize) -> Vec<DateTime<Utc>> {
    let mut cursor = utc(after);
    (0..count)
        .map(|_| {
            cursor = cadence.next_slot_after(tz, cursor).expect("a slot exists");
            cursor
        })
        .collect()
}

fn instants(texts: &[&str]) -> Vec<DateTime<Utc>> {
    texts.iter().map(|t| utc(t)).collect()
}

fn wall(text: &str) -> NaiveDateTime {
    text.parse().expect("test wall times are valid")
}

// ---------------------------------------------------------------- DST rules, known zones

#[test]
fn berlin_spring_forward_gap_runs_once_shifted_by_the_gap() {
    let tz = chrono_tz::Europe::Berlin;
    let got = slots(&daily(&["02:30"]), tz, "2026-03-27T12:00:00Z", 3);
    let want = instants(&[
        "2026-03-28T01:30:00Z",
        "2026-03-29T01:30:00Z",
        "2026-03-30T00:30:00Z",
    ]);
    assert_eq!(got, want);
    // 02:30 does not exist on 2026-03-29: it is read with CET (+01:00), i.e. 03:30 CEST.
    assert_eq!(
        got[1].with_timezone(&tz).naive_local(),
        wall("2026-03-29T03:30:00")
    );
}

#[test]
fn berlin_start_of_the_gap_runs_at_the_transition_instant() {
    let got = slots(
        &daily(&["02:00"]),
        chrono_tz::Europe::Berlin,
        "2026-03-28T12:00:00Z",
        2,
    );
    assert_eq!(
        got,
        instants(&["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"])
    );
}

#[test]
fn berlin_fall_back_overlap_runs_only_at_the_first_occurrence() {
    let tz = chrono_tz::Europe::Berlin;
    let cadence = daily(&["02:30"]);
    let got = slots(&cadence, tz, "2026-10-24T12:00:00Z", 2);
    assert_eq!(
        got,
        instants(&["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    );
    // Between the two occurrences, and exactly at the second one, the next slot is tomorrow's:
    // the second occurrence is not a slot at all.
    for after in [
        "2026-10-25T00:30:00Z",
        "2026-10-25T01:00:00Z",
        "2026-10-25T01:30:00Z",
    ] {
        assert_eq!(
            cadence.next_slot_after(tz, utc(after)),
            Some(utc("2026-10-26T01:30:00Z")),
            "after {after}"
        );
    }
    assert_eq!(
        cadence.next_slot_after(tz, utc("2026-10-25T00:29:59.999Z")),
        Some(utc("2026-10-25T00:30:00Z"))
    );
}

#[test]
fn new_york_spring_forward_gap_runs_an_hour_late() {
    let got = slots(
        &daily(&["02:30"]),
        chrono_tz::America::New_York,
        "2026-03-07T12:00:00Z",
        2,
    );
    assert_eq!(
        got,
        instants(&["2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"])
    );
}

#[test]
fn new_york_fall_back_overlap_runs_once_at_the_daylight_time_occurrence() {
    let got = slots(
        &daily(&["01:30"]),
        chrono_tz::America::New_York,
        "2026-10-31T12:00:00Z",
        2,
    );
    assert_eq!(
        got,
        instants(&["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
    );
}

#[test]
fn lord_howe_half_hour_gap_shifts_by_thirty_minutes() {
    let tz = chrono_tz::Australia::Lord_Howe;
    let got = slots(&daily(&["02:15"]), tz, "2026-10-03T06:00:00Z", 1);
    assert_eq!(got, instants(&["2026-10-03T15:45:00Z"]));
    assert_eq!(
        got[0].with_timezone(&tz).naive_local(),
        wall("2026-10-04T02:45:00")
    );
    let got = slots(&daily(&["02:00"]), tz, "2026-10-03T06:00:00Z", 1);
    assert_eq!(got, instants(&["2026-10-03T15:30:00Z"]));
}

#[test]
fn lord_howe_half_hour_overlap_runs_once() {
    let got = slots(
        &daily(&["01:45"]),
        chrono_tz::Australia::Lord_Howe,
        "2026-04-04T06:00:00Z",
        2,
    );
    // 01:45 happens at 14:45Z (+11:00) and again at 15:15Z (+10:30); only the first is a slot.
    assert_eq!(
        got,
        instants(&["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"])
    );
}

#[test]
fn kathmandu_monday_midnight_is_a_sunday_in_utc_but_still_the_monday_slot() {
    let cadence = weekly(&[DayOfWeek::Mon], &["00:00"]);
    let got = slots(
        &cadence,
        chrono_tz::Asia::Kathmandu,
        "2026-02-28T00:00:00Z",
        2,
    );
    assert_eq!(
        got,
        instants(&["2026-03-01T18:15:00Z", "2026-03-08T18:15:00Z"])
    );
    assert_eq!(got[0].weekday(), Weekday::Sun);
}

#[test]
fn two_wall_times_resolving_to_the_same_instant_are_one_slot() {
    // 02:00 is in New York's gap and is read with EST, which is exactly 03:00 EDT.
    let got = slots(
        &daily(&["02:00", "03:00"]),
        chrono_tz::America::New_York,
        "2026-03-07T12:00:00Z",
        4,
    );
    let want = instants(&[
        "2026-03-08T07:00:00Z",
        "2026-03-09T06:00:00Z",
        "2026-03-09T07:00:00Z",
        "2026-03-10T06:00:00Z",
    ]);
    assert_eq!(got, want);
}

#[test]
fn a_gap_shifted_time_can_land_after_a_later_wall_time() {
    // 02:30 (gap, -> 03:30 EDT = 07:30Z) comes after 03:15 EDT (07:15Z) on the transition day.
    let got = slots(
        &daily(&["02:30", "03:15"]),
        chrono_tz::America::New_York,
        "2026-03-08T06:00:00Z",
        3,
    );
    let want = instants(&[
        "2026-03-08T07:15:00Z",
        "2026-03-08T07:30:00Z",
        "2026-03-09T06:30:00Z",
    ]);
    assert_eq!(got, want);
}

#[test]
fn apia_skipped_date_collapses_into_the_next_day() {
    // Samoa skipped 2011-12-30 entirely (-10:00 -> +14:00). Its wall times are read with the
    // offset before the gap, which lands them exactly on 2011-12-31's: one slot, not two.
    let tz = chrono_tz::Pacific::Apia;
    let got = slots(&daily(&["10:00"]), tz, "2011-12-29T00:00:00Z", 3);
    let want = instants(&[
        "2011-12-29T20:00:00Z",
        "2011-12-30T20:00:00Z",
        "2011-12-31T20:00:00Z",
    ]);
    assert_eq!(got, want);
    assert_eq!(
        got[1].with_timezone(&tz).naive_local(),
        wall("2011-12-31T10:00:00")
    );
    // A weekly Friday slot on the skipped Friday runs at Saturday 10:00 local time; the next
    // Friday, 2012-01-06 10:00 at +14:00, is back to normal.
    let friday = weekly(&[DayOfWeek::Fri], &["10:00"]);
    let got = slots(&friday, tz, "2011-12-24T00:00:00Z", 2);
    assert_eq!(
        got,
        instants(&["2011-12-30T20:00:00Z", "2012-01-05T20:00:00Z"])
    );
}

#[test]
fn resolve_local_applies_the_gap_and_overlap_rules() {
    let berlin = chrono_tz::Europe::Berlin;
    let cases = [
        ("2026-03-29T02:30:00", "2026-03-29T01:30:00Z"),
        ("2026-03-29T03:30:00", "2026-03-29T01:30:00Z"),
        ("2026-10-25T02:30:00", "2026-10-25T00:30:00Z"),
        ("2026-07-01T12:00:00.250", "2026-07-01T10:00:00.250Z"),
    ];
    for (local, want) in cases {
        assert_eq!(resolve_local(berlin, wall(local)), utc(want), "{local}");
    }
}

// ---------------------------------------------------------------- several times and days

#[test]
fn several_times_per_day_come_out_in_order() {
    let cadence = daily(&["18:00", "06:00", "00:00", "12:00"]);
    let got = slots(
        &cadence,
        chrono_tz::Europe::London,
        "2026-06-30T23:30:00Z",
        5,
    );
    let want = instants(&[
        "2026-07-01T05:00:00Z",
        "2026-07-01T11:00:00Z",
        "2026-07-01T17:00:00Z",
        "2026-07-01T23:00:00Z",
        "2026-07-02T05:00:00Z",
    ]);
    assert_eq!(got, want);
}

#[test]
fn weekly_with_several_days_and_times_follows_the_local_weekdays() {
    let tz = chrono_tz::America::New_York;
    let cadence = weekly(&[DayOfWeek::Thu, DayOfWeek::Mon], &["22:00", "06:15"]);
    let got = cadence.upcoming(tz, utc("2026-03-01T00:00:00Z"), 8);
    let local: Vec<String> = got
        .iter()
        .map(|slot| slot.with_timezone(&tz).format("%a %F %R").to_string())
        .collect();
    let want = [
        "Mon 2026-03-02 06:15",
        "Mon 2026-03-02 22:00",
        "Thu 2026-03-05 06:15",
        "Thu 2026-03-05 22:00",
        "Mon 2026-03-09 06:15",
        "Mon 2026-03-09 22:00",
        "Thu 2026-03-12 06:15",
        "Thu 2026-03-12 22:00",
    ];
    assert_eq!(local, want);
    // Monday 22:00 EST is already Tuesday in UTC.
    assert_eq!(got[1], utc("2026-03-03T03:00:00Z"));
}

#[test]
fn upcoming_returns_increasing_distinct_slots() {
    let tz = chrono_tz::Australia::Lord_Howe;
    let cadence = weekly(
        &[DayOfWeek::Sun, DayOfWeek::Sat, DayOfWeek::Mon],
        &["01:45", "02:15", "23:59", "00:00"],
    );
    let got = cadence.upcoming(tz, utc("2026-01-01T00:00:00Z"), 1_000);
    assert_eq!(got.len(), 1_000);
    assert!(got.windows(2).all(|pair| pair[0] < pair[1]));
    assert!(got[0] > utc("2026-01-01T00:00:00Z"));
    assert!(cadence
        .upcoming(tz, utc("2026-01-01T00:00:00Z"), 0)
        .is_empty());
}

#[test]
fn next_slot_after_is_strictly_after_even_at_a_slot_instant() {
    let cadence = daily(&["02:30"]);
    let slot = utc("2026-05-01T00:30:00Z");
    assert_eq!(
        cadence.next_slot_after(chrono_tz::Europe::Berlin, slot),
        Some(utc("2026-05-02T00:30:00Z"))
    );
}

#[test]
fn an_unvalidated_empty_cadence_has_no_slot() {
    let tz = chrono_tz::UTC;
    let now = utc("2026-01-01T00:00:00Z");
    assert_eq!(
        Cadence::Daily { times: vec![] }.next_slot_after(tz, now),
        None
    );
    let no_days = Cadence::Weekly {
        days: vec![],
        times: vec![tod("01:00")],
    };
    assert_eq!(no_days.next_slot_after(tz, now), None);
}

#[test]
fn extreme_instants_do_not_panic() {
    let cadence = daily(&["00:00", "23:59"]);
    for tz in [
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Etc::GMTPlus12,
        chrono_tz::UTC,
    ] {
        assert_eq!(cadence.next_slot_after(tz, DateTime::<Utc>::MAX_UTC), None);
        assert!(cadence
            .next_slot_after(tz, DateTime::<Utc>::MIN_UTC)
            .is_some());
    }
    let _ = resolve_local(chrono_tz::Etc::GMTMinus14, NaiveDateTime::MIN);
    let _ = resolve_local(chrono_tz::Etc::GMTPlus12, NaiveDateTime::MAX);
}

// ---------------------------------------------------------------- parsing and validation

#[test]
fn time_of_day_parse_accepts_exactly_hh_mm() {
    for (text, hour, minute) in [("00:00", 0, 0), ("02:30", 2, 30), ("23:59", 23, 59)] {
        let time = TimeOfDay::parse(text).expect("valid");
        assert_eq!((time.hour(), time.minute()), (hour, minute));
        assert_eq!(time.to_string(), text);
        assert_eq!(
            time.as_naive(),
            NaiveTime::from_hms_opt(hour, minute, 0).expect("valid")
        );
        assert_eq!(TimeOfDay::new(hour, minute), Ok(time));
    }
    let rejected = [
        "2:30",
        "24:00",
        "12:60",
        "12:30:00",
        " 12:30",
        "12:30 ",
        "",
        "1230",
        "12-30",
        "+1:30",
        "١٢:٣٠",
        "99:99",
        "ab:cd",
    ];
    for text in rejected {
        assert_eq!(
            TimeOfDay::parse(text),
            Err(CadenceError::InvalidTime(text.to_owned())),
            "{text:?}"
        );
    }
    assert_eq!(
        TimeOfDay::new(24, 0),
        Err(CadenceError::InvalidTime("24:00".into()))
    );
    assert_eq!(
        TimeOfDay::new(12, 60),
        Err(CadenceError::InvalidTime("12:60".into()))
    );
    assert!(tod("09:59") < tod("10:00"));
}

#[test]
fn validated_reports_each_problem() {
    let times = |texts: &[&str]| texts.iter().map(|t| tod(t)).collect::<Vec<_>>();
    let check = |cadence: Cadence, want: CadenceError| assert_eq!(cadence.validated(), Err(want));
    check(Cadence::Daily { times: vec![] }, CadenceError::NoTimes);
    let too_many = (0..25)
        .map(|h| TimeOfDay::new(h % 24, h / 24).expect("valid"))
        .collect();
    check(
        Cadence::Daily { times: too_many },
        CadenceError::TooManyTimes,
    );
    check(
        Cadence::Daily {
            times: times(&["03:00", "01:00", "03:00"]),
        },
        CadenceError::DuplicateTime(tod("03:00")),
    );
    let weekly = |days: Vec<DayOfWeek>, texts: &[&str]| Cadence::Weekly {
        days,
        times: times(texts),
    };
    check(weekly(vec![], &["01:00"]), CadenceError::NoDays);
    check(weekly(vec![DayOfWeek::Mon], &[]), CadenceError::NoTimes);
    check(
        weekly(
            vec![DayOfWeek::Sun, DayOfWeek::Mon, DayOfWeek::Sun],
            &["01:00"],
        ),
        CadenceError::DuplicateDay(DayOfWeek::Sun),
    );
    assert_eq!(
        CadenceError::DuplicateTime(tod("03:00")).to_string(),
        "time 03:00 is listed twice"
    );
    assert_eq!(
        CadenceError::InvalidTime("24:00".into()).to_string(),
        "time must be HH:MM (00:00 to 23:59): \"24:00\""
    );
    assert_eq!(
        CadenceError::DuplicateDay(DayOfWeek::Sun).to_string(),
        "day Sun is listed twice"
    );

    let all_hours = (0..24)
        .map(|h| TimeOfDay::new(h, 0).expect("valid"))
        .collect();
    assert!(Cadence::Daily { times: all_hours }.validated().is_ok());
    let normalised = weekly(vec![DayOfWeek::Sun, DayOfWeek::Mon], &["22:00", "06:15"]).validated();
    assert_eq!(
        normalised,
        Ok(Cadence::Weekly {
            days: vec![DayOfWeek::Mon, DayOfWeek::Sun],
            times: times(&["06:15", "22:00"]),
        })
    );
}

#[test]
fn day_of_week_maps_to_and_from_chrono() {
    let all = [
        DayOfWeek::Mon,
        DayOfWeek::Tue,
        DayOfWeek::Wed,
        DayOfWeek::Thu,
        DayOfWeek::Fri,
        DayOfWeek::Sat,
        DayOfWeek::Sun,
    ];
    for (index, day) in all.into_iter().enumerate() {
        assert_eq!(day.to_chrono().num_days_from_monday() as usize, index);
        assert_eq!(DayOfWeek::from_chrono(day.to_chrono()), day);
    }
    // The epoch-day arithmetic in next_slot_after agrees with chrono about weekdays.
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid");
    for day in -800..800_i64 {
        let date = epoch + Duration::days(day);
        assert_eq!(
            weekday_bit(day),
            DayOfWeek::from_chrono(date.weekday()).bit()
        );
    }
}

// ---------------------------------------------------------------- serde

#[test]
fn cadences_round_trip_through_json() {
    let daily_json = r#"{"kind":"daily","times":["02:30"]}"#;
    let weekly_json = r#"{"kind":"weekly","days":["mon","thu"],"times":["22:00"]}"#;
    for json in [daily_json, weekly_json] {
        let cadence: Cadence = serde_json::from_str(json).expect("valid JSON cadence");
        assert_eq!(serde_json::to_string(&cadence).expect("serialises"), json);
    }
    let weekly: Cadence = serde_json::from_str(weekly_json).expect("valid");
    assert_eq!(
        weekly,
        Cadence::Weekly {
            days: vec![DayOfWeek::Mon, DayOfWeek::Thu],
            times: vec![tod("22:00")],
        }
    );
    assert_eq!(
        serde_json::to_string(&tod("07:05")).expect("serialises"),
        r#""07:05""#
    );
    let day: DayOfWeek = serde_json::from_str(r#""sun""#).expect("valid");
    assert_eq!(day, DayOfWeek::Sun);
}

#[test]
fn deserialisation_keeps_problems_for_validated_but_rejects_malformed_json() {
    // Semantic problems deserialise, so the API can report them precisely via validated().
    let duplicate: Cadence =
        serde_json::from_str(r#"{"kind":"daily","times":["01:00","01:00"]}"#).expect("parses");
    assert_eq!(
        duplicate.validated(),
        Err(CadenceError::DuplicateTime(tod("01:00")))
    );
    let malformed = [
        r#"{"kind":"hourly"}"#,
        r#"{"kind":"daily","times":["02:30"],"extra":1}"#,
        r#"{"kind":"daily","times":["02:30"],"days":["mon"]}"#,
        r#"{"kind":"weekly","days":["monday"],"times":["02:30"]}"#,
        r#"{"kind":"daily","times":["2:30"]}"#,
        r#"{"kind":"daily","times":[150]}"#,
        r#"{"times":["02:30"]}"#,
        r#"{"kind":"Daily","times":["02:30"]}"#,
    ];
    for json in malformed {
        assert!(serde_json::from_str::<Cadence>(json).is_err(), "{json}");
    }
    let error = serde_json::from_str::<TimeOfDay>(r#""24:00""#).expect_err("invalid");
    assert!(error.to_string().contains("HH:MM"), "{error}");
}

// ---------------------------------------------------------------- exhaustive property test

/// How the reference model resolved one (date, time).
#[derive(Debug, Clone, Copy)]
enum Resolution {
    Exists,
    Overlap,
    /// The wall time is in a gap; the offsets just before and after the transition.
    Gap {
        before: i64,
        after: i64,
        transition: i64,
    },
}

/// One (local date, time) of the cadence and the instant the contract says it runs at.
#[derive(Debug, Clone, Copy)]
struct Expected {
    instant: i64,
    wall: NaiveDateTime,
    resolution: Resolution,
}

fn offset_at(tz: Tz, instant: i64) -> i64 {
    let utc = DateTime::from_timestamp(instant, 0).expect("in range");
    i64::from(
        tz.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// A reference model of the rules, independent of the implementation's gap handling: overlaps
/// use chrono's `earliest()`, gaps search the UTC timeline for the transition that skips the wall
/// time and read the wall time with the offset in force one second before it.
fn reference_resolution(tz: Tz, wall: NaiveDateTime) -> Expected {
    let (instant, resolution) = match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => (at.timestamp(), Resolution::Exists),
        LocalResult::Ambiguous(a, b) => (a.min(b).timestamp(), Resolution::Overlap),
        LocalResult::None => {
            let wall_seconds = wall.and_utc().timestamp();
            let local_at = |u: i64| u + offset_at(tz, u);
            // Offsets lie within ±16 h, so these bracket the wall time.
            let (mut lo, mut hi) = (wall_seconds - 17 * 3_600, wall_seconds + 17 * 3_600);
            assert!(local_at(lo) < wall_seconds && local_at(hi) > wall_seconds);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if local_at(mid) < wall_seconds {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let (before, after) = (offset_at(tz, lo), offset_at(tz, hi));
            let resolution = Resolution::Gap {
                before,
                after,
                transition: hi,
            };
            (wall_seconds - before, resolution)
        }
    };
    Expected {
        instant,
        wall,
        resolution,
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    slots: usize,
    gaps: usize,
    overlaps: usize,
    collapsed: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.slots += other.slots;
        self.gaps += other.gaps;
        self.overlaps += other.overlaps;
        self.collapsed += other.collapsed;
    }
}

/// Iterates `next_slot_after` over [from_year, to_year) in UTC and checks it against the
/// reference model: (a) strictly increasing; (b) at most one slot per time per local date, (c)
/// one for every (date, time) unless two collapsed onto one instant, and (d) each slot shows the
/// configured wall time locally, or for a wall time in a gap, that time plus the gap's length.
fn check_zone(tz: Tz, cadence: &Cadence, from_year: i32, to_year: i32) -> Tally {
    let (times, days): (_, &[DayOfWeek]) = match cadence {
        Cadence::Daily { times } => (times, &[]),
        Cadence::Weekly { days, times } => (times, days),
    };
    let on_schedule =
        |date: NaiveDate| days.is_empty() || days.contains(&DayOfWeek::from_chrono(date.weekday()));
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).expect("valid");
    let end = NaiveDate::from_ymd_opt(to_year, 1, 1).expect("valid");
    let (start_utc, end_utc) = (
        start.and_time(NaiveTime::MIN).and_utc(),
        end.and_time(NaiveTime::MIN).and_utc(),
    );

    // Every (date, time), with two days of margin so that slots near the ends are all known.
    let mut expected: Vec<Expected> = Vec::new();
    let mut date = start - Duration::days(2);
    while date < end + Duration::days(2) {
        for time in times.iter().filter(|_| on_schedule(date)) {
            expected.push(reference_resolution(tz, date.and_time(time.as_naive())));
        }
        date = date.succ_opt().expect("in range");
    }
    expected.sort_by_key(|e| (e.instant, e.wall));
    expected.retain(|e| e.instant > start_utc.timestamp() && e.instant < end_utc.timestamp());

    let mut tally = Tally::default();
    let mut after = start_utc;
    let mut index = 0;
    loop {
        let slot = cadence
            .next_slot_after(tz, after)
            .unwrap_or_else(|| panic!("{tz}: no slot after {after}"));
        assert!(slot > after, "{tz}: (a) {slot} is not after {after}");
        if slot >= end_utc {
            break;
        }
        let slot_seconds = slot.timestamp();
        assert!(
            index < expected.len() && expected[index].instant == slot_seconds,
            "{tz} {times:?}: slot {slot} (local {}) after {after}, expected {:?}",
            slot.with_timezone(&tz),
            expected.get(index)
        );
        // All (date, time) pairs the contract maps onto this very instant: one slot for them.
        let mut group = 0;
        while index < expected.len() && expected[index].instant == slot_seconds {
            let e = expected[index];
            let local = || slot.with_timezone(&tz).naive_local();
            match e.resolution {
                // (d) holds by construction: the slot equals chrono's only reading of the wall
                // time. Not converting back saves a fifth of this debug-build test's time.
                Resolution::Exists => {}
                Resolution::Overlap => {
                    assert_eq!(local(), e.wall, "{tz}: (d)");
                    tally.overlaps += 1;
                }
                Resolution::Gap {
                    before,
                    after: offset_after,
                    transition,
                } => {
                    let local = local();
                    assert!(offset_after > before, "{tz}: a gap must be a forward jump");
                    assert!(
                        slot_seconds >= transition,
                        "{tz}: gap slot before its transition"
                    );
                    assert!(
                        local > e.wall,
                        "{tz}: (d) gap slot {local} not after {}",
                        e.wall
                    );
                    assert_eq!(
                        local - e.wall,
                        Duration::seconds(offset_after - before),
                        "{tz}: (d)"
                    );
                    tally.gaps += 1;
                }
            }
            group += 1;
            index += 1;
        }
        tally.slots += 1;
        tally.collapsed += group - 1;
        after = slot;
    }
    assert_eq!(
        index,
        expected.len(),
        "{tz}: (c) missing slot {:?}",
        expected.get(index)
    );
    tally
}

/// Runs `check_zone` over `zones` on all cores (the test must stay fast in a debug build).
fn check_zones(zones: &[Tz], cadence: &Cadence, from_year: i32, to_year: i32) -> Tally {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = zones.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = zones
            .chunks(chunk)
            .map(|zones| {
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    for &tz in zones {
                        tally.add(check_zone(tz, cadence, from_year, to_year));
                    }
                    tally
                })
            })
            .collect();
        let mut tally = Tally::default();
        for handle in handles {
            tally.add(handle.join().expect("a zone check panicked"));
        }
        tally
    })
}

#[test]
fn every_zone_enumerates_each_daily_slot_exactly_once_from_2000_to_2038() {
    let started = std::time::Instant::now();
    let tally = check_zones(&chrono_tz::TZ_VARIANTS, &daily(&["02:30"]), 2000, 2038);
    eprintln!("{tally:?} in {:?}", started.elapsed());
    assert!(tally.gaps > 1_000 && tally.overlaps > 1_000, "{tally:?}");
}

#[test]
fn every_zone_enumerates_each_weekly_slot_exactly_once_in_sample_years() {
    // Fridays: Samoa's skipped 2011-12-30 and Israel's transitions; Sundays: most others.
    let cadence = weekly(&[DayOfWeek::Fri, DayOfWeek::Sun], &["00:30", "02:30"]);
    let started = std::time::Instant::now();
    let tally = check_zones(&chrono_tz::TZ_VARIANTS, &cadence, 2011, 2013);
    eprintln!("weekly: {tally:?} in {:?}", started.elapsed());
    assert!(tally.gaps > 0 && tally.overlaps > 0, "{tally:?}");
}

#[test]
fn known_transition_zones_hold_the_slot_rules() {
    let tz = chrono_tz::America::New_York;
    let tally = check_zone(tz, &daily(&["02:00", "03:00"]), 2026, 2027);
    assert_eq!(tally.collapsed, 1, "{tally:?}");
    let tally = check_zone(
        chrono_tz::Pacific::Apia,
        &daily(&["00:00", "10:00", "23:59"]),
        2011,
        2012,
    );
    assert_eq!(tally.collapsed, 3, "{tally:?}");
}

/// Times of day where most zones change their clocks. They come in two sets because a set that
/// holds the gap's start (02:00) hides a scan that stops at the first candidate found: 02:00 and
/// 03:00 collapse, so nothing later can be earlier. Without 02:00, New York's 02:30 (gap, 07:30Z)
/// is found before 03:00 (07:00Z), and only taking the minimum of all candidates gets it right.
const GAP_AND_OVERLAP_TIMES: [&str; 4] = ["00:00", "01:30", "02:30", "03:00"];
/// Zones that change at midnight (Havana, Beirut, Asuncion, formerly Sao Paulo and Tehran...)
/// and a collapse onto the gap's end.
const MIDNIGHT_AND_GAP_START_TIMES: [&str; 4] = ["23:30", "00:30", "01:00", "02:00"];

fn check_every_zone(times: &[&str], years: std::ops::Range<i32>) {
    let started = std::time::Instant::now();
    let tally = check_zones(
        &chrono_tz::TZ_VARIANTS,
        &daily(times),
        years.start,
        years.end,
    );
    eprintln!("{times:?} {years:?}: {tally:?} in {:?}", started.elapsed());
    assert!(tally.gaps > 0 && tally.overlaps > 0, "{tally:?}");
}

#[test]
fn every_zone_holds_the_slot_rules_at_transition_prone_times_in_sample_years() {
    // 2011: Samoa and Tokelau skip a day, Russia stops changing clocks, Ukraine and Belarus too.
    check_every_zone(&GAP_AND_OVERLAP_TIMES, 2011..2012);
    // 2016: Venezuela, Turkey, Chile, Magallanes, several Russian zones change offsets.
    check_every_zone(&MIDNIGHT_AND_GAP_START_TIMES, 2016..2017);
}

#[test]
#[ignore = "exhaustive, about a minute and a half in a debug build; run with --ignored"]
fn every_zone_holds_the_slot_rules_at_transition_prone_times_from_2000_to_2038() {
    check_every_zone(&GAP_AND_OVERLAP_TIMES, 2000..2038);
    check_every_zone(&MIDNIGHT_AND_GAP_START_TIMES, 2000..2038);
}

#[test]
fn utc_offsets_stay_within_the_bound_next_slot_after_relies_on() {
    let extremes = chrono_tz::TZ_VARIANTS.iter().flat_map(|&tz| {
        // Local mean time before the zone's first transition, then a walk across the tz era.
        let far_past = NaiveDate::from_ymd_opt(1000, 1, 1).expect("valid");
        let mut probes = vec![far_past.and_time(NaiveTime::MIN)];
        let mut date = NaiveDate::from_ymd_opt(1840, 1, 1).expect("valid");
        while date.year() < 2040 {
            probes.push(date.and_time(NaiveTime::MIN));
            date += Duration::days(61);
        }
        probes
            .into_iter()
            .map(move |at| tz.offset_from_utc_datetime(&at).fix().local_minus_utc())
    });
    let max = extremes.map(|offset| i64::from(offset).abs()).max();
    assert!(max.is_some_and(|max| max < OFFSET_BOUND_SECS), "{max:?}");
}
