//! The known world of issue 7: sale orders applied to the Odoo under test (simulator, or
//! a real Odoo from `ODOO_*`) by the real spine-sync order flow, their ledger entries in
//! a DynamoDB table in moto, queues in moto; and the changes made behind the spine's
//! back. Every name is unique, and the orders are dated on a random past day, so runs
//! against one real database or one emulator never see each other.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_core::contracts::{CanonicalEvent, Customer, OrderLine, OrderV1};
use spine_core::ledger::{LedgerStatus, OdooRecords};
use spine_core::{
    CorrelationId, Currency, Envelope, Flow, Ledger, LedgerEntry, Money, Sku, SourceEventId, SourceName,
};
use spine_odoo::{Domain, Kwargs, OdooClient, SearchOpts};
use spine_sync::{SyncConfig, Syncer};
use spine_testkit::odoo::{Target, product, rec, unique};
use spine_testkit::unique_name;

pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").unwrap())
}

/// A past day no other run is likely to use (orders are dated on it).
pub fn random_day() -> NaiveDate {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let base: NaiveDate = "2015-01-01".parse().unwrap();
    base + Duration::days((nanos % 3000) as i64)
}

pub fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

/// An order of 2 × a at 12.50 and 1 × b at 5.00, with Odoo's 15% tax in its total.
pub fn order(a: &Sku, b: &Sku, day: NaiveDate) -> OrderV1 {
    let id = unique("o");
    let line = |n: &str, sku: &Sku, quantity, price| OrderLine {
        line_id: n.into(),
        sku: sku.clone(),
        name: format!("Item {sku}"),
        quantity,
        unit_price: usd(price),
        discount: usd(0),
    };
    OrderV1 {
        order_id: SourceEventId::parse(&id).unwrap(),
        order_number: format!("#{id}"),
        revision: 0,
        placed_at: at(day, 10),
        currency: Currency::parse("USD").unwrap(),
        customer: Customer {
            customer_id: unique("cust"),
            name: "Ada Lovelace".into(),
            email: None,
            phone: None,
        },
        lines: vec![line("l1", a, 2, 1250), line("l2", b, 1, 500)],
        shipping: None,
        tax_total: usd(450),
        total: usd(3450),
        prices_include_tax: false,
        shipping_address: None,
        note: None,
    }
}

pub fn envelope(order: OrderV1, received: DateTime<Utc>) -> Envelope {
    Envelope::new(
        SourceName::parse("shopify").unwrap(),
        SourceEventId::parse(&unique("evt")).unwrap(),
        "orders/create",
        CorrelationId::generate(),
        order.placed_at,
        received,
        CanonicalEvent::OrderV1(order),
    )
    .unwrap()
}

/// The RECEIVED ledger entry the webhook writes for `envelope`.
pub fn entry(envelope: &Envelope) -> LedgerEntry {
    LedgerEntry {
        event_key: envelope.event_key.clone(),
        source: envelope.source.clone(),
        source_event_id: envelope.source_event_id.clone(),
        flow: envelope.flow(),
        business_key: envelope.business_key.clone(),
        contract_version: envelope.contract().as_str().into(),
        topic: envelope.topic.clone(),
        correlation_id: envelope.correlation_id.clone(),
        received_at: envelope.received_at,
        occurred_at: Some(envelope.occurred_at),
        amount: envelope.event.amount(),
        status: LedgerStatus::Received,
        updated_at: envelope.received_at,
        history: vec![],
        payload: serde_json::to_value(envelope).unwrap(),
    }
}

/// Everything the tests touch.
pub struct World {
    pub day: NaiveDate,
    pub odoo: OdooClient,
    pub ledger: Arc<DynamoLedger>,
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub queue_url: String,
    pub dlq_url: String,
    /// The applied envelopes, in order: fine, deleted, duplicated, amount changed.
    pub applied: Vec<Envelope>,
    /// The odoo ids of the applied orders, same order.
    pub order_ids: Vec<i64>,
    pub stuck: Envelope,
    pub hand_made: i64,
}

pub async fn create_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(unique_name(prefix))
        .send()
        .await
        .expect("queue created")
        .queue_url
        .unwrap()
}

/// Builds the known world of issue 7 (see the module documentation).
pub async fn world(target: &Target) -> World {
    let protocol = target.protocols()[0];
    let odoo = target.client(protocol);
    let day = random_day();
    let dynamodb = spine_testkit::dynamodb().await;
    let table = unique_name("ledger");
    create_ledger_table(&dynamodb, &table)
        .unwrap()
        .send()
        .await
        .expect("ledger table");
    let ledger = Arc::new(DynamoLedger::new(dynamodb.clone(), LedgerTableConfig { table }));
    let sqs = spine_testkit::sqs().await;
    let (queue_url, dlq_url) = (
        create_queue(&sqs, "orders").await,
        create_queue(&sqs, "orders-dlq").await,
    );
    let config = SyncConfig {
        // Quotations: a deleted one is what an operator can delete by hand.
        confirm_orders: false,
        ..SyncConfig::default()
    };
    let syncer = Syncer::new(target.client(protocol), config);
    let (a, b) = (unique("MUG").to_uppercase(), unique("CUP").to_uppercase());
    product(&odoo, &a).await;
    product(&odoo, &b).await;
    let (a, b) = (Sku::parse(&a).unwrap(), Sku::parse(&b).unwrap());
    let mut applied = Vec::new();
    let mut order_ids = Vec::new();
    for i in 0..4 {
        let envelope = envelope(order(&a, &b, day), at(day, 10) + Duration::minutes(i));
        let done = syncer.apply(&envelope).await.expect("order applied");
        let ledger_entry = entry(&envelope);
        ledger.put_received(&ledger_entry).await.unwrap();
        let when = envelope.received_at + Duration::seconds(5);
        ledger
            .mark_queued(&envelope.event_key, when, "webhook")
            .await
            .unwrap();
        let records = records(&done.touched);
        ledger
            .mark_applied(&envelope.event_key, &records, when, "order-sync")
            .await
            .unwrap();
        order_ids.push(done.touched[0].id);
        applied.push(envelope);
    }
    // Deleted by hand; a duplicate typed in by hand; an amount changed in Odoo.
    odoo.call(
        "sale.order",
        "action_cancel",
        &[order_ids[1]],
        Kwargs::new(),
        None,
    )
    .await
    .unwrap();
    odoo.call("sale.order", "unlink", &[order_ids[1]], Kwargs::new(), None)
        .await
        .unwrap();
    let hand_made = copy_order(&odoo, order_ids[2]).await;
    change_price(&odoo, order_ids[3]).await;
    // Stuck: queued long ago, never applied.
    let stuck = envelope(order(&a, &b, day), at(day, 11));
    ledger.put_received(&entry(&stuck)).await.unwrap();
    ledger
        .mark_queued(&stuck.event_key, at(day, 11), "webhook")
        .await
        .unwrap();
    for n in 0..2 {
        sqs.send_message()
            .queue_url(&dlq_url)
            .message_body(format!("parked {n}"))
            .send()
            .await
            .unwrap();
    }
    World {
        day,
        odoo,
        ledger,
        sqs,
        dynamodb,
        queue_url,
        dlq_url,
        applied,
        order_ids,
        stuck,
        hand_made,
    }
}

fn records(touched: &[spine_sync::Touched]) -> Vec<OdooRecords> {
    let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for t in touched {
        by_model.entry(t.model.clone()).or_default().push(t.id);
    }
    by_model
        .into_iter()
        .map(|(model, ids)| OdooRecords { model, ids })
        .collect()
}

/// A new order typed in by hand with the same customer, reference and date.
async fn copy_order(odoo: &OdooClient, id: i64) -> i64 {
    let rows = odoo
        .read(
            "sale.order",
            &[id],
            &["partner_id", "client_order_ref", "date_order"],
        )
        .await
        .unwrap();
    let row = &rows[0];
    let partner = row["partner_id"].as_array().and_then(|p| p[0].as_i64()).unwrap();
    let vals = rec(json!({
        "partner_id": partner,
        "client_order_ref": row["client_order_ref"],
        "date_order": row["date_order"],
    }));
    odoo.create("sale.order", &[vals]).await.unwrap()[0]
}

/// Raises one line's price: the order's total in Odoo no longer matches the source's.
async fn change_price(odoo: &OdooClient, order_id: i64) {
    let lines = odoo
        .search(
            "sale.order.line",
            &Domain::all().eq("order_id", order_id),
            &SearchOpts::default(),
        )
        .await
        .unwrap();
    odoo.write("sale.order.line", &lines[..1], &rec(json!({"price_unit": 20.0})))
        .await
        .unwrap();
}

/// The flow-to-queue map the healer uses.
pub fn queues(world: &World) -> BTreeMap<Flow, String> {
    [(Flow::Order, world.queue_url.clone())].into()
}

pub fn value_str(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}
