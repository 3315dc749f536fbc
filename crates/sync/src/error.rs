//! Every way a sync flow can fail, and what the worker should do about it
//! ([`Classify`]), after DESIGN.md's error table.

use spine_core::{Classify, Currency, Disposition, ExternalId, Sku, SourceName};
use spine_odoo::{ErrorKind, OdooError};

/// The longest reason kept (a DLQ attribute and a ledger field, not a log).
const MAX_REASON: usize = 500;

/// A failed flow. `Display` is the operator-readable reason: Odoo's message without its
/// traceback, and no personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// An Odoo call failed; its kind decides retry or park.
    #[error("{step}: {source}")]
    Odoo {
        /// What the flow was doing, e.g. `load sale.order`.
        step: &'static str,
        #[source]
        source: OdooError,
    },
    /// The order names products Odoo does not have (by `default_code`).
    #[error("unknown SKU(s) in Odoo: {}; create the product(s) with these Internal References, then redrive", join(.0))]
    UnknownSkus(Vec<Sku>),
    /// The order's currency exists in Odoo but is not enabled.
    #[error("currency {0} is not active in Odoo; activate it in the accounting settings, then redrive")]
    InactiveCurrency(Currency),
    /// The order's currency does not exist in Odoo at all.
    #[error("currency {0} does not exist in Odoo")]
    UnknownCurrency(Currency),
    /// The order exists and Odoo no longer lets the spine change it.
    #[error(
        "order {xid} is already {state} in Odoo (confirmed/locked): revision {revision} differs and cannot be applied; only quotations are updated"
    )]
    OrderLocked {
        xid: ExternalId,
        state: String,
        revision: u64,
    },
    /// Something this event needs has not been applied yet (payment before its order).
    #[error("waiting on a dependency: {what} {xid} is not in Odoo yet")]
    Waiting {
        /// What is missing, e.g. `sale order`.
        what: &'static str,
        xid: ExternalId,
    },
    /// The order is still a quotation, so it can be neither invoiced nor shipped.
    #[error("waiting on a dependency: order {xid} is not confirmed in Odoo (state {state})")]
    NotConfirmed { xid: ExternalId, state: String },
    /// `carrier_tracking_ref` does not exist: Odoo lacks the module.
    #[error(
        "the Odoo module stock_delivery is not installed (stock.picking has no carrier_tracking_ref); install it, then redrive"
    )]
    StockDeliveryMissing {
        #[source]
        source: OdooError,
    },
    /// No bank journal is configured for this payment source.
    #[error(
        "no bank journal configured for payment source {0} (SPINE_BANK_JOURNALS / SPINE_DEFAULT_BANK_JOURNAL)"
    )]
    NoBankJournal(SourceName),
    /// The payment's currency differs from the invoice's; the spine never converts.
    #[error("payment in {payment} but invoice {invoice_id} is in {invoice}; not registered")]
    CurrencyMismatch {
        payment: Currency,
        invoice: String,
        invoice_id: i64,
    },
    /// Validation of the delivery needs a human (Odoo answered a wizard).
    #[error("delivery {picking_id} was not validated: Odoo asks for a wizard (quantities not reserved)")]
    ValidationNeedsWizard { picking_id: i64 },
    /// Odoo answered 429/503 repeatedly and this instance holds back for a while.
    #[error("Odoo is overloaded; holding back for {} ms before calling it again", .retry_after.as_millis())]
    Overloaded { retry_after: std::time::Duration },
    /// Odoo answered something the flow cannot use.
    #[error("{step}: unexpected answer from Odoo: {detail}")]
    Unexpected { step: &'static str, detail: String },
}

fn join(skus: &[Sku]) -> String {
    let names: Vec<&str> = skus.iter().map(Sku::as_str).collect();
    names.join(", ")
}

impl SyncError {
    /// Wraps an Odoo error with the step it happened in.
    pub(crate) fn odoo(step: &'static str) -> impl FnOnce(OdooError) -> SyncError {
        move |source| SyncError::Odoo { step, source }
    }

    /// True when Odoo refused the credentials: the caller refreshes the secret once and
    /// retries before parking.
    pub fn is_credentials(&self) -> bool {
        matches!(self, SyncError::Odoo { source, .. } if source.kind() == ErrorKind::Credentials)
    }

    /// The reason for the ledger and the DLQ: [`Display`](std::fmt::Display) cut to
    /// 500 characters on a character boundary.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        match full.char_indices().nth(MAX_REASON) {
            Some((cut, _)) => format!("{}…", &full[..cut]),
            None => full,
        }
    }
}

impl Classify for SyncError {
    fn disposition(&self) -> Disposition {
        match self {
            SyncError::Odoo { source, .. } => source.disposition(),
            SyncError::Waiting { .. } | SyncError::NotConfirmed { .. } => Disposition::WaitingOnDependency,
            SyncError::Overloaded { retry_after } => Disposition::Transient {
                retry_after: Some(*retry_after),
                overload: true,
            },
            _ => Disposition::Permanent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn http(status: u16, kind: ErrorKind) -> OdooError {
        OdooError::Http {
            kind,
            status,
            path: "/json/2/sale.order/load".into(),
            detail: "x".into(),
            retry_after: Some(Duration::from_secs(2)),
        }
    }

    #[test]
    fn odoo_kinds_map_to_dispositions() {
        let overload = SyncError::odoo("load sale.order")(http(429, ErrorKind::Transient));
        assert_eq!(
            overload.disposition(),
            Disposition::Transient {
                retry_after: Some(Duration::from_secs(2)),
                overload: true
            }
        );
        let business = SyncError::odoo("confirm")(OdooError::Load {
            model: "sale.order".into(),
            messages: vec![],
        });
        assert_eq!(business.disposition(), Disposition::Permanent);
        let denied = SyncError::odoo("x")(OdooError::AuthenticationFailed {
            login: "a".into(),
            database: "b".into(),
        });
        assert!(denied.is_credentials());
        assert_eq!(denied.disposition(), Disposition::Permanent);
    }

    #[test]
    fn missing_dependencies_wait_and_business_failures_park() {
        let xid = ExternalId::from_parts(&["shopify", "order", "1"]);
        let waiting = SyncError::Waiting {
            what: "sale order",
            xid,
        };
        assert_eq!(waiting.disposition(), Disposition::WaitingOnDependency);
        let unknown = SyncError::UnknownSkus(vec![Sku::parse("A-1").unwrap(), Sku::parse("B-2").unwrap()]);
        assert_eq!(unknown.disposition(), Disposition::Permanent);
        assert!(unknown.reason().contains("A-1, B-2"), "{}", unknown.reason());
    }

    #[test]
    fn reasons_are_bounded() {
        let skus: Vec<Sku> = (0..200)
            .map(|i| Sku::parse(&format!("SKU-{i}")).unwrap())
            .collect();
        let reason = SyncError::UnknownSkus(skus).reason();
        assert_eq!(reason.chars().count(), MAX_REASON + 1);
        assert!(reason.ends_with('…'));
    }
}
