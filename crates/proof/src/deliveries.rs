//! From the plan to the list of requests to send: every event's body built once, each
//! delivered 1..=dup_max times (some copies at the same moment), bad requests mixed in,
//! all shuffled across orders so a payment may arrive before its order. Signatures are
//! made at send time, because Stripe and the carrier sign a timestamp that must be fresh.

use crate::config::ScenarioConfig;
use crate::payload;
use crate::plan::{OrderPlan, Plan, Shop};
use crate::sign::{self, Delivery, Kind, Secrets};
use anyhow::Result;

/// How a planned request is signed when it is sent.
#[derive(Clone, Debug)]
pub enum Sig {
    Shopify {
        delivery: String,
    },
    WooCommerce {
        delivery: String,
    },
    Stripe,
    /// Headers that do not depend on time (Midtrans signs in the body, Xendit's token).
    Fixed(Vec<(String, String)>),
    Carrier,
    /// Stripe signed an hour ago: outside the tolerance.
    StaleStripe,
    /// Signed with a secret that is not the source's.
    ForgedShopify {
        delivery: String,
    },
}

/// One event's request, ready to sign.
#[derive(Clone, Debug)]
pub struct Planned {
    pub source: &'static str,
    pub body: Vec<u8>,
    pub sig: Sig,
    pub kind: Kind,
}

impl Planned {
    /// The request as sent at `now` (unix seconds).
    pub fn request(&self, secrets: &Secrets, now: i64) -> Delivery {
        let headers = match &self.sig {
            Sig::Shopify { delivery } => sign::shopify(secrets, &self.body, "orders/create", delivery),
            Sig::ForgedShopify { delivery } => {
                let other = Secrets::forged();
                sign::shopify(&other, &self.body, "orders/create", delivery)
            }
            Sig::WooCommerce { delivery } => sign::woocommerce(secrets, &self.body, delivery),
            Sig::Stripe => sign::stripe(secrets, &self.body, now),
            Sig::StaleStripe => sign::stripe(secrets, &self.body, now - 3600),
            Sig::Fixed(headers) => headers.clone(),
            Sig::Carrier => sign::carrier(secrets, &self.body, now),
        };
        Delivery {
            source: self.source,
            headers,
            body: self.body.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// A group of copies sent at the same moment (one copy for most events).
pub type Slot = Vec<Planned>;

/// Every request of the run, in sending order.
pub fn schedule(plan: &Plan, config: &ScenarioConfig, secrets: &Secrets, now: i64) -> Result<Vec<Slot>> {
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x5eed);
    let mut slots = Vec::new();
    for order in &plan.orders {
        for event in events(order, secrets, now)? {
            let copies = rng.u32(1..=config.dup_max.max(1));
            if copies > 1 && rng.f64() < config.concurrent_share {
                slots.push(vec![event; copies as usize]);
            } else {
                slots.extend((0..copies).map(|_| vec![event.clone()]));
            }
        }
    }
    for (n, id) in plan.forged_ids.iter().enumerate() {
        slots.push(vec![bad(n, *id, secrets, now)?]);
    }
    rng.shuffle(&mut slots);
    Ok(slots)
}

fn bytes(value: &serde_json::Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// The order's genuine events.
fn events(order: &OrderPlan, secrets: &Secrets, now: i64) -> Result<Vec<Planned>> {
    let valid = |what| Kind::Valid {
        order: order.id,
        what,
    };
    let mut out = Vec::new();
    match order.shop {
        Shop::Shopify => out.push(Planned {
            source: "shopify",
            body: bytes(&payload::shopify_order(order)?),
            sig: Sig::Shopify {
                delivery: format!("wh-order-{}", order.id),
            },
            kind: valid("order"),
        }),
        Shop::WooCommerce => out.push(Planned {
            source: "woocommerce",
            body: bytes(&payload::woo_order(order)?),
            sig: Sig::WooCommerce {
                delivery: format!("wc-{}", order.id),
            },
            kind: valid("order"),
        }),
    }
    let payment = match order.gateway {
        Some("stripe") => Some((
            "stripe",
            bytes(&payload::stripe_payment(order, now)?),
            Sig::Stripe,
        )),
        Some("midtrans") => {
            let mut body = payload::midtrans_payment(order)?;
            sign::midtrans_body(secrets, &mut body);
            Some(("midtrans", bytes(&body), Sig::Fixed(sign::midtrans())))
        }
        Some(_) => Some((
            "xendit",
            bytes(&payload::xendit_payment(order)?),
            Sig::Fixed(sign::xendit(secrets)),
        )),
        None => None,
    };
    if let Some((source, body, sig)) = payment {
        out.push(Planned {
            source,
            body,
            sig,
            kind: valid("payment"),
        });
    }
    if order.refunded {
        let body = bytes(&payload::stripe_refund(order, now)?);
        out.push(Planned {
            source: "stripe",
            body,
            sig: Sig::Stripe,
            kind: valid("refund"),
        });
    }
    if order.shipped {
        let body = bytes(&payload::carrier_tracking(order)?);
        out.push(Planned {
            source: "carrier",
            body,
            sig: Sig::Carrier,
            kind: valid("shipment"),
        });
    }
    Ok(out)
}

/// The `n`th bad request, about the forged order `id`: forged, malformed, oversized,
/// stale and a wrong token in turn.
fn bad(n: usize, id: u64, secrets: &Secrets, now: i64) -> Result<Planned> {
    let order = OrderPlan {
        shop: Shop::Shopify,
        id,
        lines: vec![crate::plan::Line {
            sku: "MUG-01".into(),
            quantity: 1,
            unit_minor: 1250,
        }],
        gateway: Some("stripe"),
        refunded: false,
        shipped: false,
        unknown_sku: None,
    };
    let delivery = format!("wh-bad-{id}");
    let planned = |source, body, sig, what| Planned {
        source,
        body,
        sig,
        kind: Kind::Bad { what },
    };
    Ok(match n % 5 {
        0 => planned(
            "shopify",
            bytes(&payload::shopify_order(&order)?),
            Sig::ForgedShopify { delivery },
            "forged",
        ),
        1 => {
            let body = format!("{{\"id\": {id}, \"name\": \"#{id}\", ").into_bytes();
            planned("shopify", body, Sig::Shopify { delivery }, "malformed")
        }
        2 => {
            let mut body = payload::shopify_order(&order)?;
            body["note"] = serde_json::Value::String("x".repeat(300 * 1024));
            planned("shopify", bytes(&body), Sig::Shopify { delivery }, "oversized")
        }
        3 => planned(
            "stripe",
            bytes(&payload::stripe_payment(&order, now)?),
            Sig::StaleStripe,
            "stale",
        ),
        _ => {
            let mut headers = sign::xendit(secrets);
            headers.retain(|(k, _)| k != "x-callback-token");
            headers.push(("x-callback-token".into(), "xnd_callback_token_guess".into()));
            let mut wrong = order.clone();
            wrong.shop = Shop::WooCommerce;
            planned(
                "xendit",
                bytes(&payload::xendit_payment(&wrong)?),
                Sig::Fixed(headers),
                "forged-token",
            )
        }
    })
}
