//! What the flows are told by their deployment: confirm orders or leave quotations,
//! which bank journal each payment source books on, validate deliveries or not, and the
//! product that carries shipping charges. Read from environment variables named in
//! [`env_names`] so template.yaml can be checked against them.

use std::collections::HashMap;

use spine_core::{IdError, Sku, SourceName};

/// The environment variable names the sync functions read (template.yaml sets them).
pub mod env_names {
    /// `true` (default) confirms orders after the upsert; `false` leaves quotations.
    pub const CONFIRM_ORDERS: &str = "SPINE_CONFIRM_ORDERS";
    /// Bank journal per payment source: `stripe=7,midtrans=8` (account.journal ids).
    pub const BANK_JOURNALS: &str = "SPINE_BANK_JOURNALS";
    /// The bank journal id for sources not named in [`BANK_JOURNALS`].
    pub const DEFAULT_BANK_JOURNAL: &str = "SPINE_DEFAULT_BANK_JOURNAL";
    /// `true` validates the delivery once the parcel is in transit; default `false`.
    pub const VALIDATE_DELIVERIES: &str = "SPINE_VALIDATE_DELIVERIES";
    /// The `default_code` of the service product shipping charges are booked on; when
    /// unset, shipping charges are not written as a line.
    pub const SHIPPING_SKU: &str = "SPINE_SHIPPING_SKU";
    /// Every name above, for template checks.
    pub const ALL: [&str; 5] = [
        CONFIRM_ORDERS,
        BANK_JOURNALS,
        DEFAULT_BANK_JOURNAL,
        VALIDATE_DELIVERIES,
        SHIPPING_SKU,
    ];
}

/// Why the sync configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {value:?} is not true or false")]
    NotBool { name: &'static str, value: String },
    #[error("{name}: {value:?} is not a journal id")]
    NotJournal { name: &'static str, value: String },
    #[error("{name}: {entry:?} is not source=journal_id")]
    BadEntry { name: &'static str, entry: String },
    #[error("{name}: invalid value")]
    Invalid {
        name: &'static str,
        #[source]
        source: IdError,
    },
}

/// The flows' settings. `Default`: confirm orders, no journals, no validation, no
/// shipping product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    /// Confirm orders after the upsert (otherwise they stay quotations).
    pub confirm_orders: bool,
    /// The bank journal (account.journal id) each payment source books on.
    pub bank_journals: HashMap<SourceName, i64>,
    /// The bank journal for any other source.
    pub default_bank_journal: Option<i64>,
    /// Validate the delivery (`button_validate`) once the parcel is in transit.
    pub validate_deliveries: bool,
    /// The service product shipping charges go on, by `default_code`.
    pub shipping_sku: Option<Sku>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            confirm_orders: true,
            bank_journals: HashMap::new(),
            default_bank_journal: None,
            validate_deliveries: false,
            shipping_sku: None,
        }
    }
}

impl SyncConfig {
    /// Reads [`env_names`] through `var` (for tests) or the process environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        use env_names::*;
        let mut config = Self::default();
        if let Some(v) = var(CONFIRM_ORDERS) {
            config.confirm_orders = parse_bool(CONFIRM_ORDERS, &v)?;
        }
        if let Some(v) = var(VALIDATE_DELIVERIES) {
            config.validate_deliveries = parse_bool(VALIDATE_DELIVERIES, &v)?;
        }
        if let Some(v) = var(DEFAULT_BANK_JOURNAL).filter(|v| !v.trim().is_empty()) {
            config.default_bank_journal = Some(parse_journal(DEFAULT_BANK_JOURNAL, &v)?);
        }
        if let Some(v) = var(BANK_JOURNALS) {
            config.bank_journals = parse_journals(&v)?;
        }
        if let Some(v) = var(SHIPPING_SKU).filter(|v| !v.trim().is_empty()) {
            let sku = Sku::parse(v.trim()).map_err(|source| ConfigError::Invalid {
                name: SHIPPING_SKU,
                source,
            })?;
            config.shipping_sku = Some(sku);
        }
        Ok(config)
    }

    /// Reads [`env_names`] from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The bank journal for payments from `source`, when one is configured.
    pub fn bank_journal(&self, source: &SourceName) -> Option<i64> {
        self.bank_journals
            .get(source)
            .copied()
            .or(self.default_bank_journal)
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::NotBool {
            name,
            value: value.to_owned(),
        }),
    }
}

fn parse_journal(name: &'static str, value: &str) -> Result<i64, ConfigError> {
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ConfigError::NotJournal {
            name,
            value: value.to_owned(),
        }),
    }
}

fn parse_journals(value: &str) -> Result<HashMap<SourceName, i64>, ConfigError> {
    let name = env_names::BANK_JOURNALS;
    let mut journals = HashMap::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((source, id)) = entry.split_once('=') else {
            return Err(ConfigError::BadEntry {
                name,
                entry: entry.to_owned(),
            });
        };
        let source =
            SourceName::parse(source.trim()).map_err(|source| ConfigError::Invalid { name, source })?;
        journals.insert(source, parse_journal(name, id)?);
    }
    Ok(journals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_every_setting_and_falls_back_to_the_default_journal() {
        let config = SyncConfig::from_lookup(lookup(&[
            (env_names::CONFIRM_ORDERS, "false"),
            (env_names::BANK_JOURNALS, "stripe=7, midtrans=8"),
            (env_names::DEFAULT_BANK_JOURNAL, "3"),
            (env_names::VALIDATE_DELIVERIES, "yes"),
            (env_names::SHIPPING_SKU, "SHIP"),
        ]))
        .unwrap();
        assert!(!config.confirm_orders);
        assert!(config.validate_deliveries);
        assert_eq!(config.shipping_sku.as_ref().map(Sku::as_str), Some("SHIP"));
        let stripe = SourceName::parse("stripe").unwrap();
        let xendit = SourceName::parse("xendit").unwrap();
        assert_eq!(config.bank_journal(&stripe), Some(7));
        assert_eq!(config.bank_journal(&xendit), Some(3));
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        assert_eq!(
            SyncConfig::from_lookup(lookup(&[])).unwrap(),
            SyncConfig::default()
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = SyncConfig::from_lookup(lookup(&[(env_names::BANK_JOURNALS, "stripe:7")])).unwrap_err();
        assert!(err.to_string().starts_with("SPINE_BANK_JOURNALS"), "{err}");
        let err = SyncConfig::from_lookup(lookup(&[(env_names::CONFIRM_ORDERS, "maybe")])).unwrap_err();
        assert!(matches!(err, ConfigError::NotBool { .. }));
        let err = SyncConfig::from_lookup(lookup(&[(env_names::DEFAULT_BANK_JOURNAL, "-1")])).unwrap_err();
        assert!(matches!(err, ConfigError::NotJournal { .. }));
    }
}
