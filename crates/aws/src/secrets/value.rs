//! The parsed form of a secret: named fields held as secret strings, per version.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use secrecy::SecretString;

use super::SecretsError;

/// The named fields of one secret version. Values are [`SecretString`]s; `Debug` shows
/// the field names only.
#[derive(Clone, Default)]
pub struct SecretFields {
    secret_id: String,
    fields: BTreeMap<String, SecretString>,
}

impl std::fmt::Debug for SecretFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretFields")
            .field("secret_id", &self.secret_id)
            .field("names", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretFields {
    /// Parses a secret string: a JSON object whose values are strings, numbers or
    /// booleans (kept as their text). Nested values are refused with the field's name.
    pub fn parse(secret_id: &str, text: &str) -> Result<Self, SecretsError> {
        let not_json = |source| SecretsError::NotJson {
            secret_id: secret_id.to_owned(),
            source,
        };
        // Parse to `Value` first: serde_json's syntax errors carry positions only, while
        // typed deserialization errors may quote the offending value.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| not_json(Some(e)))?;
        let serde_json::Value::Object(map) = value else {
            return Err(not_json(None));
        };
        let mut fields = BTreeMap::new();
        for (name, value) in map {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(SecretsError::WrongType {
                        secret_id: secret_id.to_owned(),
                        field: name,
                    });
                }
            };
            fields.insert(name, SecretString::from(text));
        }
        Ok(Self {
            secret_id: secret_id.to_owned(),
            fields,
        })
    }

    /// The secret id these fields came from.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The field, if present (an empty string counts as present).
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.fields.get(name)
    }

    /// The field, or [`SecretsError::MissingField`] naming it when absent or empty.
    pub fn require(&self, name: &str) -> Result<&SecretString, SecretsError> {
        use secrecy::ExposeSecret;
        match self.fields.get(name) {
            Some(value) if !value.expose_secret().is_empty() => Ok(value),
            _ => Err(SecretsError::MissingField {
                secret_id: self.secret_id.clone(),
                field: name.to_owned(),
            }),
        }
    }

    /// The field names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }
}

/// One version of a secret.
#[derive(Clone, Debug)]
pub struct SecretVersion {
    /// Secrets Manager's version id.
    pub version_id: String,
    /// When the version was created: for `AWSCURRENT`, the moment of the last rotation.
    pub created_at: Option<DateTime<Utc>>,
    /// The parsed fields.
    pub fields: SecretFields,
}

/// What the cache holds for one secret id: the current version, the previous one when
/// Secrets Manager still has it, and when they were read.
#[derive(Clone, Debug)]
pub struct SecretSnapshot {
    /// The `AWSCURRENT` version.
    pub current: SecretVersion,
    /// The `AWSPREVIOUS` version, absent before the first rotation.
    pub previous: Option<SecretVersion>,
    /// When this snapshot was fetched (monotonic clock).
    pub fetched_at: Instant,
}

/// A source's webhook signing secrets, shaped for verification during a rotation: try
/// the current value first, then the previous one while the grace period lasts.
#[derive(Clone, Debug)]
pub struct WebhookSecrets {
    snapshot: SecretSnapshot,
}

impl WebhookSecrets {
    /// Wraps a snapshot. Fails with `MissingField` when the current version lacks `name`,
    /// so a misconfigured secret is caught before the first request is verified.
    pub fn new(snapshot: SecretSnapshot, name: &str) -> Result<Self, SecretsError> {
        snapshot.current.fields.require(name)?;
        Ok(Self { snapshot })
    }

    /// The current value of the named secret.
    pub fn current(&self, name: &str) -> Result<&SecretString, SecretsError> {
        self.snapshot.current.fields.require(name)
    }

    /// The values a signature may be checked against at `now`: the current value, then
    /// the previous version's value when the current version was created less than
    /// `grace` ago (a rotation the senders may not have picked up yet). A current version
    /// without a creation date never admits the previous one: no date, no grace.
    pub fn candidates(&self, name: &str, now: DateTime<Utc>, grace: ChronoDuration) -> Vec<&SecretString> {
        let mut out: Vec<&SecretString> = self.snapshot.current.fields.get(name).into_iter().collect();
        let in_grace = self
            .snapshot
            .current
            .created_at
            .is_some_and(|rotated| now.signed_duration_since(rotated) < grace);
        if in_grace && let Some(previous) = &self.snapshot.previous {
            out.extend(previous.fields.get(name));
        }
        out
    }

    /// The snapshot behind these secrets (version ids and dates).
    pub fn snapshot(&self) -> &SecretSnapshot {
        &self.snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn version(id: &str, text: &str, created: Option<DateTime<Utc>>) -> SecretVersion {
        SecretVersion {
            version_id: id.into(),
            created_at: created,
            fields: SecretFields::parse("s", text).expect("valid test secret"),
        }
    }

    #[test]
    fn debug_shows_names_never_values() {
        let fields = SecretFields::parse("s", r#"{"hmac_secret":"hunter2","n":5}"#).expect("valid");
        let shown = format!("{fields:?}");
        assert!(shown.contains("hmac_secret") && !shown.contains("hunter2"));
        assert_eq!(
            fields.require("n").map(|v| v.expose_secret().to_owned()).ok(),
            Some("5".into())
        );
    }

    #[test]
    fn nested_values_and_non_objects_are_refused_without_the_value() {
        let nested = SecretFields::parse("s", r#"{"a":{"b":"topsecret"}}"#).unwrap_err();
        assert!(matches!(&nested, SecretsError::WrongType { field, .. } if field == "a"));
        assert!(!format!("{nested:?}").contains("topsecret"));
        assert!(matches!(
            SecretFields::parse("s", "[1]"),
            Err(SecretsError::NotJson { .. })
        ));
        assert!(matches!(
            SecretFields::parse("s", "nope"),
            Err(SecretsError::NotJson { .. })
        ));
    }

    #[test]
    fn previous_is_a_candidate_only_within_grace() {
        let rotated = Utc::now();
        let snap = SecretSnapshot {
            current: version("v2", r#"{"k":"new"}"#, Some(rotated)),
            previous: Some(version("v1", r#"{"k":"old"}"#, None)),
            fetched_at: Instant::now(),
        };
        let hooks = WebhookSecrets::new(snap, "k").expect("has k");
        let grace = ChronoDuration::minutes(10);
        let within: Vec<_> = hooks.candidates("k", rotated + ChronoDuration::minutes(5), grace);
        let values: Vec<_> = within.iter().map(|s| s.expose_secret()).collect();
        assert_eq!(values, ["new", "old"]);
        let after = hooks.candidates("k", rotated + ChronoDuration::minutes(11), grace);
        assert_eq!(after.len(), 1);
        assert!(matches!(
            hooks.current("other"),
            Err(SecretsError::MissingField { .. })
        ));
    }
}
