//! Test helpers shared by every crate that talks to AWS in its tests.
//!
//! Tests reach emulated AWS (moto's standalone server) through the same SDK clients the
//! functions use. The endpoint comes from `AWS_ENDPOINT_URL` when the test runner set it
//! (`infra/test` does); otherwise the first test in a process starts the project's
//! emulator with `infra/aws-emulator.sh ensure`, which reuses one already running.
//! Every test names its resources with [`unique_name`], so tests run in parallel against
//! one emulator and never see each other's tables, queues or secrets; [`create_queue`],
//! [`create_queue_and_dlq`] and [`create_table`] make those resources. [`webhook`] holds
//! the sample webhook requests with their sources and signing secrets, and [`odoo`] the
//! Odoo under test; [`orders`] builds order envelopes from the sample SQS order event.

pub mod odoo;
pub mod orders;
mod resources;
pub mod webhook;

pub use resources::{create_queue, create_queue_and_dlq, create_table};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::config::Credentials;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The emulator's endpoint URL, starting the emulator when no endpoint is configured.
///
/// Panics (this is test code) with the script's own message when the emulator cannot be
/// started, e.g. when PyPI cannot be reached for the first install.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("AWS_ENDPOINT_URL")
            && !url.is_empty()
        {
            return url;
        }
        let script = workspace_root().join("infra/aws-emulator.sh");
        let output = Command::new(&script)
            .arg("ensure")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        if !output.status.success() {
            panic!(
                "{} ensure failed:\n{}",
                script.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    })
}

/// The workspace's root folder (where `Cargo.lock` is).
pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("Cargo.lock").exists() {
        if !dir.pop() {
            panic!("no Cargo.lock above {}", env!("CARGO_MANIFEST_DIR"));
        }
    }
    dir
}

/// An SDK configuration pointed at the emulator: region us-east-1, dummy static
/// credentials, two attempts at most and short timeouts, so that an unsupported call
/// fails fast instead of retrying for seconds.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "spine-testkit",
        ))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}

/// A DynamoDB client for the emulator.
pub async fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config().await)
}

/// An SQS client for the emulator.
pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config().await)
}

/// A Secrets Manager client for the emulator.
pub async fn secretsmanager() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&sdk_config().await)
}

/// `prefix-` followed by 12 random hex digits: unique per call, valid as a table,
/// queue or secret name when the prefix is.
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &id[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ_and_keep_the_prefix() {
        let a = unique_name("ledger");
        let b = unique_name("ledger");
        assert_ne!(a, b);
        assert!(a.starts_with("ledger-") && a.len() == "ledger-".len() + 12);
    }

    #[tokio::test]
    async fn the_emulator_answers_through_the_real_sdk() {
        let client = dynamodb().await;
        let out = client
            .list_tables()
            .send()
            .await
            .expect("emulated DynamoDB answers");
        assert!(out.table_names.is_some());
    }

    /// The emulated-AWS plumbing end to end: a table created and a conditional put that
    /// wins once and is refused the second time, with the old item returned on the
    /// failure (what every idempotent step of the spine relies on).
    #[tokio::test]
    async fn a_conditional_put_wins_once() {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
            ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
        };
        let client = dynamodb().await;
        let table = unique_name("testkit");
        client
            .create_table()
            .table_name(&table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("table created");
        let put = |owner: &'static str| {
            client
                .put_item()
                .table_name(&table)
                .item("pk", AttributeValue::S("k1".into()))
                .item("owner", AttributeValue::S(owner.into()))
                .condition_expression("attribute_not_exists(pk)")
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
        };
        put("first").await.expect("the first put wins");
        let refused = put("second").await.expect_err("the second put is refused");
        let service = refused.into_service_error();
        assert!(service.is_conditional_check_failed_exception(), "{service:?}");
        let old = match service {
            aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) => e.item,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            old.and_then(|i| i.get("owner").cloned()),
            Some(AttributeValue::S("first".into()))
        );
    }
}
