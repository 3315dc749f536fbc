//! The Odoo external ids (`ir.model.data`, module `spine`) of every record the spine
//! writes. Sync workers create records under these ids and reconciliation finds them by
//! the same ids, so they are defined once, here.

use super::{OrderLine, OrderRef, OrderV1, PaymentV1, RefundV1, ShipmentV1};
use crate::ids::{ExternalId, SourceName};

impl OrderRef {
    /// The sale order: `spine.<source>_order_<order id>`.
    pub fn sale_order_xid(&self) -> ExternalId {
        ExternalId::from_parts(&[self.source.as_str(), "order", self.order_id.as_str()])
    }

    /// The customer invoice of the order.
    pub fn invoice_xid(&self) -> ExternalId {
        ExternalId::from_parts(&[self.source.as_str(), "invoice", self.order_id.as_str()])
    }
}

impl OrderV1 {
    /// The order's reference as payments and shipments name it.
    pub fn order_ref(&self, source: &SourceName) -> OrderRef {
        OrderRef {
            source: source.clone(),
            order_id: self.order_id.clone(),
        }
    }

    /// The customer (res.partner), per source and the source's customer id.
    pub fn partner_xid(&self, source: &SourceName) -> ExternalId {
        ExternalId::from_parts(&[source.as_str(), "customer", &self.customer.customer_id])
    }

    /// One sale order line, per order and the source's line id (lines need their own
    /// external ids: see the one2many trap in `load()`).
    pub fn line_xid(&self, source: &SourceName, line: &OrderLine) -> ExternalId {
        ExternalId::from_parts(&[
            source.as_str(),
            "order",
            self.order_id.as_str(),
            "line",
            &line.line_id,
        ])
    }

    /// The shipping line, when the order has a shipping charge.
    pub fn shipping_line_xid(&self, source: &SourceName) -> ExternalId {
        ExternalId::from_parts(&[source.as_str(), "order", self.order_id.as_str(), "shipping"])
    }
}

impl PaymentV1 {
    /// The account.payment, per gateway and the gateway's payment id.
    pub fn payment_xid(&self, source: &SourceName) -> ExternalId {
        ExternalId::from_parts(&[source.as_str(), "payment", self.payment_id.as_str()])
    }
}

impl RefundV1 {
    /// The credit note (reversal of the order's invoice), per gateway and refund id.
    pub fn credit_note_xid(&self, source: &SourceName) -> ExternalId {
        ExternalId::from_parts(&[source.as_str(), "refund", self.refund_id.as_str()])
    }
}

impl ShipmentV1 {
    /// The marker the spine registers on the delivery (stock.picking) it updated.
    pub fn delivery_xid(&self, source: &SourceName) -> ExternalId {
        ExternalId::from_parts(&[source.as_str(), "shipment", self.shipment_id.as_str()])
    }
}

#[cfg(test)]
mod tests {
    use crate::contracts::order::tests::sample;
    use crate::ids::SourceName;

    #[test]
    fn ids_are_stable_and_distinct_per_object() {
        let shopify = SourceName::parse("shopify").unwrap();
        let order = sample();
        let reference = order.order_ref(&shopify);
        assert_eq!(
            reference.sale_order_xid().as_str(),
            "spine.shopify_order_820982911946154508"
        );
        assert_ne!(reference.sale_order_xid(), reference.invoice_xid());
        let line = &order.lines[0];
        assert_eq!(
            order.line_xid(&shopify, line).as_str(),
            "spine.shopify_order_820982911946154508_line_866550311766439020"
        );
        let woo = SourceName::parse("woocommerce").unwrap();
        assert_ne!(order.partner_xid(&shopify), order.partner_xid(&woo));
    }
}
