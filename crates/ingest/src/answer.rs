//! The HTTP answers of the webhook route, as status code plus JSON body, independent of
//! the Lambda event types so they can be checked in unit tests.

use crate::error::Rejection;
use serde::Serialize;
use spine_core::{CorrelationId, EventKey};

/// One HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// A JSON document.
    pub body: String,
}

#[derive(Serialize)]
struct Receipt<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    correlation_id: &'a str,
}

impl Answer {
    /// 202: the event was recorded and enqueued.
    pub fn accepted(event_key: &EventKey, correlation_id: &CorrelationId) -> Self {
        Self::receipt(202, "accepted", Some(event_key.as_str()), None, correlation_id)
    }

    /// 200: the event had been accepted before; nothing was enqueued this time.
    pub fn duplicate(event_key: &EventKey, correlation_id: &CorrelationId) -> Self {
        Self::receipt(200, "duplicate", Some(event_key.as_str()), None, correlation_id)
    }

    /// 200: a topic the spine does not handle; recorded, nothing enqueued.
    pub fn ignored(event_key: &EventKey, topic: &str, correlation_id: &CorrelationId) -> Self {
        Self::receipt(
            200,
            "ignored",
            Some(event_key.as_str()),
            Some(topic),
            correlation_id,
        )
    }

    /// The refusal's status and `{"error": ..., "detail": ...}` body.
    pub fn rejected(rejection: &Rejection) -> Self {
        Self {
            status: rejection.status(),
            body: to_json(&rejection.body()),
        }
    }

    fn receipt(
        status: u16,
        word: &str,
        event_key: Option<&str>,
        topic: Option<&str>,
        correlation_id: &CorrelationId,
    ) -> Self {
        let receipt = Receipt {
            status: word,
            event_key,
            topic,
            correlation_id: correlation_id.as_str(),
        };
        Self {
            status,
            body: to_json(&receipt),
        }
    }
}

fn to_json(value: &impl Serialize) -> String {
    // Plain structs of strings always serialize; the fallback keeps the promise of a
    // JSON body without a panic path.
    serde_json::to_string(value).unwrap_or_else(|_| r#"{"error":"internal","detail":""}"#.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spine_core::{SourceEventId, SourceName};

    #[test]
    fn receipts_carry_key_and_correlation() {
        let key = EventKey::derive(
            &SourceName::parse("shopify").unwrap(),
            &SourceEventId::parse("w1").unwrap(),
        );
        let correlation = CorrelationId::parse("c-1").unwrap();
        let answer = Answer::accepted(&key, &correlation);
        assert_eq!(answer.status, 202);
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["event_key"], key.as_str());
        assert_eq!(body["correlation_id"], "c-1");
        assert_eq!(Answer::duplicate(&key, &correlation).status, 200);
        let ignored = Answer::ignored(&key, "products/update", &correlation);
        assert!(ignored.body.contains(r#""status":"ignored""#));
        let refused = Answer::rejected(&Rejection::UnknownSource("x".into()));
        assert_eq!(refused.status, 404);
        let body: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(body["error"], "unknown_source");
        assert_eq!(body.as_object().unwrap().len(), 2);
    }
}
