//! Queues and tables on the emulator, named with [`unique_name`] so that tests running in
//! parallel never share one.
//!
//! Table schemas are not restated here: [`create_table`] sends the `CreateTable` request
//! the production code builds (`spine_aws::ledger::create_ledger_table`,
//! `spine_aws::idempotency::create_idempotency_table`, ...), so a test's table always has
//! the keys and indexes its adapter expects. (This crate cannot depend on spine-aws:
//! spine-aws's own tests depend on this crate.)

use crate::unique_name;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use std::fmt::Debug;

/// Creates a standard queue named `prefix-<12 hex digits>` with SQS's default attributes
/// (a 30 s visibility timeout, no redrive policy) and answers its URL.
///
/// Panics (test code) when the emulator refuses.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    let created = sqs
        .create_queue()
        .queue_name(unique_name(prefix))
        .send()
        .await
        .expect("the emulator creates the queue");
    created.queue_url.expect("a created queue has a URL")
}

/// Creates a flow's work queue (`prefix-...`) and its dead-letter queue
/// (`prefix-dlq-...`) and answers their URLs, work queue first.
///
/// The two are not linked by a redrive policy: the workers park a message in the DLQ
/// themselves, and a test that receives a message several times must not see the
/// emulator move it.
pub async fn create_queue_and_dlq(sqs: &aws_sdk_sqs::Client, prefix: &str) -> (String, String) {
    let queue_url = create_queue(sqs, prefix).await;
    let dlq_url = create_queue(sqs, &format!("{prefix}-dlq")).await;
    (queue_url, dlq_url)
}

/// Creates a table named `prefix-<12 hex digits>` from `definition`, the production
/// code's `CreateTable` request for a client and a table name, and answers the name.
///
/// Panics (test code) when the definition does not build or the emulator refuses.
pub async fn create_table<E: Debug>(
    dynamodb: &aws_sdk_dynamodb::Client,
    prefix: &str,
    definition: impl FnOnce(&aws_sdk_dynamodb::Client, &str) -> Result<CreateTableFluentBuilder, E>,
) -> String {
    let table = unique_name(prefix);
    definition(dynamodb, &table)
        .expect("the table definition builds")
        .send()
        .await
        .unwrap_or_else(|e| panic!("the emulator creates table {table}: {e:?}"));
    table
}
