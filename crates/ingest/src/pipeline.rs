//! The in-process path of one webhook: request checks, signature, JSON, mapping and the
//! contract, ending in an [`Envelope`] ready for the ledger and the queue, or a
//! [`Rejection`]. No I/O: the handler fetches the keys and does the storing.

use crate::config::{SourceConfig, SourceKind};
use crate::error::Rejection;
use crate::headers::Headers;
use crate::json::Json;
use crate::keys::SigningKeys;
use crate::map::{Mapped, keep, map};
use crate::verify::{verify_midtrans, verify_request};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use spine_core::{CorrelationId, Envelope, SourceEventId};
use std::borrow::Cow;

/// The SQS message limit, and so the largest body that can be accepted whole.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bodies over this many bytes (after base64 decoding) are refused with 413.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The result of a webhook that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A canonical event to record, enqueue and answer 202 for.
    Accepted(Box<Envelope>),
    /// A topic the spine does not handle: recorded and answered 200 "ignored".
    Ignored {
        source_event_id: SourceEventId,
        topic: String,
        occurred_at: DateTime<Utc>,
    },
}

/// The raw body of an API Gateway request: base64-decoded when the gateway encoded it.
pub fn decode_body(body: Option<&str>, is_base64: bool) -> Result<Cow<'_, [u8]>, Rejection> {
    let text = body.unwrap_or("");
    if is_base64 {
        BASE64
            .decode(text)
            .map(Cow::Owned)
            .map_err(|_| Rejection::BadEncoding)
    } else {
        Ok(Cow::Borrowed(text.as_bytes()))
    }
}

/// The checks made before any secret is fetched: size (413) and content type (415).
/// Every source here sends `application/json` (parameters such as `charset` allowed).
pub fn check_request(headers: &Headers, body: &[u8], limits: &Limits) -> Result<(), Rejection> {
    if body.len() > limits.max_body_bytes {
        return Err(Rejection::TooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let content_type = headers.get_trimmed("content-type").unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Rejection::UnsupportedMediaType(
            content_type.chars().take(100).collect(),
        ));
    }
    Ok(())
}

/// Verifies, parses, maps and validates one request of a configured source.
///
/// Header signatures are checked before the body is parsed, so a forged body is never
/// parsed; Midtrans signs inside the body, so its check follows the parse. Never panics,
/// whatever the input.
pub fn process(
    config: &SourceConfig,
    keys: &SigningKeys,
    headers: &Headers,
    body: &[u8],
    received_at: DateTime<Utc>,
    correlation_id: CorrelationId,
) -> Result<Outcome, Rejection> {
    verify_request(&config.kind, keys, headers, body, received_at)?;
    let json = Json::parse_keeping(body, keep(&config.kind)).map_err(Rejection::NotJson)?;
    if config.kind == SourceKind::Midtrans {
        verify_midtrans(keys, &json)?;
    }
    let Mapped {
        source_event_id,
        topic,
        occurred_at,
        event,
    } = map(config, headers, &json, received_at)?;
    let Some(event) = event else {
        return Ok(Outcome::Ignored {
            source_event_id,
            topic,
            occurred_at,
        });
    };
    let envelope = Envelope::new(
        config.name.clone(),
        source_event_id,
        topic,
        correlation_id,
        occurred_at,
        received_at,
        event,
    )?;
    Ok(Outcome::Accepted(Box::new(envelope)))
}
