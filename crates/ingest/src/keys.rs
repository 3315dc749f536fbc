//! The secrets a source signs with: the current one, and during a rotation's grace period
//! the previous one, so deliveries signed just before a rotation still verify.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

/// The grace period of the previous secret when none is configured.
pub const DEFAULT_GRACE: Duration = Duration::hours(24);

/// The keys a delivery may be signed with. Held as secret strings: never printed.
#[derive(Clone)]
pub struct SigningKeys {
    current: SecretString,
    previous: Option<SecretString>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Only the current secret.
    pub fn current(secret: SecretString) -> Self {
        Self {
            current: secret,
            previous: None,
        }
    }

    /// The current secret and, when given, the previous one, whose grace period the
    /// caller has already checked.
    pub fn accepting(current: SecretString, previous: Option<SecretString>) -> Self {
        Self { current, previous }
    }

    /// The current secret, plus the previous one when the current one became current
    /// less than `grace` before `now` (after that the old secret is refused).
    pub fn with_previous(
        current: SecretString,
        previous: Option<SecretString>,
        current_since: DateTime<Utc>,
        grace: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        let in_grace = now < current_since + grace;
        Self {
            current,
            previous: previous.filter(|_| in_grace),
        }
    }

    /// True when the previous secret is still accepted.
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The accepted secrets as bytes, current first.
    pub(crate) fn candidates(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(|s| s.expose_secret().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_secret_lapses_after_the_grace_period() {
        let since: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
        let keys = |now: &str| {
            SigningKeys::with_previous(
                "new".into(),
                Some("old".into()),
                since,
                Duration::hours(1),
                now.parse().unwrap(),
            )
        };
        let within = keys("2026-11-20T10:59:59Z");
        assert_eq!(
            within.candidates().collect::<Vec<_>>(),
            [b"new".as_slice(), b"old"]
        );
        let after = keys("2026-11-20T11:00:00Z");
        assert_eq!(after.candidates().count(), 1);
        assert!(!format!("{within:?}").contains("old"));
    }
}
