//! What can go wrong in an operator action, and the exit code each failure maps to.
//!
//! The exit codes are a contract with scripts (documented in README.md and `--help`):
//! 0 ok, 1 some items failed, 2 usage or configuration error, 3 AWS unreachable or no
//! valid credentials, 4 the named message or event was not found.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use spine_core::{EventKey, Flow, LedgerError, StatusKind};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// Exit code: everything asked for was done (also "nothing to do").
pub const EXIT_OK: i32 = 0;
/// Exit code: at least one item failed; the others were done.
pub const EXIT_PARTIAL: i32 = 1;
/// Exit code: bad arguments or missing configuration; nothing was done.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: AWS could not be reached or refused the credentials; nothing was done.
pub const EXIT_AWS: i32 = 3;
/// Exit code: the message or event named on the command line is not in any DLQ.
pub const EXIT_NOT_FOUND: i32 = 4;

/// A failed operator action. Every message is one line, safe to show an operator.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The flow has no queue URLs configured (`<FLOW>_QUEUE_URL`, `<FLOW>_DLQ_URL`).
    #[error("flow {flow} is not configured: set {queue_var} and {dlq_var}")]
    FlowNotConfigured {
        flow: Flow,
        queue_var: &'static str,
        dlq_var: &'static str,
    },
    /// No flow at all is configured.
    #[error(
        "no flow is configured: set <FLOW>_QUEUE_URL and <FLOW>_DLQ_URL (e.g. ORDER_QUEUE_URL, ORDER_DLQ_URL)"
    )]
    NoFlowConfigured,
    /// An action that writes the audit trail needs the ledger table.
    #[error("the ledger is not configured: set LEDGER_TABLE (redrive and discard write their audit there)")]
    NoLedger,
    /// Bad input (a since value, an actor name).
    #[error("{0}")]
    Usage(String),
    /// The endpoint could not be reached (network, DNS, timeout).
    #[error("AWS is unreachable at {what}: {detail}")]
    Unreachable { what: String, detail: String },
    /// AWS refused the credentials (or there are none).
    #[error(
        "AWS refused the credentials ({code}): check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )]
    Credentials { code: String },
    /// No credentials could be found at all (environment, profile, instance role).
    #[error("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")]
    NoCredentials,
    /// Any other SQS failure.
    #[error("SQS {operation} on {queue_url} failed: {detail}")]
    Sqs {
        operation: &'static str,
        queue_url: String,
        detail: String,
        #[source]
        source: Source,
    },
    /// No message with this event key or message id in the DLQs looked at.
    #[error("no parked message with event key or message id {0:?} in the DLQs looked at")]
    NotFound(String),
    /// Discard refused: the event has no ledger entry, so nothing would keep its trace.
    #[error("event {0} has no ledger entry: discard refused (nothing may disappear without a trace)")]
    NoLedgerEntry(EventKey),
    /// The parked message carries no event key, so its discard cannot be traced.
    #[error("message {0} carries no event key: discard refused")]
    NoEventKey(String),
    /// A ledger read or write failed.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The status does not allow the action.
    #[error("event {key} is {status}: {action} refused")]
    Refused {
        key: EventKey,
        status: StatusKind,
        action: &'static str,
    },
    /// A failure of a collaborator (reconciliation, Odoo) with its cause kept.
    #[error("{what}: {source}")]
    Other {
        what: &'static str,
        #[source]
        source: Source,
    },
    /// StartMessageMoveTask is not available on this endpoint (emulators answer 500).
    #[error(
        "bulk move (SQS StartMessageMoveTask) is not supported by this endpoint ({detail}); use `dlq redrive` without --bulk"
    )]
    BulkUnsupported { detail: String },
}

impl OpError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::FlowNotConfigured { .. } | Self::NoFlowConfigured | Self::NoLedger | Self::Usage(_) => {
                EXIT_USAGE
            }
            Self::Unreachable { .. } | Self::Credentials { .. } | Self::NoCredentials => EXIT_AWS,
            Self::NotFound(_) => EXIT_NOT_FOUND,
            _ => EXIT_PARTIAL,
        }
    }

    /// Maps an SDK failure of `operation` on `queue_url`: unreachable endpoints and
    /// refused credentials get their own variants (exit code 3), the rest stays an SQS
    /// error with its source.
    pub fn from_sdk<E, R>(operation: &'static str, queue_url: &str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let detail = aws_sdk_sqs::error::DisplayErrorContext(&error).to_string();
        match &error {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                return Self::Unreachable {
                    what: queue_url.to_owned(),
                    detail: first_line(&detail),
                };
            }
            SdkError::ServiceError(e) => {
                let code = e.err().code().unwrap_or_default();
                if is_credentials_code(code) {
                    return Self::Credentials {
                        code: code.to_owned(),
                    };
                }
            }
            _ => {}
        }
        Self::Sqs {
            operation,
            queue_url: queue_url.to_owned(),
            detail: first_line(&detail),
            source: Box::new(error),
        }
    }
}

/// Error codes AWS answers for missing, wrong or expired credentials.
pub fn is_credentials_code(code: &str) -> bool {
    const CODES: [&str; 8] = [
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSecurityToken",
        "AccessDenied",
        "AccessDeniedException",
    ];
    CODES.contains(&code)
}

/// The first line of `text`, cut to 300 bytes: operator errors stay one line.
pub fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    spine_aws::queue::truncate_at_char_boundary(line, 300).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_documented_scheme() {
        assert_eq!(OpError::NoFlowConfigured.exit_code(), EXIT_USAGE);
        assert_eq!(OpError::NoLedger.exit_code(), EXIT_USAGE);
        let unreachable = OpError::Unreachable {
            what: "q".into(),
            detail: "dns".into(),
        };
        assert_eq!(unreachable.exit_code(), EXIT_AWS);
        assert_eq!(
            OpError::Credentials {
                code: "ExpiredToken".into()
            }
            .exit_code(),
            EXIT_AWS
        );
        assert_eq!(OpError::NotFound("k".into()).exit_code(), EXIT_NOT_FOUND);
        let bulk = OpError::BulkUnsupported { detail: "500".into() };
        assert_eq!(bulk.exit_code(), EXIT_PARTIAL);
    }

    #[test]
    fn messages_are_one_line() {
        assert_eq!(first_line("a\nb"), "a");
        assert!(is_credentials_code("InvalidClientTokenId"));
        assert!(!is_credentials_code("QueueDoesNotExist"));
        let text = OpError::FlowNotConfigured {
            flow: Flow::Refund,
            queue_var: "REFUND_QUEUE_URL",
            dlq_var: "REFUND_DLQ_URL",
        }
        .to_string();
        assert!(!text.contains('\n') && text.contains("REFUND_DLQ_URL"), "{text}");
    }
}
