//! The batch wrapper's decisions with an in-memory queue: every disposition, a failing
//! park, a panicking handler, the concurrency bound, a dependency wait sent again on the
//! queue's last receive.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use spine_aws::queue::{ParkReason, QueueError, QueuedMessage};
use spine_core::disposition::{Classify, Disposition};
use spine_runtime::{BatchError, BatchHandler, BatchPolicy, MessageActions, MessageContext};

#[derive(Default)]
struct Memory {
    fail_parks: bool,
    fail_requeues: bool,
    parked: Mutex<Vec<(String, ParkReason)>>,
    delayed: Mutex<Vec<(String, Duration)>>,
    requeued: Mutex<Vec<(String, Duration, DateTime<Utc>)>>,
}

#[async_trait::async_trait]
impl MessageActions for Memory {
    async fn park(&self, message: &QueuedMessage, reason: &ParkReason) -> Result<(), QueueError> {
        if self.fail_parks {
            return Err(QueueError::Incomplete {
                message_id: message.message_id.clone(),
                what: "a reachable DLQ",
            });
        }
        let mut parked = self.parked.lock().expect("lock");
        parked.push((message.message_id.clone(), reason.clone()));
        Ok(())
    }

    async fn delay(&self, message: &QueuedMessage, delay: Duration) -> Result<(), QueueError> {
        let mut delayed = self.delayed.lock().expect("lock");
        delayed.push((message.message_id.clone(), delay));
        Ok(())
    }

    async fn requeue(
        &self,
        message: &QueuedMessage,
        delay: Duration,
        waiting_since: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        if self.fail_requeues {
            return Err(QueueError::Incomplete {
                message_id: message.message_id.clone(),
                what: "a reachable queue",
            });
        }
        let mut requeued = self.requeued.lock().expect("lock");
        requeued.push((message.message_id.clone(), delay, waiting_since));
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("failed as {0:?}")]
struct Failing(Disposition);

impl Classify for Failing {
    fn disposition(&self) -> Disposition {
        self.0
    }
}

/// `{"outcome": ...}` selects what the handler does with the message.
#[derive(serde::Deserialize)]
struct Job {
    outcome: String,
}

fn record(id: &str, body: &str, receive_count: u32, first_ms: Option<i64>) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = Some(id.to_owned());
    r.receipt_handle = Some(format!("rh-{id}"));
    r.body = Some(body.to_owned());
    r.attributes
        .insert("ApproximateReceiveCount".into(), receive_count.to_string());
    if let Some(ms) = first_ms {
        r.attributes
            .insert("ApproximateFirstReceiveTimestamp".into(), ms.to_string());
    }
    r
}

fn event(records: Vec<SqsMessage>) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = records;
    e
}

async fn run(memory: Arc<Memory>, records: Vec<SqsMessage>) -> Vec<String> {
    run_with(memory, records, BatchPolicy::default()).await
}

async fn run_with(memory: Arc<Memory>, records: Vec<SqsMessage>, policy: BatchPolicy) -> Vec<String> {
    let handler = |job: Job, _ctx: MessageContext| async move {
        match job.outcome.as_str() {
            "ok" => Ok(()),
            "transient" => Err(Failing(Disposition::TRANSIENT)),
            "waiting" => Err(Failing(Disposition::WaitingOnDependency)),
            "permanent" => Err(Failing(Disposition::Permanent)),
            _ => panic!("handler bug"),
        }
    };
    let batch = BatchHandler::new(handler, memory, policy);
    let response = batch.handle(event(records)).await.expect("batch");
    let mut failed: Vec<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    failed
}

#[tokio::test]
async fn each_disposition_ends_where_it_should() {
    let memory = Arc::new(Memory::default());
    let now_ms = chrono::Utc::now().timestamp_millis();
    let day_ago = now_ms - 25 * 3600 * 1000;
    let records = vec![
        record("ok", r#"{"outcome":"ok"}"#, 1, None),
        record("transient", r#"{"outcome":"transient"}"#, 3, Some(now_ms)),
        record("waiting-new", r#"{"outcome":"waiting"}"#, 2, Some(now_ms)),
        record("waiting-old", r#"{"outcome":"waiting"}"#, 7, Some(day_ago)),
        record("permanent", r#"{"outcome":"permanent"}"#, 1, Some(now_ms)),
        record("not-json", "{nope", 1, Some(now_ms)),
        record("panics", r#"{"outcome":"boom"}"#, 1, None),
    ];
    let failed = run(memory.clone(), records).await;

    assert_eq!(failed, ["panics", "transient", "waiting-new"]);
    let mut delayed = memory.delayed.lock().expect("lock").clone();
    delayed.sort();
    assert_eq!(
        delayed,
        [
            ("transient".to_owned(), Duration::from_secs(8)),
            ("waiting-new".to_owned(), Duration::from_secs(60)),
        ]
    );
    let mut parked: Vec<(String, String)> = memory
        .parked
        .lock()
        .expect("lock")
        .iter()
        .map(|(id, r)| (id.clone(), r.class.clone()))
        .collect();
    parked.sort();
    let expected = [
        ("not-json", "parse"),
        ("permanent", "permanent"),
        ("waiting-old", "waiting_on_dependency"),
    ];
    assert_eq!(parked, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
}

#[tokio::test]
async fn a_park_that_fails_reports_the_message_as_failed() {
    let memory = Arc::new(Memory {
        fail_parks: true,
        ..Memory::default()
    });
    let records = vec![
        record("permanent", r#"{"outcome":"permanent"}"#, 1, None),
        record("garbage", "not json", 1, None),
        record("ok", r#"{"outcome":"ok"}"#, 1, None),
    ];
    assert_eq!(run(memory, records).await, ["garbage", "permanent"]);
}

#[tokio::test]
async fn a_record_without_message_id_fails_the_whole_batch() {
    let mut r = record("x", r#"{"outcome":"ok"}"#, 1, None);
    r.message_id = None;
    let handler = |_: Job, _: MessageContext| async { Ok::<(), Failing>(()) };
    let batch = BatchHandler::new(handler, Arc::new(Memory::default()), BatchPolicy::default());
    assert!(matches!(
        batch.handle(event(vec![r])).await,
        Err(BatchError::MissingMessageId)
    ));
}

#[tokio::test]
async fn no_more_than_the_configured_number_of_messages_run_at_once() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let handler = move |_: Job, _: MessageContext| {
        let (running, peak) = (r.clone(), p.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            Ok::<(), Failing>(())
        }
    };
    let policy = BatchPolicy {
        concurrency: 2,
        ..BatchPolicy::default()
    };
    let batch = BatchHandler::new(handler, Arc::new(Memory::default()), policy);
    let records = (0..10)
        .map(|i| record(&i.to_string(), r#"{"outcome":"ok"}"#, 1, None))
        .collect();
    let response = batch.handle(event(records)).await.expect("batch");
    assert!(response.batch_item_failures.is_empty());
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "peak concurrency {peak}");
}

#[tokio::test]
async fn a_dependency_wait_on_the_last_receive_is_sent_again_or_parked_when_that_fails() {
    let policy = BatchPolicy {
        max_receives: Some(5),
        ..BatchPolicy::default()
    };
    let started = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let last = || {
        vec![
            record("waiting", r#"{"outcome":"waiting"}"#, 5, Some(started)),
            record("transient", r#"{"outcome":"transient"}"#, 5, Some(started)),
        ]
    };
    let memory = Arc::new(Memory::default());
    assert!(run_with(memory.clone(), last(), policy).await.is_empty());
    let requeued = memory.requeued.lock().expect("lock").clone();
    let since = DateTime::from_timestamp_millis(started).expect("time");
    assert_eq!(
        requeued,
        [(
            "waiting".to_owned(),
            policy.dependency_max.min(Duration::from_secs(480)),
            since
        )]
    );
    let parked = memory.parked.lock().expect("lock").clone();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (parked[0].0.as_str(), parked[0].1.class.as_str()),
        ("transient", "transient")
    );

    let failing = Arc::new(Memory {
        fail_requeues: true,
        ..Memory::default()
    });
    assert!(run_with(failing.clone(), last(), policy).await.is_empty());
    let mut parked: Vec<(String, String, DateTime<Utc>)> = failing
        .parked
        .lock()
        .expect("lock")
        .iter()
        .map(|(id, r)| (id.clone(), r.class.clone(), r.first_failure))
        .collect();
    parked.sort();
    assert_eq!(
        parked,
        [
            ("transient".to_owned(), "transient".to_owned(), since),
            ("waiting".to_owned(), "waiting_on_dependency".to_owned(), since),
        ]
    );
}
