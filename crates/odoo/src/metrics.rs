//! Round-trip counting: every HTTP request the client sends (version, authenticate,
//! retries included) and how long it took, so a flow can report "N round trips".
//!
//! Two views: the client-wide counters ([`crate::OdooClient::metrics`]), and the
//! requests of one unit of work ([`counted`]), which stay exact while other units share
//! the client concurrently (the messages of one batch in flight at once).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

tokio::task_local! {
    static SCOPE: Arc<Recorder>;
}

/// Runs `work` and returns, beside its output, the round trips that `work` itself sent
/// through any [`crate::OdooClient`], counted apart from every other future using the
/// same clients at the same time. Requests of tasks that `work` spawns are not counted,
/// and a scope inside `work` takes its own requests out of this one's count.
pub async fn counted<F: Future>(work: F) -> (F::Output, RpcMetrics) {
    let recorder = Arc::new(Recorder::default());
    let output = SCOPE.scope(Arc::clone(&recorder), work).await;
    (output, recorder.snapshot())
}

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
    /// Counts one request here and in the scope of the running unit of work, if any.
    pub fn record(&self, method: &str, latency: Duration) {
        self.add(method, latency);
        let _ = SCOPE.try_with(|scope| scope.add(method, latency));
    }

    fn add(&self, method: &str, latency: Duration) {
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

    #[tokio::test]
    async fn each_scope_counts_its_own_requests_while_others_run_at_once() {
        let client = Arc::new(Recorder::default());
        let unit = |n: usize| {
            let client = Arc::clone(&client);
            counted(async move {
                for _ in 0..n {
                    client.record("sale.order.load", Duration::from_millis(1));
                    // Let the other units run in between, as concurrent messages do.
                    tokio::task::yield_now().await;
                }
            })
        };
        let (a, b, c) = tokio::join!(unit(2), unit(5), unit(3));
        assert_eq!([a.1.round_trips, b.1.round_trips, c.1.round_trips], [2, 5, 3]);
        assert_eq!(
            client.snapshot().round_trips,
            10,
            "the client still counts them all"
        );
        assert_eq!(b.1.by_method["sale.order.load"].round_trips, 5);
    }
}
