//! The redrive function's handler with the sample requests of `events/redrive/`, against
//! emulated AWS: a flow's queue and DLQ and a ledger table per test.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use redrive::{Request, handle};
use serde_json::{Value, json};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::{FlowQueues, SqsQueues, attr};
use spine_core::ledger::{Ledger, LedgerStatus};
use spine_core::{Envelope, EventKey, Flow};
use spine_testkit::orders;
use spinectl::Operator;

const DRY_RUN: &str = include_str!("../../../events/redrive/dry-run.json");
const FILTERED: &str = include_str!("../../../events/redrive/filtered.json");
const BY_KEYS: &str = include_str!("../../../events/redrive/by-event-keys.json");
const DISCARD: &str = include_str!("../../../events/redrive/discard.json");
const LIST: &str = include_str!("../../../events/redrive/list.json");

struct World {
    sqs: aws_sdk_sqs::Client,
    queues: FlowQueues,
    ledger: Arc<DynamoLedger>,
    operator: Operator,
}

async fn world() -> World {
    let sqs = spine_testkit::sqs().await;
    let dynamodb = spine_testkit::dynamodb().await;
    let table = spine_testkit::create_table(&dynamodb, "ledger", create_ledger_table).await;
    let (queue_url, dlq_url) = spine_testkit::create_queue_and_dlq(&sqs, "orders").await;
    let queues = FlowQueues { queue_url, dlq_url };
    let ledger = Arc::new(DynamoLedger::new(dynamodb, LedgerTableConfig { table }));
    let port: Arc<dyn Ledger> = ledger.clone();
    let operator = Operator::new(
        SqsQueues::new(sqs.clone()),
        vec![(Flow::Order, queues.clone())],
        Some(port),
    )
    .with_hold(Duration::from_secs(2));
    World {
        sqs,
        queues,
        ledger,
        operator,
    }
}

/// The sample order with fresh ids.
fn envelope() -> Envelope {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let order_id = (u128::from_str_radix(&id, 16).unwrap() % 1_000_000_000_000).to_string();
    orders::order_envelope(&id, &order_id)
}

impl World {
    /// A PARKED ledger entry and its message in the DLQ with the reason attributes.
    async fn park(&self, class: &str) -> Envelope {
        let e = envelope();
        let entry = orders::bare_received_entry(&e);
        self.ledger.put_received(&entry).await.unwrap();
        self.ledger
            .mark_parked(&e.event_key, class, "why", Utc::now(), "order-sync")
            .await
            .unwrap();
        let string = |v: &str| {
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(v)
                .build()
                .unwrap()
        };
        self.sqs
            .send_message()
            .queue_url(&self.queues.dlq_url)
            .message_body(e.to_json())
            .message_attributes(attr::EVENT_KEY, string(e.event_key.as_str()))
            .message_attributes(attr::ERROR_CLASS, string(class))
            .message_attributes(attr::ERROR_MESSAGE, string("why"))
            .message_attributes(attr::ATTEMPTS, string("3"))
            .message_attributes(attr::FIRST_FAILURE, string(&Utc::now().to_rfc3339()))
            .send()
            .await
            .unwrap();
        e
    }

    async fn count(&self, url: &str) -> usize {
        let flows = vec![(
            Flow::Order,
            FlowQueues {
                queue_url: url.into(),
                dlq_url: url.into(),
            },
        )];
        let op =
            Operator::new(SqsQueues::new(self.sqs.clone()), flows, None).with_hold(Duration::from_secs(2));
        op.list(None, &spinectl::Filter::default()).await.unwrap().len()
    }
}

fn request(sample: &str, replace_keys: &[&EventKey]) -> Request {
    let mut value: Value = serde_json::from_str(sample).unwrap();
    if let Some(events) = value.get_mut("events") {
        *events = json!(replace_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>());
    }
    if value.get("event_key").is_some() {
        value["event_key"] = json!(replace_keys[0].to_string());
    }
    serde_json::from_value(value).unwrap()
}

#[test]
fn every_sample_is_a_valid_request_and_unknown_fields_are_refused() {
    for sample in [DRY_RUN, FILTERED, BY_KEYS, DISCARD, LIST] {
        serde_json::from_str::<Request>(sample).unwrap();
    }
    assert!(matches!(
        serde_json::from_str(DRY_RUN),
        Ok(Request::Redrive { dry_run: true, .. })
    ));
    assert!(serde_json::from_str::<Request>(r#"{"action":"redrive","dryrun":true}"#).is_err());
    assert!(serde_json::from_str::<Request>(r#"{"action":"redrive","flow":"orders"}"#).is_err());
}

#[tokio::test]
async fn the_dry_run_sample_reports_and_moves_nothing() {
    let world = world().await;
    world.park("permanent").await;
    world.park("waiting_on_dependency").await;

    let answer = handle(&world.operator, request(DRY_RUN, &[])).await.unwrap();

    assert_eq!(
        (answer["dry_run"].as_bool(), answer["matched"].as_u64()),
        (Some(true), Some(2))
    );
    assert_eq!(answer["items"][0]["outcome"], "would_redrive");
    assert_eq!(world.count(&world.queues.dlq_url).await, 2);
    assert_eq!(world.count(&world.queues.queue_url).await, 0);
}

#[tokio::test]
async fn the_filtered_sample_redrives_the_matching_ones_with_an_audit_line() {
    let world = world().await;
    let stuck = world.park("permanent").await;
    let waiting = world.park("waiting_on_dependency").await;

    let answer = handle(&world.operator, request(FILTERED, &[])).await.unwrap();

    assert_eq!(
        (answer["matched"].as_u64(), answer["redriven"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(answer["items"][0]["event_key"], waiting.event_key.as_str());
    assert_eq!(world.count(&world.queues.queue_url).await, 1);
    let entry = world.ledger.get(&waiting.event_key).await.unwrap().unwrap();
    let line = entry.history.iter().find(|h| h.action == "redrive").unwrap();
    assert_eq!(line.actor, "lambda:alice@example.com");
    assert!(line.detail.as_deref().unwrap().contains("orders imported"));
    assert_eq!(entry.status, LedgerStatus::Queued);
    let untouched = world.ledger.get(&stuck.event_key).await.unwrap().unwrap();
    assert!(untouched.history.iter().all(|h| h.action != "redrive"));
}

#[tokio::test]
async fn the_by_event_keys_sample_redrives_only_those() {
    let world = world().await;
    let (a, b, _c) = (
        world.park("permanent").await,
        world.park("permanent").await,
        world.park("permanent").await,
    );

    let answer = handle(&world.operator, request(BY_KEYS, &[&a.event_key, &b.event_key]))
        .await
        .unwrap();

    assert_eq!(
        (answer["matched"].as_u64(), answer["redriven"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(world.count(&world.queues.dlq_url).await, 1);
    assert_eq!(world.count(&world.queues.queue_url).await, 2);
}

#[tokio::test]
async fn the_discard_and_list_samples() {
    let world = world().await;
    let gone = world.park("permanent").await;
    world.park("waiting_on_dependency").await;

    let listed = handle(&world.operator, request(LIST, &[])).await.unwrap();
    let answer = handle(&world.operator, request(DISCARD, &[&gone.event_key]))
        .await
        .unwrap();

    assert_eq!(listed["count"], 1, "only the permanent one: {listed}");
    assert_eq!(listed["messages"][0]["event_key"], gone.event_key.as_str());
    assert_eq!(
        (answer["deleted"].as_u64(), answer["ledger_status"].as_str()),
        (Some(1), Some("DISCARDED"))
    );
    let entry = world.ledger.get(&gone.event_key).await.unwrap().unwrap();
    assert!(
        matches!(entry.status, LedgerStatus::Discarded { ref by, .. } if by == "lambda:alice@example.com")
    );
    assert_eq!(world.count(&world.queues.dlq_url).await, 1);
    let again = handle(&world.operator, request(DISCARD, &[&gone.event_key]))
        .await
        .unwrap_err();
    assert!(again.to_string().contains("no parked message"), "{again}");
}
