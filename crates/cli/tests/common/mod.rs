//! Helpers for the spinectl tests: a flow's queue and DLQ and a ledger table on emulated
//! AWS (unique names per test), order events parked the way the workers park them
//! (ledger PARKED, message moved by `SqsQueues::park` with a reason), and the sync worker
//! over the Odoo simulator to apply what a redrive sends back.

#![allow(dead_code)]

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use chrono::Utc;
use serde_json::{Value, json};
use spine_aws::idempotency::{DynamoIdempotencyStore, IdempotencyTableConfig, create_idempotency_table};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::{EventMeta, FlowQueues, OutgoingEvent, ParkReason, SqsQueues};
use spine_core::idempotency::{Idempotency, IdempotencyConfig};
use spine_core::ledger::{Ledger, LedgerEntry};
use spine_core::{Envelope, Flow};
use spine_odoo::{Domain, OdooClient, Protocol, SearchOpts};
use spine_runtime::BatchPolicy;
use spine_sync::lambda::{Deadline, batch_handler};
use spine_sync::{SyncConfig, Syncer, Worker};
use spine_testkit::odoo::{Target, product, target};
use spine_testkit::{orders, unique_name};
use spinectl::Operator;

/// One flow's queues and a ledger table, all fresh.
pub struct World {
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub queues: FlowQueues,
    pub ledger_table: String,
    pub ledger: Arc<DynamoLedger>,
}

pub async fn world() -> World {
    let sqs = spine_testkit::sqs().await;
    let dynamodb = spine_testkit::dynamodb().await;
    let ledger_table = spine_testkit::create_table(&dynamodb, "ledger", create_ledger_table).await;
    // SQS's default visibility timeout (30 s) is longer than any batch the worker takes
    // here, so a drain never sees a message twice. (The DLQ's own timeout does not
    // matter: spinectl's scans set their hold on every receive.)
    let (queue_url, dlq_url) = spine_testkit::create_queue_and_dlq(&sqs, "orders").await;
    let queues = FlowQueues { queue_url, dlq_url };
    let config = LedgerTableConfig {
        table: ledger_table.clone(),
    };
    let ledger = Arc::new(DynamoLedger::new(dynamodb.clone(), config));
    World {
        sqs,
        dynamodb,
        queues,
        ledger_table,
        ledger,
    }
}

/// A valid order envelope (the sample's content) with fresh ids, its own correlation id
/// and an order number matching its order id.
pub fn order_envelope() -> Envelope {
    let id = unique_name("o");
    let order_id = numeric_id().to_string();
    let mut body = orders::order_json(&id, &order_id);
    body["correlation_id"] = json!(format!("corr-{id}"));
    body["event"]["order_number"] = json!(format!("#{order_id}"));
    Envelope::from_json(&body.to_string()).unwrap()
}

/// A 12-digit number unique per call (Shopify-style order ids are numeric).
fn numeric_id() -> u64 {
    let name = unique_name("x");
    u64::from_str_radix(&name[2..], 16).unwrap() % 1_000_000_000_000
}

impl World {
    /// Records `envelope` in the ledger (RECEIVED, QUEUED, PARKED) and parks its message
    /// in the DLQ with `class`, as a worker does.
    pub async fn park(&self, envelope: &Envelope, class: &str) {
        self.ledger.put_received(&ledger_entry(envelope)).await.unwrap();
        let key = &envelope.event_key;
        self.ledger.mark_queued(key, Utc::now(), "webhook").await.unwrap();
        self.park_copy(envelope, class).await;
    }

    /// Parks one more message of `envelope`, already PARKED in the ledger (what a worker
    /// killed between parking and deleting leaves: two copies in the DLQ).
    pub async fn park_copy(&self, envelope: &Envelope, class: &str) {
        let key = &envelope.event_key;
        let queues = SqsQueues::new(self.sqs.clone());
        let event = OutgoingEvent {
            body: envelope.to_json(),
            meta: EventMeta {
                flow: Flow::Order,
                contract_version: envelope.contract().to_string(),
                correlation_id: envelope.correlation_id.clone(),
                event_key: key.clone(),
            },
        };
        assert!(
            queues
                .publish(&self.queues.queue_url, &[event])
                .await
                .all_accepted()
        );
        let received = loop {
            let got = queues.receive(&self.queues.queue_url, 1).await.unwrap();
            if let Some(m) = got.into_iter().next() {
                break m;
            }
        };
        let reason = ParkReason {
            class: class.into(),
            message: format!("{class} failure for {key}"),
            attempts: 3,
            first_failure: Utc::now(),
        };
        // A second copy finds the entry PARKED already.
        let _ = self
            .ledger
            .mark_parked(key, class, &reason.message, Utc::now(), "order-sync")
            .await;
        let (queue, dlq) = (&self.queues.queue_url, &self.queues.dlq_url);
        queues.park(queue, dlq, &received, &reason).await.unwrap();
    }

    /// An operator over this world's flow with a 2 s hold.
    pub fn operator(&self) -> Operator {
        let ledger: Arc<dyn Ledger> = self.ledger.clone();
        Operator::new(
            SqsQueues::new(self.sqs.clone()),
            vec![(Flow::Order, self.queues.clone())],
            Some(ledger),
        )
        .with_hold(Duration::from_secs(2))
    }

    /// Message bodies currently in `url` (scanned, then made visible again).
    pub async fn bodies(&self, url: &str) -> Vec<String> {
        let flows = vec![(
            Flow::Order,
            FlowQueues {
                queue_url: url.into(),
                dlq_url: url.into(),
            },
        )];
        let op =
            Operator::new(SqsQueues::new(self.sqs.clone()), flows, None).with_hold(Duration::from_secs(2));
        let listed = op.list(None, &spinectl::Filter::default()).await.unwrap();
        listed.into_iter().map(|p| p.message.body).collect()
    }

    /// The spinectl binary with this world's configuration and nothing else from the
    /// environment that could point it elsewhere.
    pub fn spinectl(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spinectl"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", spine_testkit::endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "2")
            .env("ORDER_QUEUE_URL", &self.queues.queue_url)
            .env("ORDER_DLQ_URL", &self.queues.dlq_url)
            .env("LEDGER_TABLE", &self.ledger_table)
            .env("SPINECTL_HOLD_SECONDS", "2")
            .env("SPINECTL_ACTOR", "test-operator");
        cmd
    }
}

/// The ledger entry the webhook writes for `envelope`.
pub fn ledger_entry(envelope: &Envelope) -> LedgerEntry {
    LedgerEntry::received(envelope, "webhook").expect("a storable envelope")
}

/// The order worker over the Odoo simulator, with DynamoDB idempotency and this world's
/// ledger: what the order-sync function runs.
pub struct Applier {
    pub target: Target,
    pub odoo: OdooClient,
    handler: spine_sync::lambda::SyncBatchHandler,
}

impl World {
    pub async fn applier(&self) -> Applier {
        let target = target().await;
        let odoo = target.client(Protocol::Json2);
        product(&odoo, "MUG-01").await;
        product(&odoo, "CUP-02").await;
        let table = spine_testkit::create_table(&self.dynamodb, "idem", create_idempotency_table).await;
        let store = DynamoIdempotencyStore::new(self.dynamodb.clone(), IdempotencyTableConfig { table });
        let idempotency = Idempotency::new(Arc::new(store), IdempotencyConfig::default());
        let syncer = Arc::new(Syncer::new(odoo.clone(), SyncConfig::default()));
        let worker = Worker::new(
            Flow::Order,
            syncer,
            idempotency,
            self.ledger.clone(),
            None,
            "order-sync",
        );
        let actions = Arc::new(spine_runtime::SqsActions::new(
            SqsQueues::new(self.sqs.clone()),
            self.queues.clone(),
        ));
        // One message at a time: two copies in one batch would otherwise meet as
        // "in progress" and the second retried after a backoff (covered by spine-sync's
        // own tests); here the copy must replay within the drain.
        let policy = BatchPolicy {
            concurrency: 1,
            ..BatchPolicy::default()
        };
        let handler = batch_handler(Arc::new(worker), actions, policy, Deadline::default());
        Applier {
            target,
            odoo,
            handler,
        }
    }

    /// Drains the work queue through the worker; returns how many messages it handled.
    pub async fn drain(&self, applier: &Applier) -> usize {
        let mut handled = 0;
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queues.queue_url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return handled;
            }
            handled += messages.len();
            let response = applier
                .handler
                .handle(lambda_event(&self.queues.queue_url, &messages))
                .await
                .unwrap();
            assert!(
                response.batch_item_failures.is_empty(),
                "worker failures: {:?}",
                response.batch_item_failures
            );
        }
    }
}

/// The Lambda event SQS would deliver for `messages`.
fn lambda_event(queue_url: &str, messages: &[aws_sdk_sqs::types::Message]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attrs: serde_json::Map<String, Value> = m
                .message_attributes()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        json!({"stringValue": v.string_value(), "dataType": "String"}),
                    )
                })
                .collect();
            json!({
                "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": attrs, "eventSource": "aws:sqs", "eventSourceARN": queue_url,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// Sale orders in the simulator whose client_order_ref or name matches none: every one.
pub async fn sale_orders(odoo: &OdooClient) -> usize {
    odoo.search("sale.order", &Domain::all(), &SearchOpts::default())
        .await
        .unwrap()
        .len()
}
