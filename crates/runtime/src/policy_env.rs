//! The deployment's knobs of a [`BatchPolicy`]: how long a message waiting on a
//! dependency (a payment before its order) waits between tries, and the queue's
//! maxReceiveCount, read from environment variables template.yaml sets.

use std::time::Duration;

use crate::BatchPolicy;

/// The environment variables [`BatchPolicy::from_lookup`] reads.
pub mod env_names {
    /// Seconds before the first retry of an event waiting on a dependency (doubles per
    /// receive). Default 30.
    pub const DEPENDENCY_RETRY_SECONDS: &str = "SPINE_DEPENDENCY_RETRY_SECONDS";
    /// Longest wait between two tries of an event waiting on a dependency. Default 3600.
    pub const DEPENDENCY_RETRY_MAX_SECONDS: &str = "SPINE_DEPENDENCY_RETRY_MAX_SECONDS";
    /// The function's queue's maxReceiveCount (must equal its redrive policy's). Unset:
    /// SQS moves a message that keeps failing without the function parking it first.
    pub const MAX_RECEIVES: &str = "SPINE_MAX_RECEIVES";
    /// Every name above, for template checks.
    pub const ALL: [&str; 3] = [
        DEPENDENCY_RETRY_SECONDS,
        DEPENDENCY_RETRY_MAX_SECONDS,
        MAX_RECEIVES,
    ];
}

/// Why a batch policy setting cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyConfigError {
    #[error("{name}: {value:?} is not a whole number of at least 1")]
    NotPositive { name: &'static str, value: String },
    #[error(
        "{max_name} ({max}s) is shorter than {base_name} ({base}s): the longest wait cannot be below the first"
    )]
    MaxBelowBase {
        base_name: &'static str,
        base: u64,
        max_name: &'static str,
        max: u64,
    },
}

fn positive(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<u64>, PolicyConfigError> {
    let Some(value) = var(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(PolicyConfigError::NotPositive { name, value }),
    }
}

impl BatchPolicy {
    /// [`BatchPolicy::default`] with the settings of [`env_names`] read through `var`
    /// (the process environment in the functions); an unset or empty variable keeps the
    /// default.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, PolicyConfigError> {
        use env_names::*;
        let mut policy = Self::default();
        if let Some(base) = positive(&var, DEPENDENCY_RETRY_SECONDS)? {
            policy.dependency_base = Duration::from_secs(base);
        }
        if let Some(max) = positive(&var, DEPENDENCY_RETRY_MAX_SECONDS)? {
            policy.dependency_max = Duration::from_secs(max);
        }
        if policy.dependency_max < policy.dependency_base {
            return Err(PolicyConfigError::MaxBelowBase {
                base_name: DEPENDENCY_RETRY_SECONDS,
                base: policy.dependency_base.as_secs(),
                max_name: DEPENDENCY_RETRY_MAX_SECONDS,
                max: policy.dependency_max.as_secs(),
            });
        }
        if let Some(max) = positive(&var, MAX_RECEIVES)? {
            policy.max_receives = Some(u32::try_from(max).unwrap_or(u32::MAX));
        }
        Ok(policy)
    }

    /// [`BatchPolicy::from_lookup`] on the process environment.
    pub fn from_env() -> Result<Self, PolicyConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn unset_keeps_the_defaults() {
        let p = BatchPolicy::from_lookup(lookup(&[])).expect("defaults");
        let d = BatchPolicy::default();
        assert_eq!(
            (p.dependency_base, p.dependency_max, p.max_receives),
            (d.dependency_base, d.dependency_max, None)
        );
    }

    #[test]
    fn settings_are_read() {
        let p = BatchPolicy::from_lookup(lookup(&[
            (env_names::DEPENDENCY_RETRY_SECONDS, "2"),
            (env_names::DEPENDENCY_RETRY_MAX_SECONDS, " 10 "),
            (env_names::MAX_RECEIVES, "5"),
        ]))
        .expect("valid");
        assert_eq!(p.dependency_base, Duration::from_secs(2));
        assert_eq!(p.dependency_max, Duration::from_secs(10));
        assert_eq!(p.max_receives, Some(5));
    }

    #[test]
    fn bad_values_are_named() {
        for bad in ["0", "-3", "soon", "1.5"] {
            let err = BatchPolicy::from_lookup(lookup(&[(env_names::MAX_RECEIVES, bad)])).unwrap_err();
            assert_eq!(
                err,
                PolicyConfigError::NotPositive {
                    name: env_names::MAX_RECEIVES,
                    value: bad.into()
                }
            );
        }
        let err =
            BatchPolicy::from_lookup(lookup(&[(env_names::DEPENDENCY_RETRY_MAX_SECONDS, "10")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("shorter than SPINE_DEPENDENCY_RETRY_SECONDS (30s)"),
            "{err}"
        );
    }
}
