//! The Odoo client's error type and its kinds.
//!
//! Every failure of a call is one [`OdooError`], and every error knows its
//! [`ErrorKind`] (ODOO.md's error table) and whether it is transient. Odoo's traceback
//! (`debug`) is kept for the log but never shown by `Display`: a Display string may end
//! up in a DLQ reason or a client-facing answer.

use std::fmt;
use std::time::Duration;

use spine_core::{Classify, Disposition};

use crate::config::ConfigError;

/// What a failure means for the caller, after ODOO.md's error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad API key or password: refresh the secret once, then treat as permanent.
    Credentials,
    /// The spine and this Odoo disagree on setup: unknown database, missing bearer,
    /// module or model not installed, unknown field or method, a bad call signature.
    Configuration,
    /// The user lacks access rights, or a private method was called.
    Access,
    /// Odoo refused the data or the operation (UserError, ValidationError, load
    /// messages); the message says why.
    Business,
    /// The record does not exist (any more).
    NotFound,
    /// May pass on its own: timeouts, connection errors, 429, 502/503/504, database
    /// serialization failures.
    Transient,
    /// The answer is not what the protocol promises (not JSON, wrong envelope).
    Protocol,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Credentials => "credentials",
            ErrorKind::Configuration => "configuration",
            ErrorKind::Access => "access",
            ErrorKind::Business => "business",
            ErrorKind::NotFound => "not found",
            ErrorKind::Transient => "transient",
            ErrorKind::Protocol => "protocol",
        })
    }
}

/// An error Odoo itself reported (JSON-RPC `error.data`, or a JSON-2 error body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFault {
    /// HTTP status (always 200 on JSON-RPC).
    pub status: u16,
    /// The Python class, e.g. `odoo.exceptions.ValidationError`.
    pub name: String,
    /// Odoo's message, meant for humans.
    pub message: String,
    /// The server traceback: for the log only, never for a reason shown to anyone.
    pub debug: String,
}

/// One message of a failed `load()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadMessage {
    /// `error` or `warning`.
    pub level: String,
    /// The column the message is about, when Odoo names one.
    pub field: Option<String>,
    /// Odoo's text.
    pub message: String,
}

impl fmt::Display for LoadMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "field {field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Where a transport failure happened, which decides whether a write may have applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The connection could not be opened: nothing reached the server.
    Connect,
    /// The request went out and no (complete) answer came back: a write may have
    /// been committed.
    AfterSend,
}

/// Every way an Odoo call can fail. See [`OdooError::kind`].
#[derive(Debug, thiserror::Error)]
pub enum OdooError {
    /// Odoo raised an exception and rolled the call's transaction back.
    #[error("{kind} error from Odoo ({}): {}", fault.name, fault.message)]
    Server {
        /// The classification of `fault.name` (and status on JSON-2).
        kind: ErrorKind,
        /// What Odoo said, traceback included.
        fault: ServerFault,
    },
    /// `common.authenticate` answered `false`: wrong login or API key.
    #[error("credentials error: Odoo refused login {login:?} on database {database:?}")]
    AuthenticationFailed {
        /// The login that was refused.
        login: String,
        /// The database asked for.
        database: String,
    },
    /// `load()` answered error messages (or `ids: false`): nothing was written. Business,
    /// unless a message is a database concurrency conflict (see [`crate::is_conflict`]),
    /// which Odoo reports inside the answer rather than raising.
    #[error("{} error: load into {model} failed: {}", load_kind(messages), join(messages))]
    Load {
        /// The model loaded into.
        model: String,
        /// Odoo's messages, with the column each is about.
        messages: Vec<LoadMessage>,
    },
    /// An HTTP answer that is not Odoo's (proxy pages, an HTML 404 for an unknown
    /// database or a server without JSON-2).
    #[error("{kind} error: HTTP {status} from {path}: {detail}")]
    Http {
        /// The classification.
        kind: ErrorKind,
        /// The HTTP status.
        status: u16,
        /// The path asked for (no host, no secrets).
        path: String,
        /// A short explanation.
        detail: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The exchange failed below HTTP: connect error, timeout, connection closed.
    #[error("transient error: {what} ({phase:?})")]
    Transport {
        /// Whether the request may have reached the server.
        phase: Phase,
        /// A short explanation.
        what: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer does not follow the protocol (invalid JSON, wrong envelope, wrong type).
    #[error("protocol error: {detail}")]
    Protocol {
        /// What was expected and what came.
        detail: String,
        /// The JSON error, when parsing failed.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The client's own configuration is invalid.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
}

/// A failed load is transient when any of its messages is a concurrency conflict: the
/// same load succeeds once the other transaction is done.
fn load_kind(messages: &[LoadMessage]) -> ErrorKind {
    if messages
        .iter()
        .any(|m| crate::classify::is_conflict("", &m.message))
    {
        ErrorKind::Transient
    } else {
        ErrorKind::Business
    }
}

fn join(messages: &[LoadMessage]) -> String {
    let parts: Vec<String> = messages.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl OdooError {
    /// The kind of failure, after ODOO.md's error table.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OdooError::Server { kind, .. } | OdooError::Http { kind, .. } => *kind,
            OdooError::AuthenticationFailed { .. } => ErrorKind::Credentials,
            OdooError::Load { messages, .. } => load_kind(messages),
            OdooError::Transport { .. } => ErrorKind::Transient,
            OdooError::Protocol { .. } => ErrorKind::Protocol,
            OdooError::Config(_) => ErrorKind::Configuration,
        }
    }

    /// True when retrying the same call may succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        self.kind() == ErrorKind::Transient
    }

    /// The server's `Retry-After` hint (429, 503), when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OdooError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Odoo's own error (class, message, traceback), when Odoo raised one.
    pub fn server_fault(&self) -> Option<&ServerFault> {
        match self {
            OdooError::Server { fault, .. } => Some(fault),
            _ => None,
        }
    }

    /// Whether a write may have been applied although the call failed: the request
    /// went out and no answer says it was rolled back (timeouts and dropped connections
    /// after sending, 502/504 from a proxy, an answer we could not read). Errors Odoo
    /// raised roll their transaction back; 429, 503 and connect errors never reached it.
    pub fn may_have_applied(&self) -> bool {
        match self {
            OdooError::Transport { phase, .. } => *phase == Phase::AfterSend,
            OdooError::Http { status, .. } => matches!(status, 502 | 504),
            OdooError::Protocol { .. } => true,
            _ => false,
        }
    }
}

impl Classify for OdooError {
    /// Transient errors retry (429 and 503 flagged as overload); everything else is
    /// permanent. Credentials errors are permanent here: the caller refreshes the
    /// secret once before it ever gets to the queue.
    fn disposition(&self) -> Disposition {
        if !self.is_transient() {
            return Disposition::Permanent;
        }
        let overload = matches!(
            self,
            OdooError::Http {
                status: 429 | 503,
                ..
            }
        );
        Disposition::Transient {
            retry_after: self.retry_after(),
            overload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_shows_the_traceback() {
        let fault = ServerFault {
            status: 422,
            name: "odoo.exceptions.ValidationError".into(),
            message: "You cannot create recursive Partner hierarchies.".into(),
            debug: "Traceback (most recent call last):\n  File \"/opt/odoo/secret.py\"".into(),
        };
        let err = OdooError::Server {
            kind: ErrorKind::Business,
            fault,
        };
        let shown = err.to_string();
        assert_eq!(
            shown,
            "business error from Odoo (odoo.exceptions.ValidationError): You cannot create recursive Partner hierarchies."
        );
        assert!(!shown.contains("Traceback"));
        assert!(
            err.server_fault().is_some_and(|f| f.debug.contains("secret.py")),
            "kept for the log"
        );
        assert_eq!(err.disposition(), Disposition::Permanent);
    }

    #[test]
    fn load_messages_name_their_fields() {
        let err = OdooError::Load {
            model: "sale.order".into(),
            messages: vec![
                LoadMessage {
                    level: "error".into(),
                    field: Some("partner_id".into()),
                    message: "No match".into(),
                },
                LoadMessage {
                    level: "error".into(),
                    field: None,
                    message: "Bad row".into(),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "business error: load into sale.order failed: field partner_id: No match; Bad row"
        );
        assert_eq!(err.kind(), ErrorKind::Business);
    }

    #[test]
    fn a_serialization_conflict_inside_a_load_answer_is_transient() {
        // What a real Odoo 19 answered (HTTP 200) to concurrent loads of one partner.
        let err = OdooError::Load {
            model: "res.partner".into(),
            messages: vec![LoadMessage {
                level: "error".into(),
                field: None,
                message: "could not serialize access due to concurrent update".into(),
            }],
        };
        assert_eq!(err.kind(), ErrorKind::Transient);
        assert!(err.is_transient());
        assert!(!err.may_have_applied(), "a failed load rolled back");
        assert_eq!(
            err.to_string(),
            "transient error: load into res.partner failed: could not serialize access due to concurrent update"
        );
    }

    #[test]
    fn overload_carries_retry_after_into_the_disposition() {
        let err = OdooError::Http {
            kind: ErrorKind::Transient,
            status: 429,
            path: "/jsonrpc".into(),
            detail: "too many requests".into(),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            err.disposition(),
            Disposition::Transient {
                retry_after: Some(Duration::from_secs(3)),
                overload: true
            }
        );
        assert!(!err.may_have_applied());
    }
}
