//! The pure decision: given how a message failed and its delivery facts, retry it after
//! some delay or park it with a reason.

use std::time::Duration;

use chrono::{DateTime, Utc};
use spine_aws::queue::ParkReason;
use spine_core::disposition::Disposition;

use crate::MessageContext;

/// SQS refuses visibility timeouts of 12 h or more.
const VISIBILITY_LIMIT: Duration = Duration::from_secs(12 * 3600 - 1);

/// Backoff and concurrency settings of a batch handler.
#[derive(Clone, Copy, Debug)]
pub struct BatchPolicy {
    /// Messages of one batch processed at the same time (at least 1).
    pub concurrency: usize,
    /// Delay after the first transient failure; doubles per receive.
    pub transient_base: Duration,
    /// Longest transient delay.
    pub transient_max: Duration,
    /// Delay after the first "waiting on a dependency"; doubles per receive.
    pub dependency_base: Duration,
    /// Longest dependency delay.
    pub dependency_max: Duration,
    /// How long after its first receive a message may keep waiting on a dependency
    /// before it is parked.
    pub dependency_window: Duration,
    /// The queue's maxReceiveCount, when known: a message still failing on its last
    /// receive is parked by the function (ledger PARKED, reason kept) instead of being
    /// moved to the DLQ by SQS without one.
    pub max_receives: Option<u32>,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            concurrency: 8,
            transient_base: Duration::from_secs(2),
            transient_max: Duration::from_secs(15 * 60),
            dependency_base: Duration::from_secs(30),
            dependency_max: Duration::from_secs(60 * 60),
            dependency_window: Duration::from_secs(24 * 3600),
            max_receives: None,
        }
    }
}

/// What to do with a message whose handler failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Report it as a batch item failure and hide it for this long first.
    Retry {
        /// The visibility timeout to set (below 12 h).
        delay: Duration,
    },
    /// Move it to the DLQ with this reason.
    Park(ParkReason),
    /// Send it again as a new message delivered after `delay` (SQS allows at most 15
    /// minutes), carrying `waiting_since`: a message still waiting on a dependency on its
    /// queue's last receive, well inside the dependency window. Parking it there would
    /// make the window a count of receives instead of a time.
    Requeue {
        /// The delivery delay of the new copy.
        delay: Duration,
        /// When the wait started (kept across copies).
        waiting_since: DateTime<Utc>,
    },
}

/// The error class written to the DLQ for a disposition.
pub fn park_class(disposition: Disposition) -> &'static str {
    match disposition {
        Disposition::Transient { .. } => "transient",
        Disposition::WaitingOnDependency => "waiting_on_dependency",
        Disposition::Permanent => "permanent",
    }
}

/// `base * 2^(n-1)`, capped at `max` and below SQS's 12 h limit, never overflowing.
fn exponential(base: Duration, receive_count: u32, max: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(receive_count.saturating_sub(1).min(31))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor)
        .unwrap_or(Duration::MAX)
        .min(max)
        .min(VISIBILITY_LIMIT)
}

/// Decides a failed message's fate. Transient: retry with exponential backoff from the
/// receive count (or the remote side's `Retry-After` when longer), parked on the queue's
/// last receive (`max_receives`), since SQS would otherwise move it to the DLQ without a
/// reason. Waiting on a dependency: retry with its own growing delay until
/// `dependency_window` has passed since the wait started ([`MessageContext::first_attempt`]),
/// then park; on the queue's last receive inside the window, send it again as a new
/// message ([`Action::Requeue`]). Permanent: park now. `message` becomes the reason's
/// short message.
pub fn decide(
    disposition: Disposition,
    ctx: &MessageContext,
    policy: &BatchPolicy,
    now: DateTime<Utc>,
    message: &str,
) -> Action {
    let first = ctx.first_attempt().unwrap_or(now);
    let park = || Action::Park(ctx.park_reason(park_class(disposition), message, now));
    let last_receive = policy.max_receives.is_some_and(|max| ctx.receive_count >= max);
    match disposition {
        Disposition::Transient { .. } if last_receive => park(),
        Disposition::Transient { retry_after, .. } => {
            let backoff = exponential(policy.transient_base, ctx.receive_count, policy.transient_max);
            let delay = retry_after
                .map_or(backoff, |hint| hint.max(backoff))
                .min(VISIBILITY_LIMIT);
            Action::Retry { delay }
        }
        Disposition::WaitingOnDependency => {
            let waited = now.signed_duration_since(first).to_std().unwrap_or_default();
            let delay = exponential(policy.dependency_base, ctx.receive_count, policy.dependency_max);
            if waited >= policy.dependency_window {
                park()
            } else if last_receive {
                Action::Requeue {
                    delay,
                    waiting_since: first,
                }
            } else {
                Action::Retry { delay }
            }
        }
        Disposition::Permanent => park(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(receive_count: u32, first: Option<DateTime<Utc>>) -> MessageContext {
        MessageContext {
            receive_count,
            first_received_at: first,
            ..MessageContext::default()
        }
    }

    fn delay(action: Action) -> Duration {
        match action {
            Action::Retry { delay } => delay,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn transient_backoff_doubles_and_stays_below_twelve_hours() {
        let now = Utc::now();
        let p = BatchPolicy::default();
        let t = Disposition::TRANSIENT;
        assert_eq!(
            delay(decide(t, &ctx(1, None), &p, now, "x")),
            Duration::from_secs(2)
        );
        assert_eq!(
            delay(decide(t, &ctx(3, None), &p, now, "x")),
            Duration::from_secs(8)
        );
        assert_eq!(delay(decide(t, &ctx(500, None), &p, now, "x")), p.transient_max);
        let huge = BatchPolicy {
            transient_max: Duration::MAX,
            ..p
        };
        assert!(delay(decide(t, &ctx(u32::MAX, None), &huge, now, "x")) < Duration::from_secs(12 * 3600));
        let hinted = Disposition::Transient {
            retry_after: Some(Duration::from_secs(90)),
            overload: true,
        };
        assert_eq!(
            delay(decide(hinted, &ctx(1, None), &p, now, "x")),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn dependency_waits_then_parks_after_the_window() {
        let now = Utc::now();
        let p = BatchPolicy::default();
        let w = Disposition::WaitingOnDependency;
        let recent = ctx(2, Some(now - chrono::Duration::hours(1)));
        assert_eq!(
            delay(decide(w, &recent, &p, now, "no order")),
            Duration::from_secs(60)
        );
        let old = ctx(9, Some(now - chrono::Duration::hours(25)));
        let Action::Park(reason) = decide(w, &old, &p, now, "no order") else {
            panic!("expected park after the window");
        };
        assert_eq!(
            (reason.class.as_str(), reason.attempts),
            ("waiting_on_dependency", 9)
        );
        assert_eq!(reason.message, "no order");
    }

    #[test]
    fn a_retryable_failure_is_parked_on_the_last_receive() {
        let now = Utc::now();
        let p = BatchPolicy {
            max_receives: Some(5),
            ..BatchPolicy::default()
        };
        let recent = Some(now - chrono::Duration::minutes(1));
        let t = Disposition::TRANSIENT;
        assert!(matches!(
            decide(t, &ctx(4, recent), &p, now, "x"),
            Action::Retry { .. }
        ));
        let Action::Park(reason) = decide(t, &ctx(5, recent), &p, now, "odoo 503") else {
            panic!("expected park on the last receive");
        };
        assert_eq!(
            (reason.class.as_str(), reason.attempts, reason.message.as_str()),
            ("transient", 5, "odoo 503")
        );
    }

    #[test]
    fn a_dependency_wait_on_the_last_receive_is_sent_again_until_the_window_ends() {
        let now = Utc::now();
        let p = BatchPolicy {
            max_receives: Some(5),
            ..BatchPolicy::default()
        };
        let w = Disposition::WaitingOnDependency;
        let started = now - chrono::Duration::minutes(40);
        assert!(matches!(
            decide(w, &ctx(4, Some(started)), &p, now, "x"),
            Action::Retry { .. }
        ));
        assert_eq!(
            decide(w, &ctx(5, Some(started)), &p, now, "x"),
            Action::Requeue {
                delay: Duration::from_secs(480),
                waiting_since: started,
            }
        );
        // A copy sent again counts its wait from the first copy, not from its own receive.
        let copy = MessageContext {
            waiting_since: Some(now - chrono::Duration::hours(25)),
            ..ctx(1, Some(now - chrono::Duration::seconds(5)))
        };
        let Action::Park(reason) = decide(w, &copy, &p, now, "no order") else {
            panic!("expected park once the window since the first copy has passed");
        };
        assert_eq!(reason.first_failure, now - chrono::Duration::hours(25));
        let young_copy = MessageContext {
            waiting_since: Some(now - chrono::Duration::hours(2)),
            ..ctx(5, Some(now - chrono::Duration::seconds(5)))
        };
        assert!(matches!(
            decide(w, &young_copy, &p, now, "x"),
            Action::Requeue { waiting_since, .. } if waiting_since == now - chrono::Duration::hours(2)
        ));
    }

    #[test]
    fn permanent_parks_at_once_with_first_receive_as_first_failure() {
        let now = Utc::now();
        let first = now - chrono::Duration::minutes(3);
        let action = decide(
            Disposition::Permanent,
            &ctx(1, Some(first)),
            &BatchPolicy::default(),
            now,
            "bad",
        );
        let Action::Park(reason) = action else {
            panic!("expected park");
        };
        assert_eq!(
            (reason.class.as_str(), reason.first_failure),
            ("permanent", first)
        );
    }
}
