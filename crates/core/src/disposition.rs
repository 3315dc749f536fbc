//! What to do with a failure: retry it, wait for a missing dependency, or park it.
//!
//! Every error type that can reach a worker implements [`Classify`], so the decision
//! between "retry with backoff" and "dead-letter with a reason" is made by the error's
//! owner, once, and not re-guessed by whoever happens to catch it.

use std::time::Duration;

/// How a failed step should be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// The cause may pass on its own (timeouts, 5xx, throttling): retry with backoff.
    Transient {
        /// The remote side's own hint (for example `Retry-After`), when it gave one.
        retry_after: Option<Duration>,
        /// The remote side is overloaded (429, 503): slow down, and do not count the
        /// attempt against the message's receive budget.
        overload: bool,
    },
    /// A prerequisite has not arrived yet (a payment before its order): retry with a
    /// growing delay, and park only after the flow's waiting window.
    WaitingOnDependency,
    /// Retrying cannot help (business rule, contract violation, configuration): park now.
    Permanent,
}

impl Disposition {
    /// A plain transient failure with no hint and no overload.
    pub const TRANSIENT: Disposition = Disposition::Transient {
        retry_after: None,
        overload: false,
    };

    /// True when a retry may succeed without anyone changing anything.
    pub fn is_retryable(self) -> bool {
        !matches!(self, Disposition::Permanent)
    }
}

/// Implemented by every error that a worker may see.
pub trait Classify {
    /// The handling this failure calls for. Must be stable for a given error value.
    fn disposition(&self) -> Disposition;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_permanent_is_not_retryable() {
        assert!(Disposition::TRANSIENT.is_retryable());
        assert!(Disposition::WaitingOnDependency.is_retryable());
        assert!(!Disposition::Permanent.is_retryable());
    }
}
