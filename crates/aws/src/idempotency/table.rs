//! The idempotency table's definition: one item per [`IdempotencyKey`], partition key
//! `id`, TTL on `expiration`. template.yaml and the local provisioning script must match
//! these constants.
//!
//! [`IdempotencyKey`]: spine_core::IdempotencyKey

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// Partition key (S): the idempotency key, `flow:source:entity:rREV`.
pub const ATTR_ID: &str = "id";
/// `INPROGRESS` or `COMPLETED` (S).
pub const ATTR_STATUS: &str = "status";
/// Epoch seconds (N); the table's TTL attribute.
pub const ATTR_EXPIRATION: &str = "expiration";
/// Epoch milliseconds (N) after which an INPROGRESS record may be taken over.
pub const ATTR_IN_PROGRESS_EXPIRATION: &str = "in_progress_expiration";
/// Hex SHA-256 of the canonical payload (S).
pub const ATTR_PAYLOAD_HASH: &str = "payload_hash";
/// The run holding the record (S); complete and release are conditional on it.
pub const ATTR_OWNER: &str = "owner";
/// The stored result as JSON text (S), present once COMPLETED.
pub const ATTR_RESULT: &str = "result";
/// The TTL attribute to enable on the table.
pub const TTL_ATTRIBUTE: &str = ATTR_EXPIRATION;
/// Environment variable naming the table in the functions.
pub const ENV_IDEMPOTENCY_TABLE: &str = "IDEMPOTENCY_TABLE";

/// A `CreateTable` request for the idempotency table named `table` (on-demand billing).
/// TTL is a separate call: see [`enable_ttl`]. Send it with `.send().await`.
pub fn create_idempotency_table(
    client: &Client,
    table: &str,
) -> Result<CreateTableFluentBuilder, BuildError> {
    Ok(client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(ATTR_ID, ScalarAttributeType::S)?)
        .key_schema(key(ATTR_ID, KeyType::Hash)?))
}

/// An attribute definition (shared with the ledger table).
pub(crate) fn attribute(name: &str, kind: ScalarAttributeType) -> Result<AttributeDefinition, BuildError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
}

/// A key schema element (shared with the ledger table).
pub(crate) fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, BuildError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
}

/// Enables TTL on [`TTL_ATTRIBUTE`] for the idempotency table `table`. The ledger has no
/// TTL: it is the audit trail reconciliation and operators rely on.
pub async fn enable_ttl(client: &Client, table: &str) -> Result<(), spine_core::idempotency::StoreError> {
    let spec = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(TTL_ATTRIBUTE)
        .build()
        .map_err(|e| spine_core::idempotency::StoreError::Rejected {
            message: "TTL specification".into(),
            source: Box::new(e),
        })?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| super::sdk::map_sdk_error("UpdateTimeToLive", e))?;
    Ok(())
}
