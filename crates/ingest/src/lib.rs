//! Webhook ingest, the pure part: everything between the raw HTTP request and the
//! canonical [`Envelope`](spine_core::Envelope), with no AWS and no Lambda dependency.
//!
//! - [`config`]: sources as configuration (name → kind and options).
//! - [`keys`]: the signing secrets of a source, current and (in a grace period) previous.
//! - [`verify`]: one signature verifier per source kind, constant-time.
//! - [`map`]: each source's payloads mapped to `order.v1`, `payment.v1`, `refund.v1`,
//!   `shipment.v1`, or "ignored".
//! - [`pipeline`]: request checks (413, 415), then verify, parse, map, validate.
//! - [`answer`] and [`error`]: the HTTP answers and the JSON error bodies.
//!
//! The Lambda handler (functions/webhook) does the I/O around this: secrets, ledger,
//! queue.

pub mod answer;
pub mod config;
pub mod error;
pub mod headers;
mod json;
pub mod keys;
pub mod map;
pub mod pipeline;
pub mod verify;

pub use answer::Answer;
pub use config::{Encoding, SourceConfig, SourceKind, Sources};
pub use error::{ErrorBody, FieldError, Rejection, SignatureError};
pub use headers::{Headers, correlation_id};
pub use keys::SigningKeys;
pub use pipeline::{Limits, Outcome, check_request, decode_body, process};
