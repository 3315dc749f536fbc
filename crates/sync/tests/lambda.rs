//! The sync functions' Lambda path against emulated AWS (moto) and the Odoo simulator:
//! the sample SQS batches in `events/sqs/` go through the real SQS queue, the
//! partial-batch wrapper, DynamoDB idempotency and the DynamoDB ledger.

mod common;

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
use common::*;
use serde_json::Value;
use spine_aws::idempotency::{DynamoIdempotencyStore, IdempotencyTableConfig, create_idempotency_table};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::{FlowQueues, SqsQueues};
use spine_core::idempotency::{Idempotency, IdempotencyConfig};
use spine_core::ledger::{Ledger, LedgerEntry, LedgerStatus};
use spine_core::{Envelope, Flow};
use spine_odoo::{OdooClient, Protocol};
use spine_runtime::BatchPolicy;
use spine_sync::lambda::{Deadline, SyncBatchHandler, batch_handler};
use spine_sync::{SyncConfig, Syncer, Worker};

const ORDER: &str = include_str!("../../../events/sqs/order.json");
const PAYMENT: &str = include_str!("../../../events/sqs/payment.json");
const REFUND: &str = include_str!("../../../events/sqs/refund.json");
const SHIPMENT: &str = include_str!("../../../events/sqs/shipment.json");
const POISON: &str = include_str!("../../../events/sqs/poison.json");

/// Emulated AWS resources and the Odoo side of one test.
struct World {
    _target: Target,
    odoo: OdooClient,
    ledger: Arc<DynamoLedger>,
    idempotency: Idempotency,
    sqs: aws_sdk_sqs::Client,
    queues: FlowQueues,
}

async fn world() -> World {
    let target = target_with(odoo_sim::SimConfig::default()).await;
    assert!(!target.is_real(), "the Lambda tests drive the simulator");
    let odoo = target.client(Protocol::Json2);
    product(&odoo, "MUG-01").await;
    product(&odoo, "CUP-02").await;
    let dynamodb = spine_testkit::dynamodb().await;
    let idem = spine_testkit::create_table(&dynamodb, "idem", create_idempotency_table).await;
    let ledger = spine_testkit::create_table(&dynamodb, "ledger", create_ledger_table).await;
    let sqs = spine_testkit::sqs().await;
    let (queue_url, dlq_url) = spine_testkit::create_queue_and_dlq(&sqs, "orders").await;
    World {
        _target: target,
        odoo,
        ledger: Arc::new(DynamoLedger::new(
            dynamodb.clone(),
            LedgerTableConfig { table: ledger },
        )),
        idempotency: Idempotency::new(
            Arc::new(DynamoIdempotencyStore::new(
                dynamodb,
                IdempotencyTableConfig { table: idem },
            )),
            IdempotencyConfig::default(),
        ),
        sqs,
        queues: FlowQueues { queue_url, dlq_url },
    }
}

impl World {
    async fn handler(&self, flow: Flow) -> SyncBatchHandler {
        let config = SyncConfig {
            validate_deliveries: true,
            default_bank_journal: Some(bank_journal(&self.odoo).await),
            ..SyncConfig::default()
        };
        let syncer = Arc::new(Syncer::new(self.odoo.clone(), config));
        let worker = Worker::new(
            flow,
            syncer,
            self.idempotency.clone(),
            self.ledger.clone(),
            None,
            "test-sync",
        );
        let actions = Arc::new(spine_runtime::SqsActions::new(
            SqsQueues::new(self.sqs.clone()),
            self.queues.clone(),
        ));
        let policy = BatchPolicy {
            concurrency: 2,
            ..BatchPolicy::default()
        };
        batch_handler(Arc::new(worker), actions, policy, Deadline::default())
    }

    /// Sends the sample's bodies (with their attributes) through the real queue and
    /// answers the Lambda event SQS would deliver for them: real message ids and
    /// receipt handles.
    async fn deliver(&self, sample: &str) -> SqsEvent {
        let mut event: Value = serde_json::from_str(sample).unwrap();
        let records = event["Records"].as_array_mut().unwrap();
        for record in records.iter() {
            let mut send = self
                .sqs
                .send_message()
                .queue_url(&self.queues.queue_url)
                .message_body(record["body"].as_str().unwrap());
            for (name, attr) in record["messageAttributes"].as_object().unwrap() {
                let value = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(attr["stringValue"].as_str().unwrap())
                    .build()
                    .unwrap();
                send = send.message_attributes(name, value);
            }
            send.send().await.unwrap();
        }
        let mut received = Vec::new();
        while received.len() < records.len() {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queues.queue_url)
                .max_number_of_messages(10)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap();
            received.extend(out.messages.unwrap_or_default());
        }
        for record in records.iter_mut() {
            let body = record["body"].as_str().unwrap().to_owned();
            let at = received
                .iter()
                .position(|m| m.body.as_deref() == Some(body.as_str()))
                .unwrap();
            let message = received.remove(at);
            record["messageId"] = Value::from(message.message_id.unwrap());
            record["receiptHandle"] = Value::from(message.receipt_handle.unwrap());
        }
        serde_json::from_value(event).unwrap()
    }

    /// The ingress side: every event of the sample recorded as RECEIVED.
    async fn accept(&self, sample: &str) -> Vec<Envelope> {
        let event: SqsEvent = serde_json::from_str(sample).unwrap();
        let mut envelopes = Vec::new();
        for record in event.records {
            let envelope = Envelope::from_json(record.body.as_deref().unwrap()).unwrap();
            self.ledger.put_received(&entry(&envelope)).await.unwrap();
            envelopes.push(envelope);
        }
        envelopes
    }

    async fn status(&self, envelope: &Envelope) -> LedgerStatus {
        self.ledger
            .get(&envelope.event_key)
            .await
            .unwrap()
            .unwrap()
            .status
    }

    async fn dlq(&self) -> Vec<aws_sdk_sqs::types::Message> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queues.dlq_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .unwrap();
        out.messages.unwrap_or_default()
    }
}

fn entry(envelope: &Envelope) -> LedgerEntry {
    LedgerEntry::received(envelope, "webhook").expect("a storable envelope")
}

fn failures(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn each_flows_batch_applies_once_and_a_redelivery_replays_without_odoo() {
    let world = world().await;
    for (flow, sample) in [
        (Flow::Order, ORDER),
        (Flow::Payment, PAYMENT),
        (Flow::Shipment, SHIPMENT),
        (Flow::Refund, REFUND),
    ] {
        let handler = world.handler(flow).await;
        let envelopes = world.accept(sample).await;
        let response = handler.handle(world.deliver(sample).await).await.unwrap();
        assert!(
            failures(&response).is_empty(),
            "{flow}: {:?}",
            failures(&response)
        );
        for envelope in &envelopes {
            let LedgerStatus::Applied { records } = world.status(envelope).await else {
                panic!("{flow}: not applied");
            };
            assert!(!records.is_empty(), "{flow}: touched records recorded");
        }
        // SQS delivers the same message again (new message id, same body).
        let before = world.odoo.metrics();
        let response = handler.handle(world.deliver(sample).await).await.unwrap();
        assert!(failures(&response).is_empty(), "{flow}");
        assert_eq!(
            world.odoo.metrics().since(&before).round_trips,
            0,
            "{flow}: replayed from the idempotency record"
        );
    }
    let order = Envelope::from_json(&body(ORDER)).unwrap();
    let spine_core::CanonicalEvent::OrderV1(order) = order.event else {
        panic!("an order sample")
    };
    let order_id = xid_id(&world.odoo, &order_ref(&order).sale_order_xid())
        .await
        .expect("order in Odoo");
    let so = read_one(
        &world.odoo,
        "sale.order",
        order_id,
        &["state", "invoice_ids", "picking_ids"],
    )
    .await;
    assert_eq!(so["state"], "sale");
    let invoice = xid_id(&world.odoo, &order_ref(&order).invoice_xid())
        .await
        .expect("invoice");
    let inv = read_one(&world.odoo, "account.move", invoice, &["payment_state"]).await;
    assert_eq!(
        inv["payment_state"], "paid",
        "the sample payment is the order's Odoo total"
    );
    let picking = so["picking_ids"][0].as_i64().unwrap();
    let pick = read_one(
        &world.odoo,
        "stock.picking",
        picking,
        &["carrier_tracking_ref", "state"],
    )
    .await;
    assert_eq!(pick["carrier_tracking_ref"], "1Z999AA10123456784");
    assert_eq!(pick["state"], "done");
    let credit = spine_odoo::Domain::all().eq("reversed_entry_id", invoice);
    assert_eq!(count(&world.odoo, "account.move", credit).await, 1);
}

fn body(sample: &str) -> String {
    let event: SqsEvent = serde_json::from_str(sample).unwrap();
    event.records[0].body.clone().unwrap()
}

#[tokio::test]
async fn poison_and_business_failures_are_parked_after_one_attempt() {
    let world = world().await;
    let handler = world.handler(Flow::Order).await;
    // An order naming a SKU Odoo does not have: a valid envelope, a business failure.
    let mut unknown: Value = serde_json::from_str(&body(ORDER)).unwrap();
    unknown["event"]["lines"][1]["sku"] = Value::from("NOPE-404");
    let mut batch: Value = serde_json::from_str(POISON).unwrap();
    let mut record = batch["Records"][0].clone();
    record["body"] = Value::from(unknown.to_string());
    batch["Records"].as_array_mut().unwrap().push(record);
    let sample = batch.to_string();
    let envelope = Envelope::from_json(&unknown.to_string()).unwrap();
    world.ledger.put_received(&entry(&envelope)).await.unwrap();

    let response = handler.handle(world.deliver(&sample).await).await.unwrap();
    assert!(
        failures(&response).is_empty(),
        "parked, not retried: {:?}",
        failures(&response)
    );
    let parked = world.dlq().await;
    assert_eq!(parked.len(), 3, "all three in the DLQ");
    let class = |m: &aws_sdk_sqs::types::Message| {
        m.message_attributes()
            .and_then(|a| a.get("error_class"))
            .and_then(|v| v.string_value().map(str::to_owned))
            .unwrap_or_default()
    };
    let mut classes: Vec<String> = parked.iter().map(class).collect();
    classes.sort();
    assert_eq!(classes, ["parse", "parse", "permanent"]);
    let LedgerStatus::Parked {
        reason_class,
        message,
    } = world.status(&envelope).await
    else {
        panic!("the ledger says PARKED");
    };
    assert_eq!(reason_class, "business");
    assert!(message.contains("NOPE-404"), "{message}");
}

#[test]
fn the_samples_are_lambda_events_whose_bodies_check_and_the_poison_does_not() {
    for (flow, sample) in [
        (Flow::Order, ORDER),
        (Flow::Payment, PAYMENT),
        (Flow::Refund, REFUND),
        (Flow::Shipment, SHIPMENT),
    ] {
        let event: SqsEvent = serde_json::from_str(sample).unwrap();
        let checked: spine_sync::lambda::CheckedEnvelope = serde_json::from_str(&body(sample)).unwrap();
        assert_eq!(checked.0.flow(), flow);
        let attribute = event.records[0]
            .message_attributes
            .get("flow")
            .and_then(|a| a.string_value.clone());
        assert_eq!(attribute.as_deref(), Some(flow.as_str()));
    }
    let poison: SqsEvent = serde_json::from_str(POISON).unwrap();
    assert_eq!(poison.records.len(), 2);
    for record in poison.records {
        let body = record.body.unwrap();
        let parsed = serde_json::from_str::<spine_sync::lambda::CheckedEnvelope>(&body);
        assert!(parsed.is_err(), "poison must not parse: {body:.60}");
    }
}

#[test]
fn every_flow_names_its_environment() {
    let names = spine_sync::lambda::env_names::all(Flow::Payment);
    for expected in [
        "ODOO_SECRET_ID",
        "IDEMPOTENCY_TABLE",
        "LEDGER_TABLE",
        "PAYMENT_QUEUE_URL",
        "PAYMENT_DLQ_URL",
        "SPINE_BANK_JOURNALS",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    assert!(!names.contains(&"ORDER_QUEUE_URL"), "only the flow's own queue");
}
