//! Odoo round trips per event and events per second, per flow, against the simulator
//! (JSON-2 and JSON-RPC). Plain `Instant` timing; run with `cargo bench -p spine-sync`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use odoo_sim::{SimConfig, SimHandle};
use secrecy::SecretString;
use serde_json::json;
use spine_core::contracts::{Customer, OrderLine, OrderV1, PaymentV1, RefundV1, ShipmentStatus, ShipmentV1};
use spine_core::{Currency, Money, Sku, SourceEventId, SourceName};
use spine_odoo::{OdooClient, OdooConfig, Protocol};
use spine_sync::{Applied, SyncConfig, Syncer};

const N: usize = 100;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").unwrap())
}

fn order(n: usize, customer: &str) -> OrderV1 {
    let line = |i: usize, sku: &str| OrderLine {
        line_id: format!("l{i}"),
        sku: Sku::parse(sku).unwrap(),
        name: sku.into(),
        quantity: 1 + i as u32,
        unit_price: usd(1000 + 250 * i as i64),
        discount: usd(0),
    };
    OrderV1 {
        order_id: SourceEventId::parse(&format!("bench{n}")).unwrap(),
        order_number: format!("#B{n}"),
        revision: 0,
        placed_at: "2026-11-20T10:00:00Z".parse().unwrap(),
        currency: Currency::parse("USD").unwrap(),
        customer: Customer {
            customer_id: customer.into(),
            name: "Bench Customer".into(),
            email: Some("bench@example.com".into()),
            phone: None,
        },
        lines: vec![line(0, "B-1"), line(1, "B-2"), line(2, "B-3")],
        shipping: None,
        tax_total: usd(0),
        total: usd(0),
        prices_include_tax: false,
        shipping_address: None,
        note: None,
    }
}

/// Round trips and wall time of every event of one scenario.
struct Figures {
    trips: Vec<u64>,
    times: Vec<Duration>,
}

impl Figures {
    fn new() -> Self {
        Self {
            trips: Vec::new(),
            times: Vec::new(),
        }
    }
    fn add(&mut self, applied: Applied, took: Duration) {
        self.trips.push(applied.round_trips);
        self.times.push(took);
    }
    fn row(&mut self, protocol: Protocol, name: &str) {
        self.times.sort();
        let median = self.times[self.times.len() / 2];
        let (min, max) = (self.trips.iter().min().unwrap(), self.trips.iter().max().unwrap());
        let trips = if min == max {
            min.to_string()
        } else {
            format!("{min}-{max}")
        };
        println!(
            "{:<8} {:<46} {:>8} {:>10.2} {:>6}",
            protocol.as_str(),
            name,
            trips,
            median.as_secs_f64() * 1e3,
            self.times.len()
        );
    }
}

async fn timed<F: Future<Output = Result<Applied, spine_sync::SyncError>>>(
    figures: &mut Figures,
    run: F,
) -> Applied {
    let started = Instant::now();
    let applied = run.await.expect("applied");
    figures.add(applied.clone(), started.elapsed());
    applied
}

async fn scenario(sim: &SimHandle, protocol: Protocol, base: usize) {
    let config = OdooConfig::new(
        &sim.url(),
        "spine",
        "admin",
        SecretString::from("sim-api-key".to_owned()),
    )
    .unwrap()
    .with_protocol(protocol);
    let odoo = OdooClient::new(config).unwrap();
    let journal = odoo
        .search(
            "account.journal",
            &spine_odoo::Domain::all().eq("type", "bank"),
            &Default::default(),
        )
        .await
        .unwrap()[0];
    let sync = Syncer::new(
        odoo,
        SyncConfig {
            default_bank_journal: Some(journal),
            validate_deliveries: true,
            ..SyncConfig::default()
        },
    );
    let (shop, stripe) = (
        SourceName::parse("shopify").unwrap(),
        SourceName::parse("stripe").unwrap(),
    );
    let mut cold = Figures::new();
    let mut new_customer = Figures::new();
    let mut known_customer = Figures::new();
    let mut repeat = Figures::new();
    let mut first_payment = Figures::new();
    let mut second_payment = Figures::new();
    let mut refund = Figures::new();
    let mut shipment = Figures::new();
    for i in 0..N {
        let n = base + i;
        let o = order(n, &format!("cust{n}"));
        let figures = if i == 0 { &mut cold } else { &mut new_customer };
        timed(figures, sync.order(&shop, &o)).await;
        let mut again = order(base + N + i, &format!("cust{n}"));
        again.order_id = SourceEventId::parse(&format!("bench{}", base + N + i)).unwrap();
        timed(&mut known_customer, sync.order(&shop, &again)).await;
        timed(&mut repeat, sync.order(&shop, &o)).await;
        let reference = o.order_ref(&shop);
        let pay = |id: String, minor| PaymentV1 {
            payment_id: SourceEventId::parse(&id).unwrap(),
            order: reference.clone(),
            amount: usd(minor),
            paid_at: "2026-11-20T10:05:00Z".parse().unwrap(),
            method: "card".into(),
            reference: id,
        };
        // 1×10.00 + 2×12.50 + 3×15.00 = 80.00, +15% = 92.00
        timed(
            &mut first_payment,
            sync.payment(&stripe, &pay(format!("pa{n}"), 5000)),
        )
        .await;
        timed(
            &mut second_payment,
            sync.payment(&stripe, &pay(format!("pb{n}"), 4200)),
        )
        .await;
        let back = RefundV1 {
            refund_id: SourceEventId::parse(&format!("re{n}")).unwrap(),
            payment_id: None,
            order: reference.clone(),
            amount: usd(9200),
            refunded_at: "2026-11-21T09:00:00Z".parse().unwrap(),
            reason: None,
        };
        timed(&mut refund, sync.refund(&stripe, &back)).await;
        let ship = ShipmentV1 {
            shipment_id: SourceEventId::parse(&format!("sh{n}")).unwrap(),
            order: reference,
            carrier: "ups".into(),
            tracking_number: format!("1Z{n}"),
            tracking_url: None,
            status: ShipmentStatus::InTransit,
            status_at: "2026-11-21T08:00:00Z".parse().unwrap(),
        };
        timed(&mut shipment, sync.shipment(&shop, &ship)).await;
    }
    cold.row(protocol, "order: new customer, 3 lines, cold instance");
    new_customer.row(protocol, "order: new customer, 3 lines");
    known_customer.row(protocol, "order: known customer, 3 lines");
    repeat.row(protocol, "order: same order again (already applied)");
    first_payment.row(protocol, "payment: first (invoice created, posted)");
    second_payment.row(protocol, "payment: on an invoiced order");
    refund.row(protocol, "refund: full (credit note posted)");
    shipment.row(protocol, "shipment: tracking + validation");
    throughput(Arc::new(sync), protocol, base + 10 * N).await;
}

/// New orders (new customers) per second, one at a time and 8 at a time.
async fn throughput(sync: Arc<Syncer>, protocol: Protocol, base: usize) {
    let shop = SourceName::parse("shopify").unwrap();
    for concurrency in [1usize, 8] {
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..concurrency {
            let (sync, shop) = (sync.clone(), shop.clone());
            tasks.spawn(async move {
                for i in 0..(200 / concurrency) {
                    let n = base + concurrency * 1000 + worker * 200 + i;
                    sync.order(&shop, &order(n, &format!("tp{n}")))
                        .await
                        .expect("applied");
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        let rate = 200.0 / started.elapsed().as_secs_f64();
        println!(
            "{:<8} {:<46} {:>8} {:>10.1} {:>6}",
            protocol.as_str(),
            format!("orders/s, {concurrency} at a time"),
            "-",
            rate,
            200
        );
    }
}

#[tokio::main]
async fn main() {
    let sim = SimHandle::start(SimConfig::default()).await.expect("simulator");
    let setup = OdooClient::new(
        OdooConfig::new(
            &sim.url(),
            "spine",
            "admin",
            SecretString::from("sim-api-key".to_owned()),
        )
        .unwrap(),
    )
    .unwrap();
    for sku in ["B-1", "B-2", "B-3"] {
        let vals = json!({"name": sku, "default_code": sku, "is_storable": true});
        setup
            .create("product.product", &[vals.as_object().unwrap().clone()])
            .await
            .unwrap();
    }
    println!(
        "{:<8} {:<46} {:>8} {:>10} {:>6}",
        "protocol", "event", "trips", "median ms", "n"
    );
    scenario(&sim, Protocol::Json2, 0).await;
    scenario(&sim, Protocol::JsonRpc, 100_000).await;
    sim.shutdown().await;
}
