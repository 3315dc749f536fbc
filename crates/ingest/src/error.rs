//! Why a webhook is refused, and how that refusal looks to the sender.
//!
//! Every refusal is a [`Rejection`]: it knows its HTTP status, a stable machine code and
//! a short detail safe to send back (never a secret, never an expected signature). The
//! full cause stays in the value for the log.

use serde::Serialize;

/// Which part of the signature check failed. Never carries the expected value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("{0} is missing")]
    MissingHeader(String),
    #[error("the body's {0} field is missing")]
    MissingField(String),
    #[error("{0} is not well formed")]
    Malformed(String),
    #[error("the signature in {0} does not match the body")]
    Mismatch(String),
    #[error("the timestamp in {header} is {age_secs} s away from now (tolerance {tolerance_secs} s)")]
    Stale {
        header: String,
        age_secs: i64,
        tolerance_secs: u64,
    },
}

/// A field of the source's payload that does not fit the canonical contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct FieldError {
    /// The JSON path in the sender's payload (or header name), e.g. `line_items[0].sku`.
    pub path: String,
    pub reason: String,
}

impl FieldError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// A refused request: what the sender is told, with the cause kept for the log.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("unknown source {0:?}")]
    UnknownSource(String),
    #[error("method {0} is not allowed (POST only)")]
    MethodNotAllowed(String),
    #[error("the body is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("content type {0:?} is not application/json")]
    UnsupportedMediaType(String),
    #[error("the body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the body is not valid base64")]
    BadEncoding,
    #[error("a required header is missing or unusable: {0}")]
    MissingHeader(&'static str),
    #[error("signature rejected: {0}")]
    Signature(#[from] SignatureError),
    #[error("the payload does not fit the contract: {0}")]
    Unprocessable(#[from] FieldError),
    #[error("the mapped event breaks its contract: {0}")]
    Contract(#[from] spine_core::ContractError),
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

/// The JSON error body every refusal carries: `{"error": ..., "detail": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// A stable code, e.g. `signature_mismatch`.
    pub error: &'static str,
    /// Words a sender can act on; safe to show (no secrets, no expected values).
    pub detail: String,
}

impl Rejection {
    /// The HTTP status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownSource(_) => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::TooLarge { .. } => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::NotJson(_) | Self::BadEncoding | Self::MissingHeader(_) => 400,
            Self::Signature(_) => 401,
            Self::Unprocessable(_) | Self::Contract(_) => 422,
            Self::Unavailable(_) => 503,
        }
    }

    /// The stable machine code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownSource(_) => "unknown_source",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::TooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::NotJson(_) => "malformed_json",
            Self::BadEncoding => "bad_encoding",
            Self::MissingHeader(_) => "missing_header",
            Self::Signature(SignatureError::MissingHeader(_) | SignatureError::MissingField(_)) => {
                "signature_missing"
            }
            Self::Signature(SignatureError::Malformed(_)) => "signature_malformed",
            Self::Signature(SignatureError::Mismatch(_)) => "signature_mismatch",
            Self::Signature(SignatureError::Stale { .. }) => "timestamp_stale",
            Self::Unprocessable(_) | Self::Contract(_) => "unprocessable_payload",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The body to send back. The detail is the error's own text: every variant's text
    /// was written to be safe for the sender (a secret never enters a `Rejection`), except
    /// `Unavailable`, whose internals stay in the log.
    pub fn body(&self) -> ErrorBody {
        let detail = match self {
            Self::Unavailable(_) => "the event could not be stored; retry later".to_owned(),
            Self::NotJson(e) => format!("the body is not JSON (line {}, column {})", e.line(), e.column()),
            other => other.to_string(),
        };
        ErrorBody {
            error: self.code(),
            detail,
        }
    }

    /// The path of the offending field, for a 422.
    pub fn field_path(&self) -> Option<&str> {
        match self {
            Self::Unprocessable(e) => Some(&e.path),
            Self::Contract(e) => Some(&e.path),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_the_issue() {
        let stale = Rejection::from(SignatureError::Stale {
            header: "Stripe-Signature".into(),
            age_secs: 900,
            tolerance_secs: 300,
        });
        assert_eq!((stale.status(), stale.code()), (401, "timestamp_stale"));
        let big = Rejection::TooLarge {
            size: 300_000,
            limit: 262_144,
        };
        assert_eq!(big.status(), 413);
        let field = Rejection::from(FieldError::new("line_items[0].sku", "is missing"));
        assert_eq!(field.status(), 422);
        assert_eq!(field.field_path(), Some("line_items[0].sku"));
        assert!(field.body().detail.contains("line_items[0].sku"));
    }

    #[test]
    fn unavailable_hides_its_internals() {
        let body = Rejection::Unavailable("dynamodb endpoint 10.0.0.1 refused".into()).body();
        assert!(!body.detail.contains("10.0.0.1"));
        assert_eq!(body.error, "unavailable");
    }
}
