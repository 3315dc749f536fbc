//! The issue's required test, against moto through the real SDK: a batch with one
//! unparsable, one transient-failing and one good message reports exactly the transient
//! one as failed, parks the unparsable one with its reason, and applies the good one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use serde::Deserialize;
use spine_aws::queue::{FlowQueues, SqsQueues, attr};
use spine_core::disposition::{Classify, Disposition};
use spine_core::ids::{EventKey, SourceEventId, SourceName};
use spine_runtime::{BatchHandler, BatchPolicy, MessageContext, SqsActions};
use spine_testkit::{sqs, unique_name};

#[derive(Debug, Deserialize)]
struct Job {
    id: String,
    qty: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("odoo timed out")]
struct Flaky;

impl Classify for Flaky {
    fn disposition(&self) -> Disposition {
        Disposition::TRANSIENT
    }
}

fn key(event_id: &str) -> String {
    let source = SourceName::parse("shopify").expect("source");
    EventKey::derive(&source, &SourceEventId::parse(event_id).expect("id")).to_string()
}

async fn queue(client: &Client, prefix: &str) -> String {
    let out = client.create_queue().queue_name(unique_name(prefix)).send().await;
    out.expect("queue").queue_url().expect("url").to_owned()
}

async fn send(client: &Client, url: &str, body: &str, key: &str) {
    let key_attr = aws_sdk_sqs::types::MessageAttributeValue::builder()
        .data_type("String")
        .string_value(key)
        .build()
        .expect("attribute");
    client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .message_attributes(attr::EVENT_KEY, key_attr)
        .send()
        .await
        .expect("sent");
}

/// What Lambda's event source mapping would hand the function: the received messages.
async fn receive_as_event(client: &Client, url: &str, count: usize) -> SqsEvent {
    let mut records = Vec::new();
    while records.len() < count {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        for m in out.messages() {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id().map(str::to_owned);
            record.receipt_handle = m.receipt_handle().map(str::to_owned);
            record.body = m.body().map(str::to_owned);
            record.attributes = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            for (name, value) in m.message_attributes().into_iter().flatten() {
                let mut a = SqsMessageAttribute::default();
                a.string_value = value.string_value().map(str::to_owned);
                a.data_type = Some(value.data_type().to_owned());
                record.message_attributes.insert(name.clone(), a);
            }
            records.push(record);
        }
    }
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

async fn not_visible(client: &Client, url: &str) -> (u64, u64) {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("attributes");
    let attrs = out.attributes().expect("attributes");
    let get = |a: QueueAttributeName| attrs.get(&a).and_then(|v| v.parse().ok()).expect("count");
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

#[tokio::test]
async fn unparsable_is_parked_transient_is_retried_good_is_applied() {
    // GIVEN a work queue with one good, one transient-failing and one unparsable message
    let client = sqs().await;
    let (url, dlq) = (queue(&client, "work").await, queue(&client, "dlq").await);
    send(&client, &url, r#"{"id":"good","qty":1}"#, &key("good")).await;
    send(&client, &url, r#"{"id":"flaky","qty":2}"#, &key("flaky")).await;
    send(&client, &url, r#"{"id":"broken","qty":"many"}"#, &key("broken")).await;
    let event = receive_as_event(&client, &url, 3).await;
    let ids: HashMap<String, String> = event
        .records
        .iter()
        .map(|r| {
            (
                r.message_attributes[attr::EVENT_KEY]
                    .string_value
                    .clone()
                    .unwrap_or_default(),
                r.message_id.clone().unwrap_or_default(),
            )
        })
        .collect();

    let applied = Arc::new(Mutex::new(Vec::new()));
    let seen = applied.clone();
    let handler = move |job: Job, ctx: MessageContext| {
        let seen = seen.clone();
        async move {
            if job.id == "flaky" {
                return Err(Flaky);
            }
            assert_eq!(
                ctx.event_key.map(|k| k.to_string()).as_deref(),
                Some(key("good").as_str())
            );
            seen.lock().expect("lock").push((job.id, job.qty));
            Ok(())
        }
    };
    let actions = SqsActions::new(
        SqsQueues::new(client.clone()),
        FlowQueues {
            queue_url: url.clone(),
            dlq_url: dlq.clone(),
        },
    );
    let batch = BatchHandler::new(handler, Arc::new(actions), BatchPolicy::default());

    // WHEN the batch is handled
    let response = batch.handle(event).await.expect("batch handled");

    // THEN exactly the transient one is reported failed
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, [ids[&key("flaky")].as_str()]);
    // AND the good one was applied once
    assert_eq!(*applied.lock().expect("lock"), [("good".to_owned(), 1)]);
    // AND the unparsable one is in the DLQ with its reason, and gone from the work queue
    let parked = SqsQueues::new(client.clone()).peek(&dlq, 10).await.expect("peek");
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].message.body, r#"{"id":"broken","qty":"many"}"#);
    assert_eq!(parked[0].message.attributes[attr::EVENT_KEY], key("broken"));
    let reason = parked[0].reason.as_ref().expect("reason attributes");
    assert_eq!(reason.class, "parse");
    assert!(
        reason.message.contains("qty"),
        "reason names the path: {}",
        reason.message
    );
    assert_eq!(reason.attempts, 1);
    assert_eq!(parked[0].source_queue.as_deref(), Some(url.as_str()));
    // Good and flaky are still in flight (Lambda deletes the good one; the flaky one waits
    // out its backoff); the parked one is no longer in the work queue at all.
    assert_eq!(not_visible(&client, &url).await, (0, 2));
}

#[derive(Debug, thiserror::Error)]
#[error("the order is not in Odoo yet")]
struct NoOrderYet;

impl Classify for NoOrderYet {
    fn disposition(&self) -> Disposition {
        Disposition::WaitingOnDependency
    }
}

#[tokio::test]
async fn a_dependency_wait_on_the_last_receive_comes_back_as_a_fresh_copy_that_remembers_the_wait() {
    // GIVEN a queue whose maxReceiveCount is 1 and a payment whose order is not there yet
    let client = sqs().await;
    let (url, dlq) = (queue(&client, "wait").await, queue(&client, "wait-dlq").await);
    send(&client, &url, r#"{"id":"payment","qty":1}"#, &key("payment")).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let handler = move |_: Job, ctx: MessageContext| {
        let log = log.clone();
        async move {
            let mut log = log.lock().expect("lock");
            log.push((
                ctx.message_id.clone(),
                ctx.receive_count,
                ctx.first_received_at,
                ctx.waiting_since,
            ));
            if log.len() == 1 { Err(NoOrderYet) } else { Ok(()) }
        }
    };
    let urls = FlowQueues {
        queue_url: url.clone(),
        dlq_url: dlq.clone(),
    };
    let actions = SqsActions::new(SqsQueues::new(client.clone()), urls);
    let policy = BatchPolicy {
        max_receives: Some(1),
        dependency_base: std::time::Duration::ZERO,
        ..BatchPolicy::default()
    };
    let batch = BatchHandler::new(handler, Arc::new(actions), policy);

    // WHEN its only receive fails waiting on the order
    let first = batch
        .handle(receive_as_event(&client, &url, 1).await)
        .await
        .expect("batch");

    // THEN it is not failed nor parked, but sent again as a new message
    assert!(first.batch_item_failures.is_empty());
    assert!(
        SqsQueues::new(client.clone())
            .peek(&dlq, 10)
            .await
            .expect("peek")
            .is_empty()
    );
    // AND the copy starts a fresh receive count and carries when the wait started
    let second = batch
        .handle(receive_as_event(&client, &url, 1).await)
        .await
        .expect("batch");
    assert!(second.batch_item_failures.is_empty());
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    let ((id1, count1, first1, since1), (id2, count2, _, since2)) = (&seen[0], &seen[1]);
    assert_ne!(id1, id2);
    assert_eq!((*count1, *count2), (1, 1));
    assert_eq!(*since1, None);
    let started = first1.expect("first receive timestamp");
    assert_eq!(
        since2.map(|t| t.timestamp_millis()),
        Some(started.timestamp_millis())
    );
}
