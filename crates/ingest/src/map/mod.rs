//! Mappings from each source's payload to the canonical contracts.
//!
//! A mapping decides three things: the source's id of the delivery (the ingress dedupe
//! key), its topic, and either a canonical event or "ignored" for topics the spine does
//! not handle. A payload that does not fit is a [`FieldError`] naming the path in the
//! sender's own payload; the canonical contract's rules are checked afterwards.

mod generic;
mod midtrans;
mod shopify;
mod stripe;
mod tokopedia;
mod woocommerce;
mod xendit;

use crate::config::{SourceConfig, SourceKind};
use crate::error::{FieldError, Rejection};
use crate::headers::Headers;
use crate::json::{Json, Keep, Node};
use chrono::{DateTime, Utc};
use spine_core::contracts::{Address, OrderRef};
use spine_core::{CanonicalEvent, SourceEventId};

/// What a payload maps to.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The source's id of this delivery or event: ingress dedupe is on it.
    pub source_event_id: SourceEventId,
    /// The source's topic or event type, e.g. `orders/create`.
    pub topic: String,
    /// When the source says the event happened.
    pub occurred_at: DateTime<Utc>,
    /// The canonical event, or `None` when the spine does not handle this topic.
    pub event: Option<CanonicalEvent>,
}

/// Everything a mapping may look at besides the body.
pub(crate) struct Context<'a> {
    pub config: &'a SourceConfig,
    pub headers: &'a Headers,
    pub received_at: DateTime<Utc>,
}

impl Context<'_> {
    /// A header the mapping cannot do without.
    fn header(&self, name: &'static str) -> Result<&str, Rejection> {
        self.headers
            .get_trimmed(name)
            .ok_or(Rejection::MissingHeader(name))
    }

    /// A header holding the delivery's id.
    fn id_header(&self, name: &'static str) -> Result<SourceEventId, Rejection> {
        SourceEventId::parse(self.header(name)?).map_err(|_| Rejection::MissingHeader(name))
    }

    /// The order a payment, refund or shipment of this source refers to.
    fn order_ref(&self, node: &Node) -> Result<OrderRef, FieldError> {
        Ok(OrderRef {
            source: self.config.order_source.clone(),
            order_id: node.id()?,
        })
    }
}

/// Maps a parsed, verified payload of the configured source.
pub(crate) fn map(
    config: &SourceConfig,
    headers: &Headers,
    body: &Json,
    received_at: DateTime<Utc>,
) -> Result<Mapped, Rejection> {
    let cx = Context {
        config,
        headers,
        received_at,
    };
    let root = Node::root(body, keep(&config.kind));
    if !body.is_object() {
        return Err(FieldError::new("", "the payload must be a JSON object").into());
    }
    match config.kind {
        SourceKind::Shopify => shopify::map(&cx, &root),
        SourceKind::WooCommerce => woocommerce::map(&cx, &root),
        SourceKind::Stripe { .. } => stripe::map(&cx, &root),
        SourceKind::Midtrans => midtrans::map(&cx, &root),
        SourceKind::Xendit => xendit::map(&cx, &root),
        SourceKind::Tokopedia => tokopedia::map(&cx, &root),
        SourceKind::Generic { .. } => generic::map(&cx, &root),
    }
}

/// The parse filter of a source kind: the members its mapping reads. The generic
/// source keeps everything (its `data` may be a whole canonical event).
pub(crate) fn keep(kind: &SourceKind) -> Keep {
    Some(match kind {
        SourceKind::Shopify => shopify::keep,
        SourceKind::WooCommerce => woocommerce::keep,
        SourceKind::Stripe { .. } => stripe::keep,
        SourceKind::Midtrans => midtrans::keep,
        SourceKind::Xendit => xendit::keep,
        SourceKind::Tokopedia => tokopedia::keep,
        SourceKind::Generic { .. } => return None,
    })
}

/// A source event id built from parts of the payload, for sources without a delivery id.
fn composite_id(node: &Node, parts: &[&str]) -> Result<SourceEventId, FieldError> {
    SourceEventId::parse(&parts.join(":")).map_err(|e| node.error(e.to_string()))
}

/// Joins first and last name, either of which may be absent.
fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// An optional string field, owned.
fn owned(node: Node) -> Result<Option<String>, FieldError> {
    Ok(node.opt_str()?.map(str::to_owned))
}

/// An address whose field names are given as (name, street, street2, city, zip, state,
/// country) keys of `node`; `None` when the address is absent or has no field at all.
fn address(node: &Node, name: Option<String>, keys: [&str; 6]) -> Result<Option<Address>, FieldError> {
    if node.present().is_none() {
        return Ok(None);
    }
    let [street, street2, city, zip, state, country] = keys;
    let address = Address {
        name,
        street: owned(node.get(street))?,
        street2: owned(node.get(street2))?,
        city: owned(node.get(city))?,
        zip: owned(node.get(zip))?,
        state: owned(node.get(state))?,
        country_code: owned(node.get(country))?,
    };
    let empty = Address {
        name: None,
        street: None,
        street2: None,
        city: None,
        zip: None,
        state: None,
        country_code: None,
    };
    Ok((address != empty).then_some(address))
}

/// Milliseconds since the epoch of an update time: a revision that grows with every
/// change at the source.
fn revision_of(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap_or(0)
}

/// Converts a count to the contract's `u32` with a path-naming error.
fn quantity(node: &Node) -> Result<u32, FieldError> {
    u32::try_from(node.u64()?).map_err(|_| node.error("is too large"))
}
