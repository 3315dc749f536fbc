//! Identifiers that must be valid by construction: source names, source event ids, event
//! keys, business keys, Odoo external ids, SKUs and correlation ids.
//!
//! Each has a `parse` (or a deriving constructor) that rejects what would later break a
//! DynamoDB key, an SQS attribute or an Odoo `ir.model.data` name, with an error that says
//! which rule was broken.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Why a value is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} contains a character that is not allowed: {found:?} (allowed: {allowed})")]
    BadChar {
        what: &'static str,
        found: char,
        allowed: &'static str,
    },
    #[error("unknown flow {0:?} (expected order, payment, refund or shipment)")]
    UnknownFlow(String),
}

fn check(value: &str, what: &'static str, max: usize) -> Result<(), IdError> {
    if value.trim().is_empty() {
        return Err(IdError::Empty { what });
    }
    if value.chars().count() > max {
        return Err(IdError::TooLong { what, max });
    }
    if let Some(found) = value.chars().find(|c| c.is_control()) {
        return Err(IdError::BadChar {
            what,
            found,
            allowed: "printable characters",
        });
    }
    Ok(())
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
        )]
        #[serde(try_from = "String", into = "String")]
        #[schemars(with = "String")]
        pub struct $name(String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(&value)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }
    };
}

string_newtype!(
    /// A configured source system, e.g. `shopify`, `stripe` or an in-house `erp-eu`:
    /// 1 to 32 characters of `a-z`, `0-9`, `-` and `_`.
    SourceName
);

impl SourceName {
    /// Accepts lowercase ASCII letters, digits, `-` and `_`, 1 to 32 characters.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        const WHAT: &str = "source name";
        check(value, WHAT, 32)?;
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if let Some(found) = value.chars().find(|c| !allowed(*c)) {
            return Err(IdError::BadChar {
                what: WHAT,
                found,
                allowed: "a-z, 0-9, '-' and '_'",
            });
        }
        Ok(Self(value.to_owned()))
    }
}

string_newtype!(
    /// The id the source system gave an event (a webhook id, a delivery id, an event id).
    SourceEventId
);

impl SourceEventId {
    /// Any printable text of 1 to 256 characters.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check(value, "source event id", 256)?;
        Ok(Self(value.to_owned()))
    }
}

string_newtype!(
    /// A stock keeping unit as Odoo holds it in `product.product.default_code`.
    Sku
);

impl Sku {
    /// Printable text of 1 to 64 characters; surrounding white space is not allowed
    /// because Odoo would not match it.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check(value, "SKU", 64)?;
        if value.trim() != value {
            return Err(IdError::BadChar {
                what: "SKU",
                found: ' ',
                allowed: "no leading or trailing white space",
            });
        }
        Ok(Self(value.to_owned()))
    }
}

string_newtype!(
    /// Ties together everything that happened because of one incoming request.
    CorrelationId
);

impl CorrelationId {
    /// Printable text of 1 to 128 characters (e.g. an `X-Amzn-Trace-Id` value).
    pub fn parse(value: &str) -> Result<Self, IdError> {
        check(value, "correlation id", 128)?;
        Ok(Self(value.to_owned()))
    }

    /// A fresh random correlation id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

string_newtype!(
    /// The spine's own key for one accepted event, derived from the source and the
    /// source's event id, so the same delivery always maps to the same key.
    EventKey
);

impl EventKey {
    /// `{source}-{24 hex digits of SHA-256(source, event id)}`.
    pub fn derive(source: &SourceName, event_id: &SourceEventId) -> Self {
        let digest = short_hash(&[source.as_str(), event_id.as_str()], 12);
        Self(format!("{source}-{digest}"))
    }

    /// Accepts a key as printed by [`EventKey::derive`] (operators type these).
    pub fn parse(value: &str) -> Result<Self, IdError> {
        const WHAT: &str = "event key";
        check(value, WHAT, 64)?;
        let (source, digest) = value.rsplit_once('-').ok_or(IdError::BadChar {
            what: WHAT,
            found: value.chars().next().unwrap_or(' '),
            allowed: "the form SOURCE-HEX",
        })?;
        SourceName::parse(source)?;
        if digest.len() != 24 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(IdError::BadChar {
                what: WHAT,
                found: digest.chars().find(|c| !c.is_ascii_hexdigit()).unwrap_or('-'),
                allowed: "24 hex digits after the source",
            });
        }
        Ok(Self(value.to_owned()))
    }
}

/// The four flows a canonical event can belong to; each has its own queue and worker.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Order,
    Payment,
    Refund,
    Shipment,
}

impl Flow {
    /// Every flow, in a stable order.
    pub const ALL: [Flow; 4] = [Flow::Order, Flow::Payment, Flow::Refund, Flow::Shipment];

    /// The flow's name as used in keys, queue names and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Order => "order",
            Flow::Payment => "payment",
            Flow::Refund => "refund",
            Flow::Shipment => "shipment",
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flow {
    type Err = IdError;
    fn from_str(value: &str) -> Result<Self, IdError> {
        Flow::ALL
            .into_iter()
            .find(|flow| flow.as_str() == value)
            .ok_or_else(|| IdError::UnknownFlow(value.to_owned()))
    }
}

/// The business identity a worker keys its idempotency on: flow, source, the source's id
/// of the business object, and its revision. Never an SQS message id: a redriven message
/// gets a new one, while its business identity stays the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BusinessKey {
    pub flow: Flow,
    pub source: SourceName,
    /// The source's id of the order, payment, refund or shipment.
    pub entity_id: SourceEventId,
    /// The source's revision of that object (0 when it has none).
    pub revision: u64,
}

impl BusinessKey {
    /// The key as one string, e.g. `order:shopify:1001:r3`.
    pub fn render(&self) -> String {
        format!(
            "{}:{}:{}:r{}",
            self.flow, self.source, self.entity_id, self.revision
        )
    }
}

impl fmt::Display for BusinessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

string_newtype!(
    /// An Odoo external id (`ir.model.data`) in the spine's module, e.g.
    /// `spine.shopify_order_1001`. Built from parts so that the same business object
    /// always gets the same id, and different objects never share one.
    ExternalId
);

/// The `ir.model.data` module every record the spine creates is registered under.
pub const EXTERNAL_ID_MODULE: &str = "spine";

impl ExternalId {
    /// Joins `parts` with `_` under the `spine` module. A part made only of `a-z`, `0-9`
    /// and `_` is kept as it is; any other part is lowercased, its other characters
    /// replaced by `_`, and a short hash of the original appended, so that `A-1` and
    /// `a_1` stay distinct.
    pub fn from_parts(parts: &[&str]) -> Self {
        let name: Vec<String> = parts.iter().map(|part| sanitize_part(part)).collect();
        Self(format!("{EXTERNAL_ID_MODULE}.{}", name.join("_")))
    }

    /// Accepts `module.name` with a non-empty module and name.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        const WHAT: &str = "external id";
        check(value, WHAT, 255)?;
        match value.split_once('.') {
            Some((module, name)) if !module.is_empty() && !name.is_empty() => Ok(Self(value.to_owned())),
            _ => Err(IdError::BadChar {
                what: WHAT,
                found: '.',
                allowed: "the form module.name",
            }),
        }
    }

    /// The part before the first dot.
    pub fn module(&self) -> &str {
        self.0.split_once('.').map_or("", |(module, _)| module)
    }

    /// The part after the first dot.
    pub fn name(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, name)| name)
    }
}

fn sanitize_part(part: &str) -> String {
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if !part.is_empty() && part.len() <= 64 && part.chars().all(plain) {
        return part.to_owned();
    }
    let cleaned: String = part
        .chars()
        .take(48)
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if plain(c) { c } else { '_' }
        })
        .collect();
    format!("{cleaned}_{}", short_hash(&[part], 4))
}

/// Hex of the first `bytes` bytes of SHA-256 over the NUL-separated `parts`.
fn short_hash(parts: &[&str], bytes: usize) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..bytes])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_are_lowercase_slugs() {
        assert!(SourceName::parse("shopify").is_ok());
        assert!(SourceName::parse("erp-eu_2").is_ok());
        assert_eq!(SourceName::parse(""), Err(IdError::Empty { what: "source name" }));
        assert!(matches!(
            SourceName::parse("Shopify"),
            Err(IdError::BadChar { found: 'S', .. })
        ));
        assert!(matches!(
            SourceName::parse(&"a".repeat(33)),
            Err(IdError::TooLong { .. })
        ));
    }

    #[test]
    fn event_keys_are_stable_and_parse_back() {
        let source = SourceName::parse("shopify").unwrap();
        let id = SourceEventId::parse("b1c2-d3").unwrap();
        let key = EventKey::derive(&source, &id);
        assert_eq!(key, EventKey::derive(&source, &id));
        assert!(key.as_str().starts_with("shopify-"));
        assert_eq!(EventKey::parse(key.as_str()), Ok(key.clone()));
        let other = EventKey::derive(&source, &SourceEventId::parse("b1c2-d4").unwrap());
        assert_ne!(key, other);
        assert!(EventKey::parse("shopify-xyz").is_err());
    }

    #[test]
    fn external_ids_keep_plain_parts_and_separate_lossy_ones() {
        let plain = ExternalId::from_parts(&["shopify", "order", "1001"]);
        assert_eq!(plain.as_str(), "spine.shopify_order_1001");
        assert_eq!(plain.module(), "spine");
        assert_eq!(plain.name(), "shopify_order_1001");
        let dashed = ExternalId::from_parts(&["sku", "A-1"]);
        let underscored = ExternalId::from_parts(&["sku", "a_1"]);
        assert_ne!(dashed, underscored);
        assert!(
            dashed
                .name()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }

    #[test]
    fn control_characters_are_rejected_everywhere() {
        assert!(SourceEventId::parse("a\nb").is_err());
        assert!(Sku::parse("AB\t1").is_err());
        assert!(Sku::parse(" AB1").is_err());
        assert!(CorrelationId::parse("x\u{0}").is_err());
    }

    #[test]
    fn flows_round_trip_through_text() {
        for flow in Flow::ALL {
            assert_eq!(flow.as_str().parse::<Flow>(), Ok(flow));
        }
        assert_eq!(
            "orders".parse::<Flow>(),
            Err(IdError::UnknownFlow("orders".into()))
        );
    }

    #[test]
    fn business_keys_render_every_part() {
        let key = BusinessKey {
            flow: Flow::Payment,
            source: SourceName::parse("stripe").unwrap(),
            entity_id: SourceEventId::parse("pi_123").unwrap(),
            revision: 2,
        };
        assert_eq!(key.render(), "payment:stripe:pi_123:r2");
    }
}
