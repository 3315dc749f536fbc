//! Fault injection: decides, per request and from a seeded RNG, what goes wrong.

use std::time::{Duration, Instant};

use crate::config::Faults;

/// What to do with a request before it reaches the protocol layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Serve it; `drop_after_commit` says whether a committed write loses its answer.
    Serve {
        /// Close the connection instead of answering if the call commits a write.
        drop_after_commit: bool,
        /// Hang this long before serving.
        hang: Option<Duration>,
    },
    /// Answer 503 Service Unavailable.
    Unavailable,
    /// Answer 429 Too Many Requests with `Retry-After: 1`.
    TooMany,
}

/// Fault settings plus the RNG and token bucket state they draw on.
#[derive(Debug)]
pub struct FaultState {
    faults: Faults,
    rng: fastrand::Rng,
    tokens: f64,
    refilled: Instant,
}

impl FaultState {
    /// Starts with a full token bucket and an RNG seeded from `faults.seed`.
    pub fn new(faults: Faults) -> Self {
        let rng = fastrand::Rng::with_seed(faults.seed);
        let tokens = faults.max_calls_per_sec.map_or(0.0, f64::from);
        Self {
            faults,
            rng,
            tokens,
            refilled: Instant::now(),
        }
    }

    /// The settings in force.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the settings; the RNG is reseeded so a test's run repeats.
    pub fn set(&mut self, faults: Faults) {
        *self = Self::new(faults);
    }

    /// Draws the fate of one request. Every rate is drawn each time (even when an earlier
    /// one already decided) so the sequence of fates does not depend on the rates.
    pub fn decide(&mut self) -> Gate {
        let draws: [f64; 4] = std::array::from_fn(|_| self.rng.f64());
        if !self.take_token() {
            return Gate::TooMany;
        }
        if draws[0] < self.faults.rate_503 {
            return Gate::Unavailable;
        }
        if draws[1] < self.faults.rate_429 {
            return Gate::TooMany;
        }
        let hang = (draws[2] < self.faults.rate_timeout).then_some(self.faults.hang_for);
        Gate::Serve {
            drop_after_commit: draws[3] < self.faults.rate_drop_after_commit,
            hang,
        }
    }

    /// Continuous-refill token bucket holding at most one second of calls.
    fn take_token(&mut self) -> bool {
        let Some(rate) = self.faults.max_calls_per_sec else {
            return true;
        };
        let rate = f64::from(rate);
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_fates() {
        let faults = Faults {
            rate_503: 0.3,
            rate_429: 0.3,
            seed: 7,
            ..Faults::default()
        };
        let mut a = FaultState::new(faults.clone());
        let mut b = FaultState::new(faults);
        let fa: Vec<Gate> = (0..50).map(|_| a.decide()).collect();
        let fb: Vec<Gate> = (0..50).map(|_| b.decide()).collect();
        assert_eq!(fa, fb);
        assert!(fa.contains(&Gate::Unavailable));
        assert!(fa.contains(&Gate::TooMany));
    }

    #[test]
    fn bucket_refuses_beyond_capacity() {
        let mut s = FaultState::new(Faults {
            max_calls_per_sec: Some(3),
            ..Faults::default()
        });
        let served = (0..10)
            .filter(|_| matches!(s.decide(), Gate::Serve { .. }))
            .count();
        // A few refills may happen while looping, never a whole second's worth.
        assert!((3..=4).contains(&served), "served {served}");
    }

    #[test]
    fn no_faults_always_serves() {
        let mut s = FaultState::new(Faults::default());
        for _ in 0..100 {
            assert_eq!(
                s.decide(),
                Gate::Serve {
                    drop_after_commit: false,
                    hang: None
                }
            );
        }
    }
}
