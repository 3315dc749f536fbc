//! The time zone a run counts its days in: a fixed UTC offset (`+07:00`) or an IANA
//! zone name (`Europe/Berlin`) whose offset follows daylight saving time, so a local day
//! may last 23, 24 or 25 hours.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Where local days start and end. Parse with [`DayZone::from_str`]: `+07:00`, `-05:30`
/// and `Z` are fixed offsets; anything else must be an IANA name known to `chrono-tz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayZone {
    /// A fixed offset: every day lasts 24 hours.
    Fixed(FixedOffset),
    /// A named zone with its historical and daylight-saving rules.
    Named(Tz),
}

/// Why a text is not a zone.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is neither a UTC offset like +07:00 nor an IANA time zone like Europe/Berlin")]
pub struct ZoneError(pub String);

impl Default for DayZone {
    fn default() -> Self {
        Self::Named(Tz::UTC)
    }
}

impl FromStr for DayZone {
    type Err = ZoneError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.starts_with(['+', '-']) || text == "Z" {
            let text = if text == "Z" { "+00:00" } else { text };
            return text
                .parse::<FixedOffset>()
                .map(Self::Fixed)
                .map_err(|_| ZoneError(text.to_owned()));
        }
        text.parse::<Tz>()
            .map(Self::Named)
            .map_err(|_| ZoneError(text.to_owned()))
    }
}

impl fmt::Display for DayZone {
    /// The text it was parsed from, canonically: `+07:00` or `Europe/Berlin`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(offset) => write!(f, "{offset}"),
            Self::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl From<FixedOffset> for DayZone {
    fn from(offset: FixedOffset) -> Self {
        Self::Fixed(offset)
    }
}

impl DayZone {
    /// The local day `instant` falls on.
    pub fn day_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        match self {
            Self::Fixed(offset) => instant.with_timezone(offset).date_naive(),
            Self::Named(tz) => instant.with_timezone(tz).date_naive(),
        }
    }

    /// The UTC instant `day` starts at. Where midnight does not exist (a zone that
    /// springs forward at 00:00), the day starts at the first local time that does.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(NaiveTime::MIN);
        match self {
            Self::Fixed(offset) => first_valid(offset, midnight),
            Self::Named(tz) => first_valid(tz, midnight),
        }
    }
}

/// The earliest instant at or after the local `naive` time: a repeated time takes its
/// first occurrence, a skipped one moves forward to the end of the gap.
fn first_valid<Z: TimeZone>(zone: &Z, naive: NaiveDateTime) -> DateTime<Utc> {
    // Gaps are at most a few hours; stepping by 15 minutes finds the end of any real one
    // (zones shift in multiples of 15 minutes).
    for quarter in 0..=4 * 24 {
        let candidate = naive + chrono::Duration::minutes(15 * quarter);
        match zone.from_local_datetime(&candidate) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => {}
        }
    }
    // Unreachable for real zones: read the wall time as UTC rather than fail a run.
    naive.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn hours(zone: DayZone, d: &str) -> i64 {
        let d = day(d);
        let next = d.succ_opt().unwrap();
        (zone.start_of(next) - zone.start_of(d)).num_hours()
    }

    #[test]
    fn offsets_and_names_parse_and_print_back() {
        assert_eq!("+07:00".parse::<DayZone>().unwrap().to_string(), "+07:00");
        assert_eq!("-05:30".parse::<DayZone>().unwrap().to_string(), "-05:30");
        assert_eq!("Z".parse::<DayZone>().unwrap().to_string(), "+00:00");
        assert_eq!(
            " Europe/Berlin ".parse::<DayZone>().unwrap().to_string(),
            "Europe/Berlin"
        );
        assert_eq!(DayZone::default().to_string(), "UTC");
        for bad in ["Jakarta", "+25:00", "Europe/Nowhere", ""] {
            assert!(bad.parse::<DayZone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn berlin_days_last_23_and_25_hours_across_daylight_saving() {
        let berlin: DayZone = "Europe/Berlin".parse().unwrap();
        // 2026: clocks go forward on 29 March, back on 25 October.
        assert_eq!(hours(berlin, "2026-03-29"), 23);
        assert_eq!(hours(berlin, "2026-10-25"), 25);
        assert_eq!(hours(berlin, "2026-11-20"), 24);
        assert_eq!(
            berlin.start_of(day("2026-03-29")).to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
        assert_eq!(
            berlin.start_of(day("2026-03-30")).to_rfc3339(),
            "2026-03-29T22:00:00+00:00"
        );
        // 22:30 UTC on the 29th is already the 30th in summer time (+02:00).
        let late: DateTime<Utc> = "2026-03-29T22:30:00Z".parse().unwrap();
        assert_eq!(berlin.day_of(late), day("2026-03-30"));
        let early: DateTime<Utc> = "2026-03-28T23:30:00Z".parse().unwrap();
        assert_eq!(berlin.day_of(early), day("2026-03-29"));
    }

    #[test]
    fn a_missing_midnight_starts_the_day_at_the_end_of_the_gap() {
        // Santiago springs forward at 24:00 local: 6 September 2026 has no 00:00.
        let santiago: DayZone = "America/Santiago".parse().unwrap();
        let start = santiago.start_of(day("2026-09-06"));
        assert_eq!(santiago.day_of(start), day("2026-09-06"));
        assert_eq!(start.to_rfc3339(), "2026-09-06T04:00:00+00:00");
        assert_eq!(hours(santiago, "2026-09-06"), 23);
    }

    #[test]
    fn fixed_offsets_have_24_hour_days() {
        let plus7: DayZone = "+07:00".parse().unwrap();
        assert_eq!(
            plus7.start_of(day("2026-11-20")).to_rfc3339(),
            "2026-11-19T17:00:00+00:00"
        );
        assert_eq!(hours(plus7, "2026-03-29"), 24);
    }
}
