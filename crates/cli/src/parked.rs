//! A parked message as the operator sees it, and the filters that select messages.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use spine_aws::queue::{ParkReason, QueuedMessage, attr};
use spine_core::{EventKey, Flow};

/// One message in a flow's DLQ with what the spine knows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parked {
    /// The flow whose DLQ holds it.
    pub flow: Flow,
    /// The message as received (body, attributes, this receive's handle).
    pub message: QueuedMessage,
    /// The park reason, when the message carries the reason attributes (messages moved by
    /// SQS's own redrive policy do not).
    pub reason: Option<ParkReason>,
    /// The event key: the `event_key` attribute, else the body's `event_key` field.
    pub event_key: Option<EventKey>,
    /// The source's event id from the body, when the body is JSON and has one.
    pub source_event_id: Option<String>,
    /// When the message entered the DLQ (SQS `SentTimestamp`).
    pub parked_at: Option<DateTime<Utc>>,
}

impl Parked {
    /// Reads what it can from `message`; never fails: a message with missing or
    /// malformed attributes is still listed (that is when an operator needs to see it).
    pub fn read(flow: Flow, message: QueuedMessage, parked_at: Option<DateTime<Utc>>) -> Self {
        let get = |name: &str| message.attributes.get(name).cloned();
        let reason = get(attr::ERROR_CLASS).map(|class| ParkReason {
            class,
            message: get(attr::ERROR_MESSAGE).unwrap_or_default(),
            attempts: get(attr::ATTEMPTS).and_then(|a| a.parse().ok()).unwrap_or(0),
            first_failure: get(attr::FIRST_FAILURE)
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc))
                .or(parked_at)
                .unwrap_or_default(),
        });
        let body: Option<serde_json::Value> = serde_json::from_str(&message.body).ok();
        let body_field = |name: &str| body.as_ref()?.get(name)?.as_str().map(str::to_owned);
        let event_key = get(attr::EVENT_KEY)
            .or_else(|| body_field("event_key"))
            .and_then(|k| EventKey::parse(&k).ok());
        let source_event_id = body_field("source_event_id");
        Self {
            flow,
            reason,
            event_key,
            source_event_id,
            parked_at,
            message,
        }
    }

    /// The reason class, or `unknown` for a message without reason attributes.
    pub fn class(&self) -> &str {
        self.reason.as_ref().map_or("unknown", |r| r.class.as_str())
    }

    /// When it first failed: the recorded first failure, else when it was parked.
    pub fn first_failure(&self) -> Option<DateTime<Utc>> {
        self.reason.as_ref().map(|r| r.first_failure).or(self.parked_at)
    }

    /// True when `id` is this message's event key or SQS message id.
    pub fn is(&self, id: &str) -> bool {
        self.message.message_id == id || self.event_key.as_ref().is_some_and(|k| k.as_str() == id)
    }
}

/// What listings show of a parked message (tables, `--json`, the redrive function).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParkedView {
    pub flow: Flow,
    pub message_id: String,
    pub event_key: Option<String>,
    pub source_event_id: Option<String>,
    pub reason_class: String,
    pub reason_message: Option<String>,
    pub attempts: Option<u32>,
    pub first_failure: Option<DateTime<Utc>>,
    /// Age of the first failure at `now`, e.g. `1h30m`.
    pub age: String,
}

impl Parked {
    /// The listing view at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> ParkedView {
        ParkedView {
            flow: self.flow,
            message_id: self.message.message_id.clone(),
            event_key: self.event_key.as_ref().map(ToString::to_string),
            source_event_id: self.source_event_id.clone(),
            reason_class: self.class().to_owned(),
            reason_message: self.reason.as_ref().map(|r| r.message.clone()),
            attempts: self.reason.as_ref().map(|r| r.attempts),
            first_failure: self.first_failure(),
            age: age(self.first_failure(), now),
        }
    }
}

/// Which parked messages an action applies to. Every set criterion must match; an empty
/// filter matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Reason class, compared ignoring case (`unknown` selects messages without one).
    #[serde(default)]
    pub reason: Option<String>,
    /// Event keys or SQS message ids; any of them.
    #[serde(default)]
    pub events: Vec<String>,
    /// Only messages that first failed at or after this time.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

impl Filter {
    /// True when `parked` satisfies every criterion.
    pub fn matches(&self, parked: &Parked) -> bool {
        let reason_ok = self
            .reason
            .as_ref()
            .is_none_or(|r| r.eq_ignore_ascii_case(parked.class()));
        let event_ok = self.events.is_empty() || self.events.iter().any(|id| parked.is(id));
        let since_ok = self
            .since
            .is_none_or(|since| parked.first_failure().is_some_and(|t| t >= since));
        reason_ok && event_ok && since_ok
    }
}

/// Parses a `--since` value: an RFC 3339 time, or a duration back from `now` written as
/// a number and a unit (`90s`, `30m`, `6h`, `2d`).
pub fn parse_since(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || format!("invalid --since {value:?}: use an RFC 3339 time or a duration like 30m, 6h, 2d");
    let split = value.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = value.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let back = match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    now.checked_sub_signed(back).ok_or_else(bad)
}

/// `2d3h`-style age of `since` at `now`, for tables.
pub fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(since) = since else {
        return "-".into();
    };
    let secs = (now - since).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(class: Option<&str>, key: &str) -> Parked {
        let mut message = QueuedMessage {
            message_id: format!("m-{key}"),
            body: format!(r#"{{"event_key":"{key}","source_event_id":"e1"}}"#),
            ..QueuedMessage::default()
        };
        if let Some(class) = class {
            message.attributes.insert(attr::ERROR_CLASS.into(), class.into());
            message
                .attributes
                .insert(attr::FIRST_FAILURE.into(), "2026-11-20T10:00:00.000Z".into());
        }
        Parked::read(Flow::Order, message, None)
    }

    #[test]
    fn reads_the_key_from_the_body_when_the_attribute_is_missing() {
        let p = parked(Some("permanent"), "shopify-0123456789abcdef01234567");
        assert_eq!(
            p.event_key.as_ref().map(EventKey::as_str),
            Some("shopify-0123456789abcdef01234567")
        );
        assert_eq!(p.source_event_id.as_deref(), Some("e1"));
        assert!(
            p.is("m-shopify-0123456789abcdef01234567")
                && p.is("shopify-0123456789abcdef01234567")
                && !p.is("other")
        );
        assert_eq!(parked(None, "k").class(), "unknown");
    }

    #[test]
    fn every_criterion_must_match() {
        let p = parked(Some("Permanent"), "shopify-0123456789abcdef01234567");
        assert!(Filter::default().matches(&p));
        let by_reason = Filter {
            reason: Some("permanent".into()),
            ..Filter::default()
        };
        assert!(by_reason.matches(&p));
        let other_event = Filter {
            events: vec!["shopify-fedcba9876543210fedcba98".into()],
            ..by_reason.clone()
        };
        assert!(!other_event.matches(&p));
        let later: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap_or_default();
        let since = Filter {
            since: Some(later),
            ..Filter::default()
        };
        assert!(!since.matches(&p));
        assert!(
            !since.matches(&parked(None, "k")),
            "no time known: not provably recent"
        );
    }

    #[test]
    fn since_takes_times_and_durations() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap_or_default();
        assert_eq!(
            parse_since("6h", now).map(|t| t.to_rfc3339()),
            Ok("2026-11-23T06:00:00+00:00".into())
        );
        assert_eq!(
            parse_since("2d", now).map(|t| t.to_rfc3339()),
            Ok("2026-11-21T12:00:00+00:00".into())
        );
        assert!(parse_since("2026-11-20T00:00:00Z", now).is_ok());
        for bad in ["", "h", "5w", "-5m", "99999999999999999999d"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
        assert_eq!(age(Some(now - Duration::minutes(90)), now), "1h30m");
        assert_eq!(age(None, now), "-");
    }
}
