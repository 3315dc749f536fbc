//! Round-trip counting: every HTTP request the client sends (version, authenticate,
//! retries included) and how long it took, so a flow can report "N round trips".

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Round trips and latency of one method (`model.method`, or `common.authenticate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MethodMetrics {
    /// HTTP requests sent.
    pub round_trips: u64,
    /// Their summed wall time, answer read included.
    pub total_latency: Duration,
}

/// A snapshot of the client's counters. Take one before a unit of work and use
/// [`RpcMetrics::since`] after it to get that work's share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RpcMetrics {
    /// HTTP requests sent, whatever their outcome.
    pub round_trips: u64,
    /// Their summed wall time.
    pub total_latency: Duration,
    /// The same, per `model.method`.
    pub by_method: BTreeMap<String, MethodMetrics>,
}

impl RpcMetrics {
    /// What happened between `earlier` (a previous snapshot of the same client) and
    /// this snapshot. Counters never go backwards, so the difference saturates at zero
    /// only if the client was reset in between.
    pub fn since(&self, earlier: &RpcMetrics) -> RpcMetrics {
        let by_method = self
            .by_method
            .iter()
            .filter_map(|(name, now)| {
                let before = earlier.by_method.get(name).copied().unwrap_or_default();
                let diff = MethodMetrics {
                    round_trips: now.round_trips.saturating_sub(before.round_trips),
                    total_latency: now.total_latency.saturating_sub(before.total_latency),
                };
                (diff.round_trips > 0).then(|| (name.clone(), diff))
            })
            .collect();
        RpcMetrics {
            round_trips: self.round_trips.saturating_sub(earlier.round_trips),
            total_latency: self.total_latency.saturating_sub(earlier.total_latency),
            by_method,
        }
    }
}

/// The live counters behind a client (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    inner: Mutex<RpcMetrics>,
}

impl Recorder {
    pub fn record(&self, method: &str, latency: Duration) {
        let mut m = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        m.round_trips += 1;
        m.total_latency += latency;
        let entry = m.by_method.entry(method.to_owned()).or_default();
        entry.round_trips += 1;
        entry.total_latency += latency;
    }

    pub fn snapshot(&self) -> RpcMetrics {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn reset(&self) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = RpcMetrics::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_gives_the_work_in_between() {
        let rec = Recorder::default();
        rec.record("res.partner.search_read", Duration::from_millis(5));
        let before = rec.snapshot();
        rec.record("res.partner.search_read", Duration::from_millis(7));
        rec.record("sale.order.load", Duration::from_millis(11));
        let diff = rec.snapshot().since(&before);
        assert_eq!(diff.round_trips, 2);
        assert_eq!(diff.total_latency, Duration::from_millis(18));
        assert_eq!(diff.by_method.len(), 2);
        assert_eq!(diff.by_method["res.partner.search_read"].round_trips, 1);
        rec.reset();
        assert_eq!(rec.snapshot(), RpcMetrics::default());
    }
}
