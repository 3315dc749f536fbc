//! Figures for the queue path: the batch wrapper's own overhead (in-memory queue), and
//! round trips against the emulator for publish, park, peek and secret reads.
//! Run with `cargo bench -p spine-runtime`. Emulator figures measure moto on this
//! machine, not AWS: compare them with each other, not with production latencies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use spine_aws::queue::{
    EventMeta, FlowQueues, OutgoingEvent, ParkReason, QueueError, QueuedMessage, SqsQueues,
};
use spine_aws::secrets::{SecretsCache, SecretsConfig};
use spine_core::disposition::{Classify, Disposition};
use spine_core::ids::{CorrelationId, EventKey, Flow, SourceEventId, SourceName};
use spine_runtime::{BatchHandler, BatchPolicy, MessageActions, MessageContext, SqsActions};

struct Discard;

#[async_trait::async_trait]
impl MessageActions for Discard {
    async fn park(&self, _: &QueuedMessage, _: &ParkReason) -> Result<(), QueueError> {
        Ok(())
    }
    async fn delay(&self, _: &QueuedMessage, _: Duration) -> Result<(), QueueError> {
        Ok(())
    }
    async fn requeue(
        &self,
        _: &QueuedMessage,
        _: Duration,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), QueueError> {
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;
impl Classify for Never {
    fn disposition(&self) -> Disposition {
        Disposition::Permanent
    }
}

#[derive(serde::Deserialize)]
struct Job {
    #[allow(dead_code)] // read by serde only: the bench measures parsing, not use
    id: String,
}

fn row(name: &str, count: usize, elapsed: Duration) {
    let per = elapsed.as_secs_f64() * 1e6 / count as f64;
    println!(
        "{name:<44} {count:>7} {:>10.1} ms {per:>10.1} µs/op",
        elapsed.as_secs_f64() * 1e3
    );
}

fn records(n: usize, body: &str) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = (0..n)
        .map(|i| {
            let mut r = SqsMessage::default();
            r.message_id = Some(format!("m{i}"));
            r.receipt_handle = Some(format!("rh{i}"));
            r.body = Some(body.to_owned());
            r.attributes.insert("ApproximateReceiveCount".into(), "1".into());
            r
        })
        .collect();
    e
}

fn event(n: usize) -> OutgoingEvent {
    let source = SourceName::parse("shopify").expect("source");
    let id = SourceEventId::parse(&format!("e{n}")).expect("id");
    OutgoingEvent {
        body: format!(r#"{{"id":"e{n}"}}"#),
        meta: EventMeta {
            flow: Flow::Order,
            contract_version: "order.v1".into(),
            correlation_id: CorrelationId::generate(),
            event_key: EventKey::derive(&source, &id),
        },
    }
}

async fn wrapper_overhead() {
    let handler = |_: Job, _: MessageContext| async { Ok::<(), Never>(()) };
    let batch = BatchHandler::new(handler, Arc::new(Discard), BatchPolicy::default());
    let batches = 2_000;
    let start = Instant::now();
    for _ in 0..batches {
        let response = batch.handle(records(10, r#"{"id":"x"}"#)).await.expect("batch");
        assert!(response.batch_item_failures.is_empty());
    }
    row(
        "wrapper: 10-message batch, all ok (per msg)",
        batches * 10,
        start.elapsed(),
    );
    let start = Instant::now();
    for _ in 0..batches {
        batch.handle(records(10, "{broken")).await.expect("batch");
    }
    row(
        "wrapper: 10-message batch, all parse-parked",
        batches * 10,
        start.elapsed(),
    );
}

async fn emulator() {
    let client = spine_testkit::sqs().await;
    let make = |p: &str| {
        client
            .create_queue()
            .queue_name(spine_testkit::unique_name(p))
            .send()
    };
    let url = make("bench")
        .await
        .expect("queue")
        .queue_url()
        .unwrap_or_default()
        .to_owned();
    let dlq = make("bench-dlq")
        .await
        .expect("dlq")
        .queue_url()
        .unwrap_or_default()
        .to_owned();
    let queues = SqsQueues::new(client.clone());
    let events: Vec<_> = (0..200).map(event).collect();
    let start = Instant::now();
    let report = queues.publish(&url, &events).await;
    assert!(report.all_accepted());
    row(
        "moto: publish (SendMessageBatch, 20 requests)",
        200,
        start.elapsed(),
    );

    let actions = SqsActions::new(
        queues.clone(),
        FlowQueues {
            queue_url: url.clone(),
            dlq_url: dlq.clone(),
        },
    );
    let mut parked = 0;
    let start = Instant::now();
    while parked < 100 {
        for m in queues.receive(&url, 10).await.expect("receive") {
            let reason = ParkReason {
                class: "bench".into(),
                message: "x".into(),
                attempts: 1,
                first_failure: chrono::Utc::now(),
            };
            actions.park(&m, &reason).await.expect("park");
            parked += 1;
        }
    }
    row("moto: receive + park (send + delete)", parked, start.elapsed());
    let start = Instant::now();
    for _ in 0..50 {
        queues.peek(&dlq, 10).await.expect("peek");
    }
    row("moto: peek 10 (receive + visibility batch)", 50, start.elapsed());

    let sm = spine_testkit::secretsmanager().await;
    let name = spine_testkit::unique_name("bench-secret");
    sm.create_secret()
        .name(&name)
        .secret_string(r#"{"hmac_secret":"s"}"#)
        .send()
        .await
        .expect("secret");
    let cache = SecretsCache::new(sm, SecretsConfig::default());
    let start = Instant::now();
    for _ in 0..50 {
        cache.refresh_now(&name).await.expect("fetch");
    }
    row("moto: secret fetch (2 GetSecretValue)", 50, start.elapsed());
    let start = Instant::now();
    for _ in 0..100_000 {
        cache.get(&name).await.expect("hit");
    }
    row("secret cache hit", 100_000, start.elapsed());
}

#[tokio::main]
async fn main() {
    println!("{:<44} {:>7} {:>13} {:>15}", "case", "ops", "total", "per op");
    wrapper_overhead().await;
    emulator().await;
}
