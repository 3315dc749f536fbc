//! The SQS event source mapping, locally: receive a batch, invoke the function with it,
//! delete what succeeded. Failed items (the function's `batchItemFailures`, or the whole
//! batch when the invocation fails) are left alone: they reappear after the queue's
//! visibility timeout (or the function's own backoff), and the queue's redrive policy
//! moves them to the DLQ after maxReceiveCount, exactly as on AWS.

use crate::runtime_api::FunctionHost;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// One poller's settings.
#[derive(Clone)]
pub struct PollerConfig {
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
    pub report_batch_item_failures: bool,
}

/// Counts of what a poller did, for tests and the local host's summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollStats {
    pub batches: u64,
    pub deleted: u64,
    pub left_for_retry: u64,
}

/// The SQS event (`Records`) for received messages.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> Value {
    let records: Vec<Value> = messages.iter().map(|m| record(m, queue_arn)).collect();
    json!({ "Records": records })
}

fn record(message: &Message, queue_arn: &str) -> Value {
    let mut attributes = Map::new();
    for (name, value) in message.attributes().into_iter().flatten() {
        attributes.insert(name.as_str().to_owned(), Value::String(value.clone()));
    }
    let mut message_attributes = Map::new();
    for (name, value) in message.message_attributes().into_iter().flatten() {
        message_attributes.insert(
            name.clone(),
            json!({
                "stringValue": value.string_value(),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.data_type(),
            }),
        );
    }
    json!({
        "messageId": message.message_id(),
        "receiptHandle": message.receipt_handle(),
        "body": message.body().unwrap_or_default(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": crate::template::REGION,
    })
}

/// Which message ids of a batch failed, per the function's answer. An answer that names
/// ids not in the batch is invalid and fails the whole batch, as Lambda does.
pub fn failed_ids(answer: &Value, batch: &[Message], report: bool) -> BTreeSet<String> {
    let all: BTreeSet<String> = batch
        .iter()
        .filter_map(|m| m.message_id().map(str::to_owned))
        .collect();
    if !report {
        return BTreeSet::new();
    }
    let Some(failures) = answer.get("batchItemFailures").and_then(Value::as_array) else {
        return BTreeSet::new();
    };
    let mut failed = BTreeSet::new();
    for failure in failures {
        match failure.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if all.contains(id) => {
                failed.insert(id.to_owned());
            }
            _ => return all,
        }
    }
    failed
}

/// Polls until the process ends; `stats` is updated after every batch.
pub async fn run(
    client: Client,
    function: Arc<FunctionHost>,
    config: PollerConfig,
    stats: Arc<std::sync::Mutex<PollStats>>,
) {
    loop {
        let received = client
            .receive_message()
            .queue_url(&config.queue_url)
            .max_number_of_messages(config.batch_size.clamp(1, 10))
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await;
        let messages = match received {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(queue = %config.queue_url, "receive failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let answer = function.invoke(sqs_event(&messages, &config.queue_arn)).await;
        let failed = match &answer {
            Ok(answer) => failed_ids(answer, &messages, config.report_batch_item_failures),
            Err(e) => {
                tracing::warn!(function = function.name(), "batch failed: {e}");
                messages
                    .iter()
                    .filter_map(|m| m.message_id().map(str::to_owned))
                    .collect()
            }
        };
        let done: Vec<&Message> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !failed.contains(id)))
            .collect();
        let deleted = delete(&client, &config.queue_url, &done).await;
        let mut stats = stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.batches += 1;
        stats.deleted += deleted;
        stats.left_for_retry += failed.len() as u64;
    }
}

async fn delete(client: &Client, queue_url: &str, messages: &[&Message]) -> u64 {
    if messages.is_empty() {
        return 0;
    }
    let entries: Vec<DeleteMessageBatchRequestEntry> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                .build()
                .ok()
        })
        .collect();
    match client
        .delete_message_batch()
        .queue_url(queue_url)
        .set_entries(Some(entries))
        .send()
        .await
    {
        Ok(output) => output.successful.len() as u64,
        Err(e) => {
            // Not deleted means delivered again: the idempotency layer absorbs it.
            tracing::warn!(queue = %queue_url, "delete failed: {e}");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str) -> Message {
        Message::builder()
            .message_id(id)
            .receipt_handle(format!("rh-{id}"))
            .body("{}")
            .build()
    }

    #[test]
    fn batch_item_failures_are_honoured_and_invalid_answers_fail_the_batch() {
        let batch = [message("a"), message("b")];
        let answer = json!({"batchItemFailures": [{"itemIdentifier": "b"}]});
        assert_eq!(
            failed_ids(&answer, &batch, true),
            BTreeSet::from(["b".to_owned()])
        );
        assert!(failed_ids(&json!({"batchItemFailures": []}), &batch, true).is_empty());
        let bogus = json!({"batchItemFailures": [{"itemIdentifier": "zzz"}]});
        assert_eq!(failed_ids(&bogus, &batch, true).len(), 2);
        assert!(failed_ids(&answer, &batch, false).is_empty());
    }

    #[test]
    fn records_carry_what_the_runtime_needs() {
        let event = sqs_event(&[message("a")], "arn:aws:sqs:us-east-1:123456789012:q");
        let record = &event["Records"][0];
        assert_eq!(record["messageId"], "a");
        assert_eq!(record["receiptHandle"], "rh-a");
        assert_eq!(record["eventSource"], "aws:sqs");
    }
}
