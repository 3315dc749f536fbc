//! What a run compares and how strictly: the window of local days, the time zone they
//! are counted in (a fixed offset or an IANA zone with daylight saving), the amount
//! tolerance and each flow's SLA, read from the environment (names below) or built in
//! code.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use spine_core::Flow;

use crate::zone::{DayZone, ZoneError};

/// Environment variable names, in one place for template.yaml and the README.
pub mod env_names {
    /// The zone days are counted in: an IANA name such as `Europe/Berlin` (days of 23
    /// or 25 hours at daylight-saving changes) or a fixed offset such as `+07:00`
    /// (default `UTC`).
    pub const TIME_ZONE: &str = "RECONCILE_TIME_ZONE";
    /// The earlier name of [`TIME_ZONE`], still read (same values) when that is unset;
    /// setting both is refused.
    pub const UTC_OFFSET: &str = "RECONCILE_UTC_OFFSET";
    /// Largest accepted difference between source and Odoo amounts, in minor units
    /// (default 1: one cent of rounding).
    pub const TOLERANCE_MINOR: &str = "RECONCILE_TOLERANCE_MINOR";
    /// SLA in minutes for RECEIVED/QUEUED entries, all flows (default 60).
    pub const SLA_MINUTES: &str = "RECONCILE_SLA_MINUTES";
    /// Per-flow SLA override: this prefix plus the flow in capitals, e.g.
    /// `RECONCILE_SLA_MINUTES_PAYMENT`.
    pub const SLA_MINUTES_PREFIX: &str = "RECONCILE_SLA_MINUTES_";
    /// The reports table.
    pub const REPORTS_TABLE: &str = "REPORTS_TABLE";
}

/// Why the configuration or a requested window cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {source}")]
    Zone {
        name: &'static str,
        #[source]
        source: ZoneError,
    },
    #[error(
        "set {} or its older name {}, not both",
        env_names::TIME_ZONE,
        env_names::UTC_OFFSET
    )]
    TwoZones,
    #[error("{name} must be a whole number, not {value:?}")]
    Number { name: String, value: String },
    #[error("the window ends ({to}) before it starts ({from})")]
    Window { from: NaiveDate, to: NaiveDate },
    #[error("the window spans {0} days; at most 31 per run")]
    TooLong(u64),
    #[error("{0} is not set")]
    Missing(&'static str),
}

/// How a run compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// The zone days are counted in (named `offset` from when only fixed offsets were
    /// accepted; callers pass it to [`Window::yesterday`]).
    pub offset: DayZone,
    /// Largest accepted difference in minor units.
    pub tolerance_minor: i64,
    /// How long an entry may stay RECEIVED or QUEUED, per flow.
    pub sla: BTreeMap<Flow, Duration>,
    /// Ledger entries and Odoo records read per page.
    pub page_size: u32,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            offset: DayZone::default(),
            tolerance_minor: 1,
            sla: Flow::ALL
                .iter()
                .map(|f| (*f, Duration::from_secs(3600)))
                .collect(),
            page_size: 500,
        }
    }
}

impl ReconcileConfig {
    /// Reads the variables of [`env_names`]; absent ones take the defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ReconcileConfig::from_env`] with any lookup (tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        let zone = match (var(env_names::TIME_ZONE), var(env_names::UTC_OFFSET)) {
            (Some(_), Some(_)) => return Err(ConfigError::TwoZones),
            (Some(value), None) => Some((env_names::TIME_ZONE, value)),
            (None, Some(value)) => Some((env_names::UTC_OFFSET, value)),
            (None, None) => None,
        };
        if let Some((name, value)) = zone {
            config.offset = value
                .parse()
                .map_err(|source| ConfigError::Zone { name, source })?;
        }
        if let Some(value) = var(env_names::TOLERANCE_MINOR) {
            config.tolerance_minor = number(env_names::TOLERANCE_MINOR, &value)?;
        }
        let all = var(env_names::SLA_MINUTES)
            .map(|v| number(env_names::SLA_MINUTES, &v))
            .transpose()?
            .unwrap_or(60);
        for flow in Flow::ALL {
            let name = format!(
                "{}{}",
                env_names::SLA_MINUTES_PREFIX,
                flow.as_str().to_uppercase()
            );
            let minutes = var(&name).map(|v| number(&name, &v)).transpose()?.unwrap_or(all);
            config
                .sla
                .insert(flow, Duration::from_secs(minutes.unsigned_abs() * 60));
        }
        Ok(config)
    }

    /// The flow's SLA (one hour when not configured).
    pub fn sla(&self, flow: Flow) -> Duration {
        self.sla.get(&flow).copied().unwrap_or(Duration::from_secs(3600))
    }
}

fn number(name: &str, value: &str) -> Result<i64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Number {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}

/// An inclusive range of local days: what one run covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    from: NaiveDate,
    to: NaiveDate,
}

impl Window {
    /// Most days one run may cover: a month, so memory stays bounded per run.
    pub const MAX_DAYS: u64 = 31;

    /// A window from `from` to `to`, both included.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Self, ConfigError> {
        if to < from {
            return Err(ConfigError::Window { from, to });
        }
        let days = (to - from).num_days().unsigned_abs() + 1;
        if days > Self::MAX_DAYS {
            return Err(ConfigError::TooLong(days));
        }
        Ok(Self { from, to })
    }

    /// Yesterday in `zone`, the scheduled run's default.
    pub fn yesterday(now: DateTime<Utc>, zone: DayZone) -> Self {
        let today = zone.day_of(now);
        let day = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        Self { from: day, to: day }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Every local day of the window, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// The UTC instants `[start, end)` the window covers in `zone`: across a
    /// daylight-saving change a day is 23 or 25 hours long.
    pub fn utc_range(&self, zone: DayZone) -> (DateTime<Utc>, DateTime<Utc>) {
        let end_day = self.to.checked_add_days(Days::new(1)).unwrap_or(self.to);
        (zone.start_of(self.from), zone.start_of(end_day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn environment_overrides_defaults_per_flow() {
        let vars = |name: &str| match name {
            "RECONCILE_UTC_OFFSET" => Some("+07:00".to_owned()),
            "RECONCILE_TOLERANCE_MINOR" => Some("5".to_owned()),
            "RECONCILE_SLA_MINUTES" => Some("30".to_owned()),
            "RECONCILE_SLA_MINUTES_PAYMENT" => Some("10".to_owned()),
            _ => None,
        };
        let config = ReconcileConfig::from_lookup(vars).unwrap();
        assert_eq!(config.offset.to_string(), "+07:00");
        assert_eq!(config.tolerance_minor, 5);
        assert_eq!(config.sla(Flow::Order), Duration::from_secs(1800));
        assert_eq!(config.sla(Flow::Payment), Duration::from_secs(600));
    }

    #[test]
    fn bad_values_are_named() {
        let bad = |name: &str| (name == "RECONCILE_TIME_ZONE").then(|| "Jakarta".to_owned());
        assert!(matches!(
            ReconcileConfig::from_lookup(bad),
            Err(ConfigError::Zone {
                name: "RECONCILE_TIME_ZONE",
                ..
            })
        ));
        let both = |name: &str| name.starts_with("RECONCILE_").then(|| "+07:00".to_owned());
        assert!(matches!(
            ReconcileConfig::from_lookup(both),
            Err(ConfigError::TwoZones)
        ));
        let bad = |name: &str| (name == "RECONCILE_SLA_MINUTES_ORDER").then(|| "x".to_owned());
        assert!(matches!(
            ReconcileConfig::from_lookup(bad),
            Err(ConfigError::Number { .. })
        ));
    }

    #[test]
    fn windows_are_checked_and_mapped_to_utc() {
        assert!(Window::parse(day("2026-11-22"), day("2026-11-20")).is_err());
        assert!(Window::parse(day("2026-01-01"), day("2026-03-01")).is_err());
        let w = Window::parse(day("2026-11-20"), day("2026-11-22")).unwrap();
        assert_eq!(w.days().count(), 3);
        let plus7: DayZone = "+07:00".parse().unwrap();
        let (start, end) = w.utc_range(plus7);
        assert_eq!(start.to_rfc3339(), "2026-11-19T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-22T17:00:00+00:00");
    }

    #[test]
    fn yesterday_is_counted_in_the_offset() {
        let now: DateTime<Utc> = "2026-11-23T20:00:00Z".parse().unwrap();
        let plus7: DayZone = "+07:00".parse().unwrap();
        // 20:00 UTC is already the 24th in +07:00.
        assert_eq!(Window::yesterday(now, plus7).from(), day("2026-11-23"));
        assert_eq!(
            Window::yesterday(now, DayZone::default()).from(),
            day("2026-11-22")
        );
    }

    #[test]
    fn a_named_zone_is_read_and_its_dst_day_spans_23_hours() {
        let vars = |name: &str| (name == "RECONCILE_TIME_ZONE").then(|| "Europe/Berlin".to_owned());
        let config = ReconcileConfig::from_lookup(vars).unwrap();
        assert_eq!(config.offset.to_string(), "Europe/Berlin");
        let spring = Window::parse(day("2026-03-29"), day("2026-03-29")).unwrap();
        let (start, end) = spring.utc_range(config.offset);
        assert_eq!(start.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-03-29T22:00:00+00:00");
        let autumn = Window::parse(day("2026-10-25"), day("2026-10-25")).unwrap();
        let (start, end) = autumn.utc_range(config.offset);
        assert_eq!((end - start).num_hours(), 25);
        // The older variable still takes a fixed offset (and now a name too).
        let old = |name: &str| (name == "RECONCILE_UTC_OFFSET").then(|| "-05:00".to_owned());
        assert_eq!(
            ReconcileConfig::from_lookup(old).unwrap().offset.to_string(),
            "-05:00"
        );
    }
}
