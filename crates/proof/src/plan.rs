//! The scenario's business events: N orders from several shops, each with its payment,
//! perhaps a refund and a shipment, plus the injected bad input. Pure and seeded, so a
//! run can be repeated exactly.

use crate::config::ScenarioConfig;

/// The shop an order comes from, which decides its gateway and carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shop {
    /// Paid through Stripe; refunds from Stripe; shipped by the carrier.
    Shopify,
    /// Paid through Midtrans or Xendit (IDR).
    WooCommerce,
}

/// A catalog product an order line may use: SKU and unit price in minor units.
pub const CATALOG_USD: &[(&str, i64)] = &[("MUG-01", 1250), ("STK-PACK", 400), ("TEE-BLK-M", 2500)];
/// The IDR products (two ISO decimals, so 85000.00 IDR is 8,500,000 minor units).
pub const CATALOG_IDR: &[(&str, i64)] = &[("KOPI-ARB-250", 8_500_000), ("GELAS-01", 1_500_000)];

/// One order line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub sku: String,
    pub quantity: i64,
    /// Unit price in minor units.
    pub unit_minor: i64,
}

/// One order and what happens to it after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPlan {
    pub shop: Shop,
    /// The shop's numeric order id (unique per run).
    pub id: u64,
    pub lines: Vec<Line>,
    /// Which gateway pays (`stripe`, `midtrans`, `xendit`); `None`: not paid in the run.
    pub gateway: Option<&'static str>,
    /// Refunded in full after payment.
    pub refunded: bool,
    /// A carrier tracking update arrives.
    pub shipped: bool,
    /// A line names a SKU Odoo does not have yet: the order must park, then be applied
    /// after the SKU is created and the message redriven.
    pub unknown_sku: Option<String>,
}

impl OrderPlan {
    /// The order total in minor units (no tax, shipping or discount in the scenario,
    /// so the shop, the gateway and Odoo must all agree on it exactly).
    pub fn total_minor(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity * l.unit_minor).sum()
    }

    /// What Odoo's `client_order_ref` holds for this order.
    pub fn client_ref(&self) -> String {
        match self.shop {
            Shop::Shopify => format!("#{}", self.id),
            Shop::WooCommerce => self.id.to_string(),
        }
    }

    /// The currency code.
    pub fn currency(&self) -> &'static str {
        match self.shop {
            Shop::Shopify => "USD",
            Shop::WooCommerce => "IDR",
        }
    }
}

/// Every order of a run, and the forged order ids that must never reach Odoo.
#[derive(Clone, Debug)]
pub struct Plan {
    pub orders: Vec<OrderPlan>,
    /// Ids used only by forged webhooks.
    pub forged_ids: Vec<u64>,
}

/// Builds the plan from the configuration (deterministic for a given seed).
pub fn build(config: &ScenarioConfig) -> Plan {
    let mut rng = fastrand::Rng::with_seed(config.seed);
    // Ids from a per-run base keep a real Odoo's earlier runs apart from this one.
    let base = 10_000_000 + rng.u64(0..8_000_000) * 100;
    let sources = &config.sources;
    let orders = (0..config.orders)
        .map(|n| {
            let shop = if sources.contains(&Shop::WooCommerce)
                && (!sources.contains(&Shop::Shopify) || rng.bool())
            {
                Shop::WooCommerce
            } else {
                Shop::Shopify
            };
            order(&mut rng, config, shop, base + n as u64)
        })
        .collect();
    let forged_ids = (0..config.bad_count())
        .map(|n| base + 5_000_000 + n as u64)
        .collect();
    Plan { orders, forged_ids }
}

fn order(rng: &mut fastrand::Rng, config: &ScenarioConfig, shop: Shop, id: u64) -> OrderPlan {
    let catalog = match shop {
        Shop::Shopify => CATALOG_USD,
        Shop::WooCommerce => CATALOG_IDR,
    };
    let count = rng.usize(1..=catalog.len());
    let mut lines: Vec<Line> = (0..count)
        .map(|i| Line {
            sku: catalog[i].0.to_owned(),
            quantity: rng.i64(1..=3),
            unit_minor: catalog[i].1,
        })
        .collect();
    let unknown_sku = (rng.f64() < config.unknown_sku_share).then(|| format!("PROOF-{id}"));
    if let Some(sku) = &unknown_sku {
        lines.push(Line {
            sku: sku.clone(),
            quantity: 1,
            unit_minor: catalog[0].1,
        });
    }
    // An order that must park carries no payment: its payment would wait on the order
    // for the whole dependency window and only lengthen the run.
    let gateway = match (shop, &unknown_sku) {
        (_, Some(_)) => None,
        (Shop::Shopify, None) => Some("stripe"),
        (Shop::WooCommerce, None) if rng.bool() => Some("midtrans"),
        (Shop::WooCommerce, None) => Some("xendit"),
    };
    OrderPlan {
        shop,
        id,
        lines,
        gateway,
        refunded: gateway == Some("stripe") && rng.f64() < config.refund_share,
        shipped: shop == Shop::Shopify && unknown_sku.is_none() && rng.f64() < config.ship_share,
        unknown_sku,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_repeatable_and_its_ids_are_unique() {
        let config = ScenarioConfig {
            orders: 300,
            unknown_sku_share: 0.1,
            ..ScenarioConfig::default()
        };
        let (a, b) = (build(&config), build(&config));
        assert_eq!(a.orders, b.orders);
        let mut ids: Vec<u64> = a
            .orders
            .iter()
            .map(|o| o.id)
            .chain(a.forged_ids.clone())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 300 + a.forged_ids.len());
        assert!(a.orders.iter().any(|o| o.unknown_sku.is_some()));
        assert!(
            a.orders
                .iter()
                .filter(|o| o.unknown_sku.is_some())
                .all(|o| o.gateway.is_none())
        );
        assert!(a.orders.iter().any(|o| o.shop == Shop::WooCommerce));
        assert!(a.orders.iter().all(|o| o.total_minor() > 0));
    }
}
