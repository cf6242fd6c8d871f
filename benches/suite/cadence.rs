//! Throughput of `Cadence::next_slot_after`, the scheduler's hot path.
//!
//! `cargo bench --bench suite -- cadence`. Each case warms up, then times rounds of N calls where every call starts
//! from the previous result, so the work is real and cannot be hoisted out of the loop, and
//! reports the fastest round. The target is at least 5 M calls/s on one core for the first two.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use tenantpilot::domain::cadence::{Cadence, DayOfWeek, TimeOfDay};

use crate::common::Report;

const WARM_UP: usize = 200_000;
const N: usize = 2_000_000;
/// Timed rounds of N calls per case; the fastest is reported, as the least disturbed by other
/// processes on the machine.
const ROUNDS: usize = 3;

fn time(text: &str) -> TimeOfDay {
    TimeOfDay::parse(text).expect("benchmark times are valid")
}

/// Walks `calls` slots forward from `start`, restarting at `start` whenever the cadence reaches
/// 2100: chrono-tz lists DST transitions up to 2099, so every call stays in realistic data.
fn walk(cadence: &Cadence, tz: Tz, start: DateTime<Utc>, calls: usize) -> DateTime<Utc> {
    let limit = Utc
        .with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .expect("valid instant");
    let mut after = start;
    for _ in 0..calls {
        after = match cadence.next_slot_after(black_box(tz), black_box(after)) {
            Some(slot) if slot < limit => slot,
            Some(_) => start,
            None => panic!("a valid cadence always has a next slot"),
        };
    }
    after
}

fn bench(report: &mut Report, label: &str, cadence: Cadence, tz: Tz) {
    let cadence = cadence.validated().expect("benchmark cadences are valid");
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid instant");
    black_box(walk(&cadence, tz, start, WARM_UP));
    let fastest = (0..ROUNDS)
        .map(|_| {
            let began = Instant::now();
            black_box(walk(&cadence, tz, start, N));
            began.elapsed()
        })
        .min()
        .expect("at least one round");
    let ns_per_op = fastest.as_nanos() as f64 / N as f64;
    report.add(
        format!("next-slot computations, {label}"),
        format!("{:.1} M/s ({ns_per_op:.0} ns each)", 1_000.0 / ns_per_op),
        "at least 5 M/s on one core (the first two cases)",
    );
}

pub fn run(report: &mut Report) {
    bench(
        report,
        "daily 02:30 Europe/Berlin",
        Cadence::Daily {
            times: vec![time("02:30")],
        },
        chrono_tz::Europe::Berlin,
    );
    bench(
        report,
        "weekly mon,thu 22:00,06:15 America/New_York",
        Cadence::Weekly {
            days: vec![DayOfWeek::Mon, DayOfWeek::Thu],
            times: vec![time("22:00"), time("06:15")],
        },
        chrono_tz::America::New_York,
    );
    bench(
        report,
        "daily 00:00,06:00,12:00,18:00 Australia/Lord_Howe (4 times a day: ~3x the lookups)",
        Cadence::Daily {
            times: vec![time("00:00"), time("06:00"), time("12:00"), time("18:00")],
        },
        chrono_tz::Australia::Lord_Howe,
    );
}
