//! A per-instance circuit breaker for Odoo overload (429, 503): after a few overload
//! answers in a row, events fail fast for a while instead of adding to the load, and the
//! queue brings them back later. Only overload opens it; business errors never do.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Overload answers in a row that open the breaker.
const THRESHOLD: u32 = 3;
/// How long it stays open when Odoo gave no Retry-After.
const DEFAULT_OPEN: Duration = Duration::from_secs(2);
/// The longest it stays open whatever Odoo asked.
const MAX_OPEN: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct State {
    overloads_in_a_row: u32,
    open_until: Option<Instant>,
}

/// The breaker. Cheap to check; shared by every event of the instance.
#[derive(Debug, Default)]
pub(crate) struct Breaker {
    state: Mutex<State>,
}

impl Breaker {
    /// How long events must still wait, when the breaker is open.
    pub(crate) fn open_for(&self) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let until = state.open_until?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Records an event that ended in an overload answer (with Odoo's hint).
    pub(crate) fn overloaded(&self, retry_after: Option<Duration>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.overloads_in_a_row += 1;
        if state.overloads_in_a_row >= THRESHOLD {
            let open = retry_after.unwrap_or(DEFAULT_OPEN).min(MAX_OPEN);
            state.open_until = Some(Instant::now() + open);
            tracing::warn!(
                open_ms = u64::try_from(open.as_millis()).unwrap_or(u64::MAX),
                "odoo overloaded: circuit open"
            );
        }
    }

    /// Records an event that reached Odoo without an overload answer.
    pub(crate) fn healthy(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.overloads_in_a_row = 0;
        state.open_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_overloads_in_a_row_and_closes_on_success() {
        let breaker = Breaker::default();
        breaker.overloaded(Some(Duration::from_secs(5)));
        breaker.overloaded(None);
        assert_eq!(breaker.open_for(), None, "two are not enough");
        breaker.overloaded(Some(Duration::from_secs(5)));
        let open = breaker.open_for().expect("open");
        assert!(
            open > Duration::from_secs(4) && open <= Duration::from_secs(5),
            "{open:?}"
        );
        breaker.healthy();
        assert_eq!(breaker.open_for(), None);
    }

    #[test]
    fn a_huge_hint_is_capped() {
        let breaker = Breaker::default();
        for _ in 0..THRESHOLD {
            breaker.overloaded(Some(Duration::from_secs(3600)));
        }
        assert!(breaker.open_for().is_some_and(|d| d <= MAX_OPEN));
    }
}
