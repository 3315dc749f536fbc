//! `order.v1`: an order placed in a shop or marketplace, as the order sync writes it to
//! Odoo (customer, sale order, one line per SKU).

use super::validate::{ContractError, amount, optional_text, text};
use crate::ids::{Sku, SourceEventId};
use crate::money::{Currency, Money};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An order as the source system holds it. The source is the system of record for the
/// order; Odoo is for products, taxes and accounting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderV1 {
    /// The source's id of the order (stable across updates).
    pub order_id: SourceEventId,
    /// The number the customer sees (`#1001`); becomes Odoo's `client_order_ref`.
    pub order_number: String,
    /// Grows with every change of the order at the source (0 for the first version).
    pub revision: u64,
    pub placed_at: DateTime<Utc>,
    /// The currency every amount of the order is in.
    pub currency: Currency,
    pub customer: Customer,
    /// At least one line.
    pub lines: Vec<OrderLine>,
    /// What the customer paid for shipping, when anything.
    pub shipping: Option<Money>,
    /// The taxes the source computed (Odoo computes its own; reconciliation compares).
    pub tax_total: Money,
    /// The grand total the customer was charged.
    pub total: Money,
    /// Whether the source's prices include tax.
    pub prices_include_tax: bool,
    pub shipping_address: Option<Address>,
    /// A note from the customer, when any.
    pub note: Option<String>,
}

/// The buyer. Personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The source's customer id, or `guest:<email>` for a guest checkout.
    pub customer_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// The source's id of the line (stable across updates of the order).
    pub line_id: String,
    /// Matched against Odoo's `product.product.default_code`.
    pub sku: Sku,
    /// The product name as the source shows it (Odoo keeps its own).
    pub name: String,
    /// Units ordered, at least 1.
    pub quantity: u32,
    /// The source's price of one unit; carried to Odoo as `price_unit`.
    pub unit_price: Money,
    /// The discount on the whole line (0 when none); at most quantity × unit price.
    pub discount: Money,
}

/// A postal address. Personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub name: Option<String>,
    pub street: Option<String>,
    pub street2: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `ID` or `US`.
    pub country_code: Option<String>,
}

impl OrderV1 {
    /// Checks every rule the schema cannot express; the first violation is returned.
    pub fn validate(&self) -> Result<(), ContractError> {
        text("order_number", &self.order_number, 64)?;
        self.customer.validate().map_err(|e| e.within("customer"))?;
        if self.lines.is_empty() {
            return Err(ContractError::new("lines", "an order needs at least one line"));
        }
        for (index, line) in self.lines.iter().enumerate() {
            line.validate(self.currency)
                .map_err(|e| e.within(&format!("[{index}]")).within("lines"))?;
        }
        if let Some(shipping) = &self.shipping {
            amount("shipping", shipping, self.currency)?;
        }
        amount("tax_total", &self.tax_total, self.currency)?;
        amount("total", &self.total, self.currency)?;
        optional_text("note", self.note.as_deref(), 4000)
    }
}

impl Customer {
    fn validate(&self) -> Result<(), ContractError> {
        text("customer_id", &self.customer_id, 256)?;
        text("name", &self.name, 256)?;
        optional_text("phone", self.phone.as_deref(), 64)?;
        if let Some(email) = &self.email {
            text("email", email, 256)?;
            if !email.contains('@') {
                return Err(ContractError::new("email", "is not an e-mail address"));
            }
        }
        Ok(())
    }
}

impl OrderLine {
    fn validate(&self, currency: Currency) -> Result<(), ContractError> {
        text("line_id", &self.line_id, 128)?;
        text("name", &self.name, 512)?;
        if self.quantity == 0 {
            return Err(ContractError::new("quantity", "must be at least 1"));
        }
        amount("unit_price", &self.unit_price, currency)?;
        amount("discount", &self.discount, currency)?;
        let gross = i128::from(self.unit_price.minor) * i128::from(self.quantity);
        if i128::from(self.discount.minor) > gross {
            return Err(ContractError::new(
                "discount",
                "is more than quantity × unit price",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap())
    }

    pub(crate) fn sample() -> OrderV1 {
        OrderV1 {
            order_id: SourceEventId::parse("820982911946154508").unwrap(),
            order_number: "#1001".into(),
            revision: 0,
            placed_at: "2026-11-20T10:00:00Z".parse().unwrap(),
            currency: Currency::parse("USD").unwrap(),
            customer: Customer {
                customer_id: "115310627314723954".into(),
                name: "Ada Lovelace".into(),
                email: Some("ada@example.com".into()),
                phone: None,
            },
            lines: vec![OrderLine {
                line_id: "866550311766439020".into(),
                sku: Sku::parse("MUG-01").unwrap(),
                name: "Mug".into(),
                quantity: 2,
                unit_price: usd(1250),
                discount: usd(0),
            }],
            shipping: Some(usd(500)),
            tax_total: usd(0),
            total: usd(3000),
            prices_include_tax: false,
            shipping_address: None,
            note: None,
        }
    }

    #[test]
    fn a_good_order_passes() {
        sample().validate().unwrap();
    }

    #[test]
    fn violations_name_the_field() {
        let mut order = sample();
        order.lines[0].unit_price = Money::from_minor(1250, Currency::parse("EUR").unwrap());
        let error = order.validate().unwrap_err();
        assert_eq!(error.path, "lines[0].unit_price.currency");

        let mut order = sample();
        order.lines[0].quantity = 0;
        assert_eq!(order.validate().unwrap_err().path, "lines[0].quantity");

        let mut order = sample();
        order.lines[0].discount = usd(2501);
        assert_eq!(order.validate().unwrap_err().path, "lines[0].discount");

        let mut order = sample();
        order.lines.clear();
        assert_eq!(order.validate().unwrap_err().path, "lines");

        let mut order = sample();
        order.customer.email = Some("nobody".into());
        assert_eq!(order.validate().unwrap_err().path, "customer.email");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["surprise"] = serde_json::json!(1);
        let error = serde_json::from_value::<OrderV1>(json).unwrap_err();
        assert!(error.to_string().contains("surprise"), "{error}");
    }
}
