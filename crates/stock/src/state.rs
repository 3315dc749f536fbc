//! The last pushed level per (channel, SKU) in DynamoDB.
//!
//! Table: partition key [`KEY_CHANNEL`] (S), sort key [`KEY_SKU`] (S); attributes
//! [`ATTR_QUANTITY`] (N, the level the channel accepted) and [`ATTR_PUSHED_AT`] (S,
//! RFC 3339). A channel's whole state is one paged Query; records are written 25 per
//! BatchWriteItem, unprocessed items retried with backoff. A level is recorded only after
//! the channel accepted it, so a crash between push and record re-pushes the same absolute
//! level next run, which is harmless.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, PutRequest,
    ScalarAttributeType, WriteRequest,
};
use chrono::{DateTime, SecondsFormat, Utc};
use spine_core::{Sku, SourceName};
use tracing::{instrument, warn};

use crate::diff::Level;

/// Partition key: the channel name.
pub const KEY_CHANNEL: &str = "channel";
/// Sort key: the Odoo SKU.
pub const KEY_SKU: &str = "sku";
/// The level last accepted by the channel.
pub const ATTR_QUANTITY: &str = "quantity";
/// When it was accepted (RFC 3339, UTC).
pub const ATTR_PUSHED_AT: &str = "pushed_at";

const BATCH: usize = 25;
const WRITE_ATTEMPTS: u32 = 8;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A DynamoDB request failed (after the SDK's own retries).
    #[error("DynamoDB {op} on the stock table failed")]
    Request {
        /// The operation.
        op: &'static str,
        /// The SDK's error.
        #[source]
        source: Box<aws_sdk_dynamodb::Error>,
    },
    /// Items were still unprocessed after every retry (throttling).
    #[error("{0} stock records stayed unprocessed after {WRITE_ATTEMPTS} attempts")]
    Unprocessed(usize),
    /// A request could not be built (a required field missing: a bug, not input).
    #[error("a DynamoDB request could not be built")]
    Build(#[from] aws_sdk_dynamodb::error::BuildError),
}

fn request_error<E>(op: &'static str) -> impl FnOnce(E) -> StateError
where
    aws_sdk_dynamodb::Error: From<E>,
{
    move |e| StateError::Request {
        op,
        source: Box::new(e.into()),
    }
}

/// The stock table adapter. Cheap to clone; counts its DynamoDB requests.
#[derive(Clone, Debug)]
pub struct StockState {
    client: Client,
    table: String,
    requests: Arc<AtomicU64>,
}

impl StockState {
    /// Wraps a client built once at cold start and the table's name.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            requests: Arc::default(),
        }
    }

    /// DynamoDB requests sent so far (pages and retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Every recorded level of `channel`, by SKU (one Query, paged by DynamoDB's 1 MB).
    /// Rows whose SKU or quantity cannot be read are skipped with a warning: the SKU is
    /// then treated as never pushed, which re-pushes it (safe) rather than stopping.
    #[instrument(skip(self), fields(table = %self.table))]
    pub async fn last_pushed(&self, channel: &SourceName) -> Result<HashMap<Sku, i64>, StateError> {
        let mut levels = HashMap::new();
        let mut start = None;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#c = :c")
                .expression_attribute_names("#c", KEY_CHANNEL)
                .expression_attribute_names("#s", KEY_SKU)
                .expression_attribute_names("#q", ATTR_QUANTITY)
                .expression_attribute_values(":c", AttributeValue::S(channel.as_str().to_owned()))
                .projection_expression("#s, #q")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(request_error("Query"))?;
            for item in out.items() {
                match parse_item(item) {
                    Some((sku, qty)) => {
                        levels.insert(sku, qty);
                    }
                    None => warn!(channel = channel.as_str(), "unreadable stock record skipped"),
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(levels);
            }
        }
    }

    /// Records that `channel` accepted `levels` at `at`, 25 per BatchWriteItem.
    #[instrument(skip(self, levels), fields(table = %self.table, count = levels.len()))]
    pub async fn record(
        &self,
        channel: &SourceName,
        levels: &[Level],
        at: DateTime<Utc>,
    ) -> Result<(), StateError> {
        let at = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        for chunk in levels.chunks(BATCH) {
            let writes = chunk
                .iter()
                .map(|l| put(channel, l, &at))
                .collect::<Result<Vec<_>, _>>()?;
            self.write_batch(writes).await?;
        }
        Ok(())
    }

    async fn write_batch(&self, mut writes: Vec<WriteRequest>) -> Result<(), StateError> {
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                // Unprocessed items mean throttling: back off before asking again.
                let cap = 25u64 << attempt.min(6);
                tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=cap))).await;
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, writes)
                .send()
                .await
                .map_err(request_error("BatchWriteItem"))?;
            writes = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.table))
                .unwrap_or_default();
            if writes.is_empty() {
                return Ok(());
            }
        }
        Err(StateError::Unprocessed(writes.len()))
    }
}

fn parse_item(item: &HashMap<String, AttributeValue>) -> Option<(Sku, i64)> {
    let sku = Sku::parse(item.get(KEY_SKU)?.as_s().ok()?).ok()?;
    let qty = item.get(ATTR_QUANTITY)?.as_n().ok()?.parse().ok()?;
    Some((sku, qty))
}

fn put(channel: &SourceName, level: &Level, at: &str) -> Result<WriteRequest, StateError> {
    let put = PutRequest::builder()
        .item(KEY_CHANNEL, AttributeValue::S(channel.as_str().to_owned()))
        .item(KEY_SKU, AttributeValue::S(level.sku.as_str().to_owned()))
        .item(ATTR_QUANTITY, AttributeValue::N(level.quantity.to_string()))
        .item(ATTR_PUSHED_AT, AttributeValue::S(at.to_owned()))
        .build()?;
    Ok(WriteRequest::builder().put_request(put).build())
}

/// Creates the stock table (on-demand billing) for tests and local provisioning; the
/// deployed table comes from template.yaml with the same key names.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StateError> {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |n: &str, t| KeySchemaElement::builder().attribute_name(n).key_type(t).build();
    let (a1, a2, k1, k2) = (
        attr(KEY_CHANNEL),
        attr(KEY_SKU),
        key(KEY_CHANNEL, KeyType::Hash),
        key(KEY_SKU, KeyType::Range),
    );
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for def in [a1, a2] {
        req = req.attribute_definitions(def?);
    }
    for k in [k1, k2] {
        req = req.key_schema(k?);
    }
    req.send().await.map_err(request_error("CreateTable"))?;
    Ok(())
}
