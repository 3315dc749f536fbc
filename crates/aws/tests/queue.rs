//! SQS adapter against moto through the real SDK: batch publish with attributes, park
//! with reason attributes, peek without consuming, redrive of one message, requeue of a
//! message that keeps waiting.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_sqs::Client;
use chrono::{TimeZone, Utc};
use spine_aws::queue::{EventMeta, OutgoingEvent, ParkReason, QueuedMessage, SqsQueues, attr};
use spine_core::ids::{CorrelationId, EventKey, Flow, SourceEventId, SourceName};
use spine_testkit::{sqs, unique_name};

async fn queue(client: &Client, prefix: &str) -> String {
    client
        .create_queue()
        .queue_name(unique_name(prefix))
        .send()
        .await
        .expect("moto creates the queue")
        .queue_url()
        .expect("queue url")
        .to_owned()
}

fn event(n: usize) -> OutgoingEvent {
    let source = SourceName::parse("shopify").expect("source");
    let id = SourceEventId::parse(&format!("evt-{n}")).expect("event id");
    OutgoingEvent {
        body: format!(r#"{{"n":{n}}}"#),
        meta: EventMeta {
            flow: Flow::Order,
            contract_version: "order.v1".into(),
            correlation_id: CorrelationId::generate(),
            event_key: EventKey::derive(&source, &id),
        },
    }
}

/// Visible plus in-flight messages of a queue.
async fn messages_in(client: &Client, url: &str) -> u64 {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    let attrs = out.attributes().expect("attributes");
    [
        A::ApproximateNumberOfMessages,
        A::ApproximateNumberOfMessagesNotVisible,
    ]
    .iter()
    .map(|a| attrs.get(a).and_then(|v| v.parse::<u64>().ok()).expect("count"))
    .sum()
}

/// Receives until `expected` messages were seen or the queue stays empty.
async fn drain(queues: &SqsQueues, url: &str, expected: usize) -> Vec<QueuedMessage> {
    let mut out = Vec::new();
    for _ in 0..20 {
        let batch = queues.receive(url, 10).await.expect("receive");
        if batch.is_empty() && out.len() >= expected {
            break;
        }
        out.extend(batch);
        if out.len() >= expected {
            break;
        }
    }
    out
}

#[tokio::test]
async fn a_batch_publish_of_23_events_arrives_once_each_with_its_attributes() {
    let client = sqs().await;
    let url = queue(&client, "publish").await;
    let queues = SqsQueues::new(client);
    let events: Vec<_> = (0..23).map(event).collect();

    let report = queues.publish(&url, &events).await;

    assert!(report.all_accepted(), "{report:?}");
    assert_eq!(report.accepted.len(), 23);
    let received = drain(&queues, &url, 23).await;
    assert_eq!(received.len(), 23);
    let bodies: BTreeSet<_> = received.iter().map(|m| m.body.clone()).collect();
    assert_eq!(bodies.len(), 23, "no duplicates");
    for m in &received {
        let n: usize = serde_json::from_str::<serde_json::Value>(&m.body).expect("json")["n"]
            .as_u64()
            .expect("n") as usize;
        let sent = &events[n].meta;
        assert_eq!(m.attributes[attr::FLOW], "order");
        assert_eq!(m.attributes[attr::CONTRACT_VERSION], "order.v1");
        assert_eq!(
            m.attributes[attr::CORRELATION_ID],
            sent.correlation_id.to_string()
        );
        assert_eq!(m.attributes[attr::EVENT_KEY], sent.event_key.to_string());
    }
}

#[tokio::test]
async fn entries_sqs_rejects_are_reported_failed_never_accepted() {
    let client = sqs().await;
    let url = client
        .create_queue()
        .queue_name(unique_name("reject"))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::MaximumMessageSize, "1024")
        .send()
        .await
        .expect("queue")
        .queue_url()
        .expect("url")
        .to_owned();
    let queues = SqsQueues::new(client);
    let mut events: Vec<_> = (0..3).map(event).collect();
    // Longer than the queue's maximum message size: rejected per entry as the sender's fault.
    events[1].body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(2000));

    let report = queues.publish(&url, &events).await;

    let accepted: Vec<usize> = report.accepted.iter().map(|(i, _)| *i).collect();
    assert_eq!(accepted, [0, 2], "{report:?}");
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].index, 1);
    assert!(report.failed[0].sender_fault, "{report:?}");
    assert_eq!(drain(&queues, &url, 2).await.len(), 2);
}

#[tokio::test]
async fn park_moves_the_message_with_its_reason_and_deletes_it_from_the_source() {
    let client = sqs().await;
    let (url, dlq) = (queue(&client, "work").await, queue(&client, "dlq").await);
    let queues = SqsQueues::new(client);
    assert!(queues.publish(&url, &[event(7)]).await.all_accepted());
    let message = drain(&queues, &url, 1).await.remove(0);
    let reason = ParkReason {
        class: "permanent".into(),
        message: format!("unknown SKU {}", "é".repeat(400)),
        attempts: 3,
        first_failure: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().expect("date"),
    };

    queues.park(&url, &dlq, &message, &reason).await.expect("parked");

    let parked = queues.peek(&dlq, 10).await.expect("peek");
    assert_eq!(parked.len(), 1);
    let p = &parked[0];
    assert_eq!(p.message.body, message.body);
    assert_eq!(
        p.message.attributes[attr::EVENT_KEY],
        message.attributes[attr::EVENT_KEY]
    );
    let got = p.reason.as_ref().expect("reason attributes");
    assert_eq!(
        (got.class.as_str(), got.attempts, got.first_failure),
        ("permanent", 3, reason.first_failure)
    );
    assert!(got.message.starts_with("unknown SKU é") && got.message.len() <= 512);
    assert_eq!(p.source_queue.as_deref(), Some(url.as_str()));
    // Deleted from the source: neither visible nor in flight any more.
    assert_eq!(messages_in(queues.client(), &url).await, 0);
}

#[tokio::test]
async fn peek_leaves_messages_visible_and_redrive_moves_one_back_without_the_reason() {
    let client = sqs().await;
    let (url, dlq) = (queue(&client, "src").await, queue(&client, "dlq").await);
    let queues = SqsQueues::new(client);
    assert!(queues.publish(&url, &[event(1)]).await.all_accepted());
    let message = drain(&queues, &url, 1).await.remove(0);
    let reason = ParkReason {
        class: "parse".into(),
        message: String::new(),
        attempts: 1,
        first_failure: Utc::now(),
    };
    queues.park(&url, &dlq, &message, &reason).await.expect("parked");

    let first = queues.peek(&dlq, 10).await.expect("first peek");
    let second = queues.peek(&dlq, 10).await.expect("second peek");
    assert_eq!((first.len(), second.len()), (1, 1), "peek does not consume");
    assert_eq!(first[0].message.message_id, second[0].message.message_id);
    assert_eq!(second[0].reason.as_ref().map(|r| r.message.as_str()), Some("-"));

    let target = second[0].source_queue.clone().expect("source queue recorded");
    queues
        .redrive_one(&dlq, &target, &second[0].message)
        .await
        .expect("redriven");

    assert!(
        queues.peek(&dlq, 10).await.expect("peek").is_empty(),
        "gone from the DLQ"
    );
    let back = drain(&queues, &url, 1).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].body, message.body);
    assert_eq!(
        back[0].attributes[attr::EVENT_KEY],
        message.attributes[attr::EVENT_KEY]
    );
    assert!(
        !back[0].attributes.contains_key(attr::ERROR_CLASS),
        "park reason stripped"
    );
}

#[tokio::test]
async fn extend_visibility_hides_a_message_until_the_delay_passes() {
    let client = sqs().await;
    let url = queue(&client, "vis").await;
    let queues = SqsQueues::new(client);
    assert!(queues.publish(&url, &[event(2)]).await.all_accepted());
    let message = drain(&queues, &url, 1).await.remove(0);
    // Zero makes it visible at once; a later receive then sees it again.
    queues
        .extend_visibility(&url, &message.receipt_handle, Duration::ZERO)
        .await
        .expect("visibility 0");
    assert_eq!(drain(&queues, &url, 1).await.len(), 1);
    let err = queues
        .extend_visibility(&url, "not-a-receipt-handle", Duration::from_secs(60))
        .await;
    assert!(err.is_err(), "a bad receipt handle is an error, not silence");
}

#[tokio::test]
async fn requeue_sends_a_fresh_copy_stamped_with_the_wait_start_and_deletes_the_received_one() {
    let client = sqs().await;
    let url = queue(&client, "wait").await;
    let queues = SqsQueues::new(client);
    assert!(queues.publish(&url, &[event(3)]).await.all_accepted());
    let message = drain(&queues, &url, 1).await.remove(0);
    let since = Utc
        .with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
        .single()
        .expect("date");

    queues
        .requeue(&url, &message, Duration::ZERO, since)
        .await
        .expect("requeued");

    let copy = drain(&queues, &url, 1).await.remove(0);
    assert_ne!(copy.message_id, message.message_id, "a new message");
    assert_eq!(copy.body, message.body);
    assert_eq!(
        copy.attributes[attr::EVENT_KEY],
        message.attributes[attr::EVENT_KEY]
    );
    assert_eq!(copy.attributes[attr::WAITING_SINCE], "2026-11-23T08:00:00.000Z");
    // The received copy is gone: only the new one (now in flight) remains.
    assert_eq!(messages_in(queues.client(), &url).await, 1);

    // Sent again, the copy carries the stamp it is given, once.
    let later = since + chrono::Duration::hours(1);
    queues
        .requeue(&url, &copy, Duration::ZERO, later)
        .await
        .expect("requeued again");
    let again = drain(&queues, &url, 1).await.remove(0);
    assert_eq!(again.attributes[attr::WAITING_SINCE], "2026-11-23T09:00:00.000Z");
    assert_eq!(messages_in(queues.client(), &url).await, 1);
    let err = queues
        .requeue(&url, &QueuedMessage::default(), Duration::ZERO, since)
        .await;
    assert!(err.is_err(), "no receipt handle: refused, nothing sent");
    assert_eq!(messages_in(queues.client(), &url).await, 1);
}
