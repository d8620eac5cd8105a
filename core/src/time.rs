//! Points in time as the engine writes them (Go's `time.Time` in UTC, RFC 3339 with nanoseconds),
//! and go-units' `HumanDuration`, which the `docker ps` status column is made of.
//!
//! The core never reads a clock: every "now" is an argument.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{format_description::well_known::Rfc3339, OffsetDateTime, UtcOffset};

/// A point in time in UTC with nanosecond resolution, or [`Time::ZERO`], Go's zero time, which the
/// engine writes as `0001-01-01T00:00:00Z` and which means "never".
///
/// Stored as nanoseconds since the Unix epoch, so it is `Copy` and compares in one instruction.
/// Times before 1678 or after 2261 do not occur in engine data and read as zero.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

const ZERO_NANOS: i64 = i64::MIN;
const NANOS_PER_SECOND: i64 = 1_000_000_000;

impl Time {
    /// Go's zero time: "never".
    pub const ZERO: Time = Time(ZERO_NANOS);

    /// The time `nanos` nanoseconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix_nanos(nanos: i64) -> Time {
        Time(nanos)
    }

    /// The time `millis` milliseconds after the epoch (what JavaScript's `Date.now()` gives).
    pub const fn from_unix_millis(millis: i64) -> Time {
        Time(millis.saturating_mul(1_000_000))
    }

    /// The time `secs` seconds after the epoch.
    pub const fn from_unix_secs(secs: i64) -> Time {
        Time(secs.saturating_mul(NANOS_PER_SECOND))
    }

    /// Nanoseconds since the epoch; `None` for the zero time.
    pub const fn unix_nanos(self) -> Option<i64> {
        if self.is_zero() {
            None
        } else {
            Some(self.0)
        }
    }

    /// Whole seconds since the epoch, as the list API's `Created` (Go's `Unix()`); the zero time
    /// gives Go's value for it, -62135596800.
    pub const fn unix_secs(self) -> i64 {
        if self.is_zero() {
            -62_135_596_800
        } else {
            self.0.div_euclid(NANOS_PER_SECOND)
        }
    }

    /// Whether this is the zero time ("never").
    pub const fn is_zero(self) -> bool {
        self.0 == ZERO_NANOS
    }

    /// `self - earlier`, in nanoseconds. With either side zero the difference is measured from
    /// year 1, i.e. enormous, as Go's `time.Sub` does (saturating).
    pub fn since(self, earlier: Time) -> Duration {
        match (self.is_zero(), earlier.is_zero()) {
            (false, false) => Duration(self.0.saturating_sub(earlier.0)),
            (false, true) => Duration(i64::MAX),
            (true, false) => Duration(i64::MIN),
            (true, true) => Duration(0),
        }
    }

    /// This time moved by `d` (saturating); the zero time stays zero. Also available as `t + d`.
    // An inherent method as well as `ops::Add`, so callers need no trait import.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, d: Duration) -> Time {
        if self.is_zero() {
            self
        } else {
            Time(self.0.saturating_add(d.0))
        }
    }

    /// Parses RFC 3339 with optional fraction and any offset (the engine writes `Z`).
    pub fn parse(s: &str) -> Result<Time, TimeError> {
        // Go's RFC 3339 parser wants the `T`; the `time` crate would also take a space.
        if !matches!(s.as_bytes().get(10), Some(b'T' | b't')) {
            return Err(TimeError {
                input: s.to_owned(),
                reason: "expected 'T' between date and time".into(),
            });
        }
        let dt = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| TimeError {
            input: s.to_owned(),
            reason: e.to_string(),
        })?;
        if dt.year() <= 1 {
            return Ok(Time::ZERO);
        }
        let nanos = dt.unix_timestamp_nanos();
        i64::try_from(nanos).map(Time).map_err(|_| TimeError {
            input: s.to_owned(),
            reason: "out of range".into(),
        })
    }

    /// RFC 3339 with the fraction's trailing zeros trimmed (Go's `RFC3339Nano`), in UTC.
    pub fn to_rfc3339(self) -> String {
        self.format_rfc3339(false)
    }

    /// RFC 3339 with all nine digits of the fraction (`RFC3339NanoFixed`, as `docker logs
    /// --timestamps` prints), in UTC.
    pub fn to_rfc3339_fixed(self) -> String {
        self.format_rfc3339(true)
    }

    fn format_rfc3339(self, fixed: bool) -> String {
        if self.is_zero() {
            return "0001-01-01T00:00:00Z".to_owned();
        }
        let dt = match OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0)) {
            Ok(dt) => dt.to_offset(UtcOffset::UTC),
            Err(_) => return "0001-01-01T00:00:00Z".to_owned(),
        };
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        );
        let nanos = dt.nanosecond();
        if fixed {
            out.push_str(&format!(".{nanos:09}"));
        } else if nanos != 0 {
            let frac = format!("{nanos:09}");
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        out.push('Z');
        out
    }
}

impl std::ops::Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        Time::add(self, d)
    }
}

impl Default for Time {
    fn default() -> Time {
        Time::ZERO
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Time({})", self.to_rfc3339())
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.is_empty() {
            return Ok(Time::ZERO);
        }
        Time::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A time string that is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {input:?}: {reason}")]
pub struct TimeError {
    input: String,
    reason: String,
}

/// A signed span of time in nanoseconds, as Go's `time.Duration`.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct Duration(pub i64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);
    /// `n` nanoseconds.
    pub const fn from_nanos(n: i64) -> Duration {
        Duration(n)
    }
    /// `n` milliseconds.
    pub const fn from_millis(n: i64) -> Duration {
        Duration(n.saturating_mul(1_000_000))
    }
    /// `n` seconds.
    pub const fn from_secs(n: i64) -> Duration {
        Duration(n.saturating_mul(NANOS_PER_SECOND))
    }
    /// The span in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// The span in whole milliseconds (truncated).
    pub const fn as_millis(self) -> i64 {
        self.0 / 1_000_000
    }
    /// Twice this span, saturating.
    pub const fn doubled(self) -> Duration {
        Duration(self.0.saturating_mul(2))
    }
}

/// Go's `float64(d / unit) + float64(d % unit) / unit`, the way `Duration.Seconds()`,
/// `.Minutes()` and `.Hours()` compute, so rounding matches the reference at every boundary.
fn go_float_units(d: i64, unit: i64) -> f64 {
    let whole = d / unit;
    let rest = d % unit;
    whole as f64 + rest as f64 / unit as f64
}

/// go-units' `HumanDuration`: the text `docker ps` uses in "Up 5 seconds" and "Exited (0) 3 hours ago".
///
/// Seconds and minutes are truncated, hours rounded half up, as the reference does; a negative
/// span reads as "Less than a second".
pub fn human_duration(d: Duration) -> String {
    let d = d.0;
    let seconds = go_float_units(d, NANOS_PER_SECOND) as i64;
    if seconds < 1 {
        return "Less than a second".to_owned();
    }
    if seconds == 1 {
        return "1 second".to_owned();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = go_float_units(d, 60 * NANOS_PER_SECOND) as i64;
    if minutes == 1 {
        return "About a minute".to_owned();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours_f = go_float_units(d, 3600 * NANOS_PER_SECOND);
    let hours = (hours_f + 0.5) as i64;
    if hours == 1 {
        "About an hour".to_owned()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", (hours_f as i64) / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_trims_fraction() {
        let t = Time::parse("2024-05-06T07:08:09.120000000Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-05-06T07:08:09.12Z");
        assert_eq!(Time::parse("0001-01-01T00:00:00Z").unwrap(), Time::ZERO);
        assert_eq!(Time::ZERO.to_rfc3339(), "0001-01-01T00:00:00Z");
        let off = Time::parse("2024-05-06T09:08:09+02:00").unwrap();
        assert_eq!(off.to_rfc3339(), "2024-05-06T07:08:09Z");
        assert!(Time::parse("yesterday").is_err());
        assert!(Time::parse("2024-05-06 07:08:09Z").is_err());
    }
}
