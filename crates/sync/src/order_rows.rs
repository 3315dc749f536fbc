//! The rows `load()` gets for an order: the partner in one row, the sale order and all
//! its lines in one load (first row carries the order and its first line, each further
//! row one more line), every line under its own external id (ODOO.md's one2many trap).

use std::collections::HashMap;

use spine_core::contracts::{OrderLine, OrderV1};
use spine_core::{ExternalId, Money, Sku, SourceName};

/// One line as the order load writes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlannedLine {
    pub xid: ExternalId,
    pub sku: Sku,
    pub name: String,
    pub quantity: u32,
    pub price_unit: Money,
    /// Percent, as Odoo's `discount` field wants it; `None` when the line has none.
    pub discount_percent: Option<f64>,
}

/// Everything the order flow writes, with its external ids, computed before any call.
#[derive(Clone, Debug)]
pub(crate) struct OrderPlan {
    pub order_xid: ExternalId,
    pub partner_xid: ExternalId,
    pub lines: Vec<PlannedLine>,
}

impl OrderPlan {
    /// The plan for `order` from `source`; shipping becomes a line on `shipping_sku`
    /// when both exist.
    pub(crate) fn new(source: &SourceName, order: &OrderV1, shipping_sku: Option<&Sku>) -> Self {
        let mut lines: Vec<PlannedLine> = order
            .lines
            .iter()
            .map(|line| planned(order.line_xid(source, line), line))
            .collect();
        if let (Some(shipping), Some(sku)) = (order.shipping, shipping_sku)
            && shipping.minor != 0
        {
            lines.push(PlannedLine {
                xid: order.shipping_line_xid(source),
                sku: sku.clone(),
                name: "Shipping".to_owned(),
                quantity: 1,
                price_unit: shipping,
                discount_percent: None,
            });
        }
        Self {
            order_xid: order.order_ref(source).sale_order_xid(),
            partner_xid: order.partner_xid(source),
            lines,
        }
    }

    /// The distinct SKUs of the plan, in line order.
    pub(crate) fn skus(&self) -> Vec<Sku> {
        let mut skus: Vec<Sku> = Vec::new();
        for line in &self.lines {
            if !skus.contains(&line.sku) {
                skus.push(line.sku.clone());
            }
        }
        skus
    }

    /// The partner load: one row, upserted by the customer's external id.
    pub(crate) fn partner_rows(&self, order: &OrderV1) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let c = &order.customer;
        let fields = vec!["id", "name", "email", "phone", "customer_rank"];
        let row = vec![
            self.partner_xid.as_str().to_owned(),
            c.name.clone(),
            c.email.clone().unwrap_or_default(),
            c.phone.clone().unwrap_or_default(),
            "1".to_owned(),
        ];
        (fields, vec![row])
    }

    /// The order load: the order's columns on the first row, one line per row.
    /// `products` maps every SKU of the plan to its product id.
    pub(crate) fn order_rows(
        &self,
        order: &OrderV1,
        currency_id: i64,
        products: &HashMap<Sku, i64>,
    ) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let with_discount = self.lines.iter().any(|l| l.discount_percent.is_some());
        let mut fields = vec![
            "id",
            "partner_id/id",
            "client_order_ref",
            "currency_id/.id",
            "date_order",
            "order_line/id",
            "order_line/product_id/.id",
            "order_line/name",
            "order_line/product_uom_qty",
            "order_line/price_unit",
        ];
        if with_discount {
            // Only when needed: a plain Odoo has the field, but it is one more thing
            // that can drift, and most orders carry no discount.
            fields.push("order_line/discount");
        }
        let head = [
            self.order_xid.as_str().to_owned(),
            self.partner_xid.as_str().to_owned(),
            order.order_number.clone(),
            currency_id.to_string(),
            order.placed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ];
        let rows = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let mut row: Vec<String> = if i == 0 {
                    head.to_vec()
                } else {
                    vec![String::new(); head.len()]
                };
                let product = products.get(&line.sku).copied().unwrap_or_default();
                row.extend([
                    line.xid.as_str().to_owned(),
                    product.to_string(),
                    line.name.clone(),
                    line.quantity.to_string(),
                    line.price_unit.to_decimal_string(),
                ]);
                if with_discount {
                    row.push(
                        line.discount_percent
                            .map(|d| format!("{d:.4}"))
                            .unwrap_or_else(|| "0".into()),
                    );
                }
                row
            })
            .collect();
        (fields, rows)
    }
}

fn planned(xid: ExternalId, line: &OrderLine) -> PlannedLine {
    let gross = i128::from(line.unit_price.minor) * i128::from(line.quantity);
    let discount_percent =
        (line.discount.minor != 0 && gross != 0).then(|| line.discount.minor as f64 * 100.0 / gross as f64);
    PlannedLine {
        xid,
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        price_unit: line.unit_price,
        discount_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spine_core::contracts::Customer;
    use spine_core::{Currency, SourceEventId};

    pub(crate) fn order() -> OrderV1 {
        let usd = Currency::parse("USD").unwrap();
        let line = |id: &str, sku: &str, qty, price| OrderLine {
            line_id: id.into(),
            sku: Sku::parse(sku).unwrap(),
            name: format!("Item {sku}"),
            quantity: qty,
            unit_price: Money::from_minor(price, usd),
            discount: Money::from_minor(0, usd),
        };
        OrderV1 {
            order_id: SourceEventId::parse("1001").unwrap(),
            order_number: "#1001".into(),
            revision: 0,
            placed_at: "2026-11-20T10:00:00Z".parse().unwrap(),
            currency: usd,
            customer: Customer {
                customer_id: "c1".into(),
                name: "Ada".into(),
                email: Some("ada@example.com".into()),
                phone: None,
            },
            lines: vec![
                line("l1", "MUG", 2, 1250),
                line("l2", "CUP", 1, 500),
                line("l3", "MUG", 1, 1250),
            ],
            shipping: Some(Money::from_minor(700, usd)),
            tax_total: Money::from_minor(0, usd),
            total: Money::from_minor(4650, usd),
            prices_include_tax: false,
            shipping_address: None,
            note: None,
        }
    }

    #[test]
    fn every_line_has_its_own_id_and_the_order_columns_are_on_the_first_row_only() {
        let source = SourceName::parse("shopify").unwrap();
        let plan = OrderPlan::new(&source, &order(), None);
        assert_eq!(plan.skus().len(), 2, "SKUs deduplicated");
        let products = HashMap::from([(Sku::parse("MUG").unwrap(), 5), (Sku::parse("CUP").unwrap(), 6)]);
        let (fields, rows) = plan.order_rows(&order(), 1, &products);
        assert_eq!(rows.len(), 3, "no shipping line without a shipping product");
        assert!(
            spine_odoo::is_upsert(&fields, &rows),
            "a repeat updates the same lines"
        );
        assert_eq!(rows[0][0], "spine.shopify_order_1001");
        assert_eq!(rows[0][2], "#1001");
        assert!(rows[1][..5].iter().all(String::is_empty));
        assert_eq!(
            &rows[1][5..],
            ["spine.shopify_order_1001_line_l2", "6", "Item CUP", "1", "5.00"]
        );
        assert!(!fields.contains(&"order_line/discount"));
    }

    #[test]
    fn shipping_becomes_a_line_and_discounts_a_percentage() {
        let source = SourceName::parse("shopify").unwrap();
        let mut order = order();
        order.lines[0].discount = Money::from_minor(625, order.currency);
        let ship = Sku::parse("SHIP").unwrap();
        let plan = OrderPlan::new(&source, &order, Some(&ship));
        assert_eq!(plan.lines.len(), 4);
        assert_eq!(plan.lines[3].xid.as_str(), "spine.shopify_order_1001_shipping");
        assert_eq!(plan.lines[0].discount_percent, Some(25.0));
        let products = HashMap::from([
            (Sku::parse("MUG").unwrap(), 5),
            (Sku::parse("CUP").unwrap(), 6),
            (ship, 7),
        ]);
        let (fields, rows) = plan.order_rows(&order, 1, &products);
        assert_eq!(fields.last(), Some(&"order_line/discount"));
        assert_eq!(rows[0].last().map(String::as_str), Some("25.0000"));
        assert_eq!(rows[3][9], "7.00");
    }
}
