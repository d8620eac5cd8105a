//! Specification of the `docker ps` status text: go-units' `HumanDuration` (its
//! `duration_test.go` ported by name, plus every boundary of SEMANTICS.md), `State::String` on
//! every branch, and `Time`'s RFC 3339 form.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::{human_duration, Duration, Health, HealthStatus, State, Time};

const SEC: i64 = 1_000_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
const MONTH: i64 = 30 * DAY;
const YEAR: i64 = 365 * DAY;
const MS: i64 = 1_000_000;

fn human(nanos: i64) -> String {
    human_duration(Duration::from_nanos(nanos))
}

/// Ports go-units' `TestHumanDuration`.
#[test]
fn test_human_duration() {
    for (nanos, want) in [
        (450 * MS, "Less than a second"),
        (SEC, "1 second"),
        (45 * SEC, "45 seconds"),
        (46 * SEC, "46 seconds"),
        (59 * SEC, "59 seconds"),
        (60 * SEC, "About a minute"),
        (MIN, "About a minute"),
        (3 * MIN, "3 minutes"),
        (35 * MIN, "35 minutes"),
        (35 * MIN + 40 * SEC, "35 minutes"),
        (45 * MIN, "45 minutes"),
        (45 * MIN + 40 * SEC, "45 minutes"),
        (46 * MIN, "46 minutes"),
        (59 * MIN, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR + 29 * MIN, "About an hour"),
        (HOUR + 31 * MIN, "2 hours"),
        (HOUR + 59 * MIN, "2 hours"),
        (3 * HOUR, "3 hours"),
        (3 * HOUR + 29 * MIN, "3 hours"),
        (3 * HOUR + 31 * MIN, "4 hours"),
        (3 * HOUR + 59 * MIN, "4 hours"),
        (3 * HOUR + 60 * MIN, "4 hours"),
        (24 * HOUR, "24 hours"),
        (DAY + 12 * HOUR, "36 hours"),
        (2 * DAY, "2 days"),
        (7 * DAY, "7 days"),
        (13 * DAY + 5 * HOUR, "13 days"),
        (2 * WEEK, "2 weeks"),
        (2 * WEEK + 4 * DAY, "2 weeks"),
        (3 * WEEK, "3 weeks"),
        (4 * WEEK, "4 weeks"),
        (4 * WEEK + 3 * DAY, "4 weeks"),
        (MONTH, "4 weeks"),
        (MONTH + 2 * WEEK, "6 weeks"),
        (2 * MONTH, "2 months"),
        (2 * MONTH + 2 * WEEK, "2 months"),
        (3 * MONTH, "3 months"),
        (3 * MONTH + WEEK, "3 months"),
        (5 * MONTH + 2 * WEEK, "5 months"),
        (13 * MONTH, "13 months"),
        (23 * MONTH, "23 months"),
        (24 * MONTH, "24 months"),
        (24 * MONTH + 2 * WEEK, "2 years"),
        (3 * YEAR + 2 * MONTH, "3 years"),
    ] {
        assert_eq!(human(nanos), want, "{nanos} ns");
    }
}

/// Every boundary of the rules in SEMANTICS.md: seconds and minutes truncate, hours round half
/// up, years come from truncated hours.
#[test]
fn human_duration_at_every_boundary() {
    for (nanos, want) in [
        (0, "Less than a second"),
        (1, "Less than a second"),
        (999 * MS, "Less than a second"),
        (SEC - 1, "Less than a second"),
        (SEC, "1 second"),
        (1999 * MS, "1 second"),
        (2 * SEC - 1, "1 second"),
        (2 * SEC, "2 seconds"),
        (59_999 * MS, "59 seconds"),
        (MIN - 1, "59 seconds"),
        (MIN, "About a minute"),
        (119 * SEC, "About a minute"),
        (2 * MIN - 1, "About a minute"),
        (2 * MIN, "2 minutes"),
        (59 * MIN + 59 * SEC, "59 minutes"),
        (HOUR - 1, "59 minutes"),
        (60 * MIN, "About an hour"),
        // 1.4997 h rounds to 1.
        (89 * MIN + 59 * SEC, "About an hour"),
        (90 * MIN - 1, "About an hour"),
        // 1.5 h rounds half up to 2.
        (90 * MIN, "2 hours"),
        (47 * HOUR + 29 * MIN, "47 hours"),
        (47 * HOUR + 30 * MIN - 1, "47 hours"),
        // 47.5 h rounds to 48: days.
        (47 * HOUR + 30 * MIN, "2 days"),
        (13 * DAY, "13 days"),
        (14 * DAY - 30 * MIN - 1, "13 days"),
        // 335.5 h rounds to 336: weeks.
        (14 * DAY - 30 * MIN, "2 weeks"),
        (2 * WEEK, "2 weeks"),
        (59 * DAY + 11 * HOUR + 30 * MIN, "8 weeks"),
        (60 * DAY - 30 * MIN - 1, "8 weeks"),
        // 1439.5 h rounds to 1440: months.
        (60 * DAY - 30 * MIN, "2 months"),
        (60 * DAY, "2 months"),
        (729 * DAY, "24 months"),
        (730 * DAY - 30 * MIN - SEC, "24 months"),
        // One nanosecond short of 17519.5 h is the same float64 as 17519.5 in Go's `Hours()`, so
        // it rounds up as well: the float arithmetic is the reference's, not exact arithmetic.
        (730 * DAY - 30 * MIN - 1, "1 years"),
        // Rounded hours reach 17520 (years), but the years come from the truncated 17519 h.
        (730 * DAY - 30 * MIN, "1 years"),
        (730 * DAY - SEC, "1 years"),
        // Likewise 17519.9999999999997 h is 17520.0 as a float64.
        (730 * DAY - 1, "2 years"),
        (730 * DAY, "2 years"),
        (3 * YEAR, "3 years"),
        // Go's saturated `time.Since(zero)`.
        (i64::MAX, "292 years"),
    ] {
        assert_eq!(human(nanos), want, "{nanos} ns");
    }
}

#[test]
fn negative_durations_read_as_less_than_a_second() {
    for nanos in [-1, -SEC, -5 * SEC, -3 * HOUR, -400 * DAY, i64::MIN] {
        assert_eq!(human(nanos), "Less than a second", "{nanos} ns");
    }
}

fn t(secs: i64) -> Time {
    Time::from_unix_secs(1_700_000_000 + secs)
}

/// A state that started at t(0) and, when `finished`, finished at t(100).
fn ran(finished: bool) -> State {
    let mut s = State::new();
    s.started_at = t(0);
    if finished {
        s.finished_at = t(100);
    }
    s
}

/// [`ran`], then `f`.
fn ran_with(finished: bool, f: impl FnOnce(&mut State)) -> State {
    let mut s = ran(finished);
    f(&mut s);
    s
}

/// A never-started state, then `f`.
fn never_ran_with(f: impl FnOnce(&mut State)) -> State {
    let mut s = State::new();
    f(&mut s);
    s
}

fn with_health(status: &str) -> Option<Health> {
    Some(Health {
        status: status.to_owned(),
        ..Health::default()
    })
}

/// `State::String` on every branch, in the reference's precedence.
#[test]
fn status_string_on_every_branch() {
    let now = t(100 + 3 * 60);
    let cases: Vec<(&str, State, &str)> = vec![
        (
            "running",
            ran_with(false, |s| {
                s.running = true;
            }),
            "Up 4 minutes",
        ),
        (
            "paused",
            ran_with(false, |s| {
                s.running = true;
                s.paused = true;
            }),
            "Up 4 minutes (Paused)",
        ),
        (
            "paused wins over restarting and health",
            ran_with(true, |s| {
                s.running = true;
                s.paused = true;
                s.restarting = true;
                s.health = with_health("healthy");
            }),
            "Up 4 minutes (Paused)",
        ),
        (
            "restarting counts from the finish",
            ran_with(true, |s| {
                s.running = true;
                s.restarting = true;
                s.exit_code = 1;
            }),
            "Restarting (1) 3 minutes ago",
        ),
        (
            "restarting wins over health",
            ran_with(true, |s| {
                s.running = true;
                s.restarting = true;
                s.exit_code = 137;
                s.health = with_health("unhealthy");
            }),
            "Restarting (137) 3 minutes ago",
        ),
        (
            "healthy",
            ran_with(false, |s| {
                s.running = true;
                s.health = with_health("healthy");
            }),
            "Up 4 minutes (healthy)",
        ),
        (
            "unhealthy",
            ran_with(false, |s| {
                s.running = true;
                s.health = with_health("unhealthy");
            }),
            "Up 4 minutes (unhealthy)",
        ),
        (
            "starting",
            ran_with(false, |s| {
                s.running = true;
                s.health = with_health("starting");
            }),
            "Up 4 minutes (health: starting)",
        ),
        (
            "an empty health status reads as unhealthy",
            ran_with(false, |s| {
                s.running = true;
                s.health = with_health("");
            }),
            "Up 4 minutes (unhealthy)",
        ),
        (
            "running wins over a removal",
            ran_with(false, |s| {
                s.running = true;
                s.removal_in_progress = true;
            }),
            "Up 4 minutes",
        ),
        (
            "removal in progress",
            ran_with(true, |s| {
                s.removal_in_progress = true;
                s.dead = true;
            }),
            "Removal In Progress",
        ),
        (
            "dead",
            ran_with(true, |s| {
                s.dead = true;
            }),
            "Dead",
        ),
        (
            "dead, never started",
            never_ran_with(|s| {
                s.dead = true;
            }),
            "Dead",
        ),
        ("created", State::new(), "Created"),
        (
            "created with an exit code from a failed start",
            never_ran_with(|s| {
                s.exit_code = 127;
                s.error = "not found".into();
            }),
            "Created",
        ),
        ("started but never finished", ran(false), ""),
        (
            "exited",
            ran_with(true, |s| {
                s.exit_code = 3;
            }),
            "Exited (3) 3 minutes ago",
        ),
        (
            "exited with health keeps no health text",
            ran_with(true, |s| {
                s.exit_code = 0;
                s.health = with_health("healthy");
            }),
            "Exited (0) 3 minutes ago",
        ),
    ];
    for (name, state, want) in cases {
        assert_eq!(state.status_string(now), want, "{name}");
    }
}

#[test]
fn status_string_with_odd_clocks() {
    // A finish in the future (clock skew between engine and host).
    let s = ran_with(true, |s| {
        s.exit_code = 0;
    });
    assert_eq!(s.status_string(t(50)), "Exited (0) Less than a second ago");
    // Re-attached at boot to a task that never had a start time: Go's saturated duration.
    let mut s = State::new();
    s.set_running(7, false, t(0));
    assert_eq!(s.status_string(t(0)), "Up 292 years");
    // Every unit through a container's life.
    let mut s = State::new();
    s.set_running(7, true, t(0));
    assert_eq!(s.status_string(t(0)), "Up Less than a second");
    assert_eq!(s.status_string(t(1)), "Up 1 second");
    assert_eq!(s.status_string(t(59)), "Up 59 seconds");
    assert_eq!(s.status_string(t(3600)), "Up About an hour");
    assert_eq!(s.status_string(t(3 * 86400)), "Up 3 days");
    let mut health = Health::starting();
    health.set_status(HealthStatus::Healthy);
    s.health = Some(health);
    assert_eq!(s.status_string(t(61)), "Up About a minute (healthy)");
}

#[test]
fn time_formats_rfc3339_with_trailing_zeros_trimmed() {
    for (input, want) in [
        ("2024-05-06T07:08:09Z", "2024-05-06T07:08:09Z"),
        ("2024-05-06T07:08:09.000000000Z", "2024-05-06T07:08:09Z"),
        ("2024-05-06T07:08:09.120000000Z", "2024-05-06T07:08:09.12Z"),
        ("2024-05-06T07:08:09.5Z", "2024-05-06T07:08:09.5Z"),
        (
            "2024-05-06T07:08:09.000000001Z",
            "2024-05-06T07:08:09.000000001Z",
        ),
        (
            "2024-05-06T07:08:09.123456789Z",
            "2024-05-06T07:08:09.123456789Z",
        ),
        ("2024-05-06T09:08:09.25+02:00", "2024-05-06T07:08:09.25Z"),
        ("2024-05-06T00:30:00-01:00", "2024-05-06T01:30:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("1969-12-31T23:59:59.9Z", "1969-12-31T23:59:59.9Z"),
    ] {
        let time = Time::parse(input).unwrap();
        assert_eq!(time.to_rfc3339(), want, "{input}");
        assert_eq!(time.to_string(), want);
        assert_eq!(Time::parse(want), Ok(time), "round trip of {want}");
    }
}

#[test]
fn zero_time_both_ways() {
    assert_eq!(Time::parse("0001-01-01T00:00:00Z"), Ok(Time::ZERO));
    assert_eq!(Time::ZERO.to_rfc3339(), "0001-01-01T00:00:00Z");
    assert!(Time::ZERO.is_zero());
    assert_eq!(Time::default(), Time::ZERO);
    assert_eq!(Time::ZERO.unix_nanos(), None);
    assert_eq!(Time::ZERO.unix_secs(), -62_135_596_800);
    assert!(
        !Time::from_unix_secs(0).is_zero(),
        "the epoch is not the zero time"
    );
    let json: Time = serde_json::from_str("\"0001-01-01T00:00:00Z\"").unwrap();
    assert!(json.is_zero());
    let empty: Time = serde_json::from_str("\"\"").unwrap();
    assert!(empty.is_zero());
    assert_eq!(
        serde_json::to_string(&Time::ZERO).unwrap(),
        "\"0001-01-01T00:00:00Z\""
    );
}

#[test]
fn time_rejects_what_is_not_rfc3339() {
    for bad in ["yesterday", "2024-05-06", "2024-13-01T00:00:00Z", ""] {
        assert!(Time::parse(bad).is_err(), "{bad:?}");
    }
    assert!(serde_json::from_str::<Time>("\"tomorrow\"").is_err());
    assert!(serde_json::from_str::<Time>("12").is_err());
}

#[test]
fn time_arithmetic() {
    let a = Time::from_unix_millis(1_500);
    assert_eq!(a.unix_nanos(), Some(1_500_000_000));
    assert_eq!(a.unix_secs(), 1);
    assert_eq!(Time::from_unix_nanos(-1).unix_secs(), -1, "Unix() floors");
    let b = a.add(Duration::from_secs(2));
    assert_eq!(b.since(a), Duration::from_secs(2));
    assert_eq!(a.since(b), Duration::from_secs(-2));
    assert_eq!(Time::ZERO.add(Duration::from_secs(5)), Time::ZERO);
    assert_eq!(a.since(Time::ZERO), Duration::from_nanos(i64::MAX));
    assert_eq!(Time::ZERO.since(a), Duration::from_nanos(i64::MIN));
    assert_eq!(Time::ZERO.since(Time::ZERO), Duration::ZERO);
    assert!(a < b);
    assert!(Time::ZERO < a, "never sorts first");
    assert_eq!(Duration::from_millis(1500).as_millis(), 1500);
    assert_eq!(Duration::from_secs(1).as_nanos(), SEC);
    assert_eq!(Duration::from_secs(40).doubled(), Duration::from_secs(80));
    assert_eq!(
        Duration::from_nanos(i64::MAX).doubled(),
        Duration::from_nanos(i64::MAX)
    );
}
