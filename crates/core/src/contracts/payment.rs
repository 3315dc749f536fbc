//! `payment.v1` and `refund.v1`: money that moved at a payment gateway (or a shop's own
//! checkout) for an order, as the payment sync registers it in Odoo.

use super::validate::{ContractError, optional_text, positive_amount, text};
use crate::ids::{SourceEventId, SourceName};
use crate::money::Money;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which order a payment, refund or shipment belongs to: the order's source and the
/// source's order id. A Stripe payment for a Shopify order names `shopify` here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    pub source: SourceName,
    pub order_id: SourceEventId,
}

/// A successful payment (captured or settled) for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentV1 {
    /// The gateway's id of the payment; the payment is registered once per id.
    pub payment_id: SourceEventId,
    pub order: OrderRef,
    /// The amount received; more than zero.
    pub amount: Money,
    pub paid_at: DateTime<Utc>,
    /// How the customer paid, as the gateway names it (`card`, `bank_transfer`, `qris`).
    pub method: String,
    /// The gateway's reference; becomes the payment's memo in Odoo.
    pub reference: String,
}

/// Money returned to the customer for an order; becomes a credit note in Odoo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundV1 {
    /// The gateway's id of the refund; one credit note per id.
    pub refund_id: SourceEventId,
    /// The payment refunded, when the gateway says.
    pub payment_id: Option<SourceEventId>,
    pub order: OrderRef,
    /// The amount refunded; more than zero.
    pub amount: Money,
    pub refunded_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl PaymentV1 {
    /// Checks every rule the schema cannot express.
    pub fn validate(&self) -> Result<(), ContractError> {
        positive_amount("amount", &self.amount)?;
        text("method", &self.method, 64)?;
        text("reference", &self.reference, 256)
    }
}

impl RefundV1 {
    /// Checks every rule the schema cannot express.
    pub fn validate(&self) -> Result<(), ContractError> {
        positive_amount("amount", &self.amount)?;
        optional_text("reason", self.reason.as_deref(), 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::order::tests::usd;

    fn payment() -> PaymentV1 {
        PaymentV1 {
            payment_id: SourceEventId::parse("pi_3MtwBwLkdIwHu7ix28a3tqPa").unwrap(),
            order: OrderRef {
                source: SourceName::parse("shopify").unwrap(),
                order_id: SourceEventId::parse("1001").unwrap(),
            },
            amount: usd(3000),
            paid_at: "2026-11-20T10:05:00Z".parse().unwrap(),
            method: "card".into(),
            reference: "pi_3MtwBwLkdIwHu7ix28a3tqPa".into(),
        }
    }

    #[test]
    fn amounts_must_be_positive() {
        payment().validate().unwrap();
        let mut zero = payment();
        zero.amount = usd(0);
        assert_eq!(zero.validate().unwrap_err().path, "amount.minor");
        let mut negative = payment();
        negative.amount = usd(-5);
        assert_eq!(negative.validate().unwrap_err().path, "amount.minor");
    }

    #[test]
    fn a_blank_reference_is_refused() {
        let mut blank = payment();
        blank.reference = " ".into();
        assert_eq!(
            blank.validate().unwrap_err().to_string(),
            "reference: must not be empty"
        );
    }
}
