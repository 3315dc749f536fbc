//! The crate's boundary error: every failure keeps its source, and says whether a later
//! run may succeed (transient) or an operator must act (permanent).

use spine_core::{Disposition, Flow, LedgerError};
use spine_odoo::OdooError;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a reconciliation, a report read or a healing step failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("reading the ledger failed")]
    Ledger(#[from] LedgerError),
    #[error("reading Odoo failed: {step}")]
    Odoo {
        step: &'static str,
        #[source]
        source: OdooError,
    },
    #[error("reading the {flow} dead-letter queue failed")]
    Dlq {
        flow: Flow,
        #[source]
        source: BoxError,
    },
    #[error("the reports table failed: {step}")]
    Store {
        step: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("the stored report is not valid JSON")]
    Decode(#[from] serde_json::Error),
    #[error("no report with run id {0}")]
    NotFound(String),
    #[error("the stored report has version {0}, this reader knows report.v1")]
    Version(String),
    #[error("the {0} queue is not configured")]
    NoQueue(Flow),
}

impl ReconcileError {
    pub(crate) fn odoo(step: &'static str) -> impl FnOnce(OdooError) -> Self {
        move |source| Self::Odoo { step, source }
    }

    pub(crate) fn store(step: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Store {
            step,
            source: source.into(),
        }
    }

    /// Whether a later run may succeed without an operator.
    pub fn disposition(&self) -> Disposition {
        use spine_core::Classify;
        match self {
            Self::Ledger(e) => e.disposition(),
            Self::Odoo { source, .. } => source.disposition(),
            Self::Dlq { .. } | Self::Store { .. } => Disposition::TRANSIENT,
            Self::Decode(_) | Self::NotFound(_) | Self::Version(_) | Self::NoQueue(_) => {
                Disposition::Permanent
            }
        }
    }
}
