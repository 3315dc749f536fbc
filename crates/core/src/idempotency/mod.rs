//! Worker idempotency (layer 2 of DESIGN.md): one record per business key, so that a
//! redriven or duplicated message never runs its side effects twice.
//!
//! The state machine is pure code here; the store behind it is a port
//! ([`IdempotencyStore`]) with a DynamoDB adapter in `spine-aws` and an in-memory one in
//! [`memory`]. The rules, in the order [`IdempotencyRecord::decide`] applies them:
//!
//! 1. A record whose `expiration` (epoch seconds) is at or before now is dead: take over.
//! 2. An INPROGRESS record whose `in_progress_expiration` (epoch ms, from the Lambda
//!    deadline) is at or before now belongs to a run that timed out: take over.
//! 3. Otherwise a different payload hash is a typed mismatch, never a silent replay.
//! 4. Otherwise COMPLETED replays the stored result and INPROGRESS asks to retry later.
//!
//! Expiry is decided by these rules with the caller's clock, never by the store's TTL
//! sweeper: DynamoDB deletes expired items up to days late, and moto never does.

pub mod memory;
mod run;
mod store;

pub use run::{Clock, Idempotency, IdempotencyConfig, IdempotencyError, Outcome, SystemClock};
pub use store::{AcquireError, IdempotencyStore, StoreError};

/// A test-only switch, never set by template.yaml (the name-drift test checks): with the
/// value `yes`, the webhook enqueues every repeated delivery (layer 1 off), the sync
/// workers run the flow without an idempotency record (layer 2 off), and the payment and
/// refund flows stop looking for the record an earlier delivery made (layer 3 off for
/// them). The fault-injection proof sets it to show that its verdict then fails.
pub const UNSAFE_SKIP_ENV: &str = "SPINE_UNSAFE_SKIP_IDEMPOTENCY";

/// True when [`UNSAFE_SKIP_ENV`] is `yes` in the process environment (callers log a
/// warning then, so a deployment that sets it by mistake says so on every cold start).
pub fn unsafe_skip_requested() -> bool {
    std::env::var(UNSAFE_SKIP_ENV).is_ok_and(|v| v == "yes")
}

use crate::ids::{BusinessKey, IdError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

/// The key of one idempotency record: the rendered [`BusinessKey`]
/// (`flow:source:entity:rREV`). There is deliberately no constructor from an SQS message
/// id: a redriven message gets a new id while its business identity stays the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key for a business object at one revision.
    pub fn from_business_key(key: &BusinessKey) -> Self {
        Self(key.render())
    }

    /// Reads back a key as stored (`flow:source:entity:rREV`, at most 512 characters);
    /// used by adapters when they parse a record.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        const WHAT: &str = "idempotency key";
        if value.is_empty() {
            return Err(IdError::Empty { what: WHAT });
        }
        if value.chars().count() > 512 {
            return Err(IdError::TooLong { what: WHAT, max: 512 });
        }
        let parts: Vec<&str> = value.splitn(4, ':').collect();
        let flow_ok = parts
            .first()
            .is_some_and(|flow| flow.parse::<crate::Flow>().is_ok());
        if parts.len() != 4 || !flow_ok || value.chars().any(char::is_control) {
            return Err(IdError::BadChar {
                what: WHAT,
                found: value.chars().find(|c| c.is_control()).unwrap_or(':'),
                allowed: "the form flow:source:entity:rREV",
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> String {
        key.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lower-case hex SHA-256 of a payload's canonical JSON bytes (object keys sorted at
/// every depth, no white space), so that two deliveries of the same event with keys in
/// a different order hash the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PayloadHash(String);

impl PayloadHash {
    /// Hash of `value` in canonical form.
    pub fn of_json(value: &serde_json::Value) -> Self {
        let mut canonical = Vec::with_capacity(256);
        write_canonical(value, &mut canonical);
        Self::of_bytes(&canonical)
    }

    /// Hash of bytes that the caller already made canonical.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(bytes)))
    }

    /// Accepts 64 lower-case hex digits (as stored).
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let ok = value.len() == 64
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if !ok {
            return Err(IdError::BadChar {
                what: "payload hash",
                found: value.chars().find(|c| !c.is_ascii_hexdigit()).unwrap_or('?'),
                allowed: "64 lower-case hex digits",
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The hash as hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PayloadHash {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

impl From<PayloadHash> for String {
    fn from(hash: PayloadHash) -> String {
        hash.0
    }
}

/// Serializes with sorted keys whatever map order serde_json was built with (another
/// crate in the graph may turn on `preserve_order`).
fn write_canonical(value: &serde_json::Value, out: &mut Vec<u8>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(&Value::String(key.clone()), out);
                out.push(b':');
                write_canonical(item, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        // Scalars have one serde_json rendering; writing to a Vec cannot fail.
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

/// Where a record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdempotencyStatus {
    /// A run holds the key until `in_progress_expiration`.
    InProgress,
    /// A run finished; its result is stored.
    Completed,
}

impl IdempotencyStatus {
    /// The stored spelling: `INPROGRESS` or `COMPLETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "INPROGRESS",
            Self::Completed => "COMPLETED",
        }
    }

    /// Parses the stored spelling; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "INPROGRESS" => Some(Self::InProgress),
            "COMPLETED" => Some(Self::Completed),
            _ => None,
        }
    }
}

/// One idempotency record as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct IdempotencyRecord {
    pub key: IdempotencyKey,
    pub status: IdempotencyStatus,
    /// Epoch seconds after which the record is dead (the store's TTL attribute).
    pub expiration: i64,
    /// Epoch milliseconds after which an INPROGRESS record may be taken over.
    pub in_progress_expiration: i64,
    pub payload_hash: PayloadHash,
    /// The run that holds (or held) the record; complete and release are conditional on
    /// it, so a run that was taken over cannot overwrite or delete its successor's record.
    pub owner: String,
    /// The stored result, present once COMPLETED.
    pub result: Option<serde_json::Value>,
}

/// What an existing record means for a new run at a given time.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// The record is dead or its run timed out: a new run may replace it.
    TakeOver,
    /// COMPLETED with the same payload: return the stored result.
    Replay(serde_json::Value),
    /// Another run holds the key; retry after this long (at least one second).
    InProgress { retry_after: Duration },
    /// Same key, different payload.
    PayloadMismatch,
}

impl IdempotencyRecord {
    /// True when a new run may replace this record at `now_ms`: exactly the condition
    /// the store's conditional put must use, so the two never disagree.
    pub fn is_takeable(&self, now_ms: i64) -> bool {
        self.expiration <= now_ms.div_euclid(1000)
            || (self.status == IdempotencyStatus::InProgress && self.in_progress_expiration <= now_ms)
    }

    /// The decision for a new run with `payload` at `now_ms` (epoch ms).
    pub fn decide(&self, payload: &PayloadHash, now_ms: i64) -> Decision {
        if self.is_takeable(now_ms) {
            return Decision::TakeOver;
        }
        if &self.payload_hash != payload {
            return Decision::PayloadMismatch;
        }
        match (self.status, &self.result) {
            (IdempotencyStatus::Completed, Some(result)) => Decision::Replay(result.clone()),
            // A COMPLETED record without a result cannot be replayed; treating it as a
            // run in progress makes the caller retry until it expires rather than guess.
            _ => {
                let left = self.in_progress_expiration.saturating_sub(now_ms).max(1000);
                Decision::InProgress {
                    retry_after: Duration::from_millis(left.unsigned_abs()),
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
