//! Messages redriven per second against emulated AWS (moto): 1,000 parked order events,
//! each with its ledger entry, redriven by `Operator::redrive` (per message: the audit
//! line, SendMessage, the QUEUED mark, DeleteMessage), after a dry run that only scans.
//! Run with `cargo bench -p spinectl`; needs the emulator (started like the tests).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::{EventMeta, FlowQueues, OutgoingEvent, SqsQueues};
use spine_core::ledger::Ledger;
use spine_core::{Envelope, Flow};
use spine_testkit::{orders, unique_name};
use spinectl::{Actor, Operator, RedriveRequest};

const MESSAGES: usize = 1000;

#[tokio::main]
async fn main() {
    let sqs = spine_testkit::sqs().await;
    let dynamodb = spine_testkit::dynamodb().await;
    let table = spine_testkit::create_table(&dynamodb, "bench-ledger", create_ledger_table).await;
    let (queue_url, dlq_url) = spine_testkit::create_queue_and_dlq(&sqs, "bench-orders").await;
    let queues = FlowQueues { queue_url, dlq_url };
    let ledger = Arc::new(DynamoLedger::new(dynamodb, LedgerTableConfig { table }));

    let started = Instant::now();
    let events = fill(&SqsQueues::new(sqs.clone()), &queues.dlq_url, &ledger).await;
    let fill_time = started.elapsed();

    let port: Arc<dyn Ledger> = ledger.clone();
    let op = Operator::new(SqsQueues::new(sqs), vec![(Flow::Order, queues)], Some(port))
        .with_hold(Duration::from_secs(600));
    let actor = Actor::parse("bench", "operator").expect("actor");
    let dry = RedriveRequest {
        dry_run: true,
        ..RedriveRequest::default()
    };
    let started = Instant::now();
    let scanned = op.redrive(&dry, &actor, &mut |_| {}).await.expect("dry run");
    let dry_time = started.elapsed();
    let started = Instant::now();
    let done = op
        .redrive(&RedriveRequest::default(), &actor, &mut |_| {})
        .await
        .expect("redrive");
    let redrive_time = started.elapsed();

    assert_eq!(scanned.matched, events as u64, "dry run saw every message");
    assert_eq!(
        (done.redriven, done.failed),
        (events as u64, 0),
        "every message redriven"
    );
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!("spinectl redrive against moto ({events} parked order events)");
    println!("{:<34} {:>10} {:>12}", "step", "seconds", "messages/s");
    println!(
        "{:<34} {:>10.2} {:>12.0}",
        "park (ledger + DLQ, setup)",
        fill_time.as_secs_f64(),
        rate(events, fill_time)
    );
    println!(
        "{:<34} {:>10.2} {:>12.0}",
        "dry run (scan, hold, release)",
        dry_time.as_secs_f64(),
        rate(events, dry_time)
    );
    println!(
        "{:<34} {:>10.2} {:>12.0}",
        "redrive (audit, send, mark, delete)",
        redrive_time.as_secs_f64(),
        rate(events, redrive_time)
    );
}

/// Parks `MESSAGES` order events: ledger entries PARKED, messages in the DLQ.
async fn fill(queues: &SqsQueues, dlq_url: &str, ledger: &Arc<DynamoLedger>) -> usize {
    let envelopes: Vec<Envelope> = (0..MESSAGES).map(envelope).collect();
    let mut tasks = Vec::new();
    for chunk in envelopes.chunks(MESSAGES / 8) {
        let (ledger, chunk) = (ledger.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for e in &chunk {
                ledger
                    .put_received(&orders::bare_received_entry(e))
                    .await
                    .expect("put");
                ledger
                    .mark_parked(&e.event_key, "permanent", "bench", Utc::now(), "order-sync")
                    .await
                    .expect("park");
            }
        }));
    }
    for task in tasks {
        task.await.expect("ledger task");
    }
    let outgoing: Vec<OutgoingEvent> = envelopes
        .iter()
        .map(|e| OutgoingEvent {
            body: e.to_json(),
            meta: EventMeta {
                flow: Flow::Order,
                contract_version: e.contract().to_string(),
                correlation_id: e.correlation_id.clone(),
                event_key: e.event_key.clone(),
            },
        })
        .collect();
    let report = queues.publish(dlq_url, &outgoing).await;
    assert!(report.all_accepted(), "DLQ filled");
    envelopes.len()
}

fn envelope(n: usize) -> Envelope {
    let id = format!("{}-{n}", unique_name("bench"));
    orders::order_envelope(&id, &(900_000_000_000 + n).to_string())
}
