//! The worker idempotency store on DynamoDB ([`DynamoIdempotencyStore`]).
//!
//! Requests per guarded run: acquire is one conditional `PutItem` that returns the old
//! item on conflict (`ReturnValuesOnConditionCheckFailure=ALL_OLD`), so a replay or an
//! "in progress" costs one request and no read; a run that executes costs two (the put
//! and the completing `UpdateItem`); a failed body costs two (the put and a conditional
//! `DeleteItem`). Expiry is part of the put's condition, evaluated against the caller's
//! clock, so it never depends on the TTL sweeper having deleted the item.

pub mod sdk;
pub mod table;

pub use sdk::ConfigError;
pub use table::*;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use sdk::{Item, get_json, get_n, get_s, map_sdk_error, n, opt_s, s};
use spine_core::idempotency::{
    AcquireError, IdempotencyKey, IdempotencyRecord, IdempotencyStatus, IdempotencyStore, PayloadHash,
    StoreError,
};
use tracing::instrument;

/// Where the idempotency table is; read once at cold start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyTableConfig {
    pub table: String,
}

impl IdempotencyTableConfig {
    /// Reads [`ENV_IDEMPOTENCY_TABLE`]; a clear error when it is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table: sdk::table_from_env(ENV_IDEMPOTENCY_TABLE)?,
        })
    }
}

/// [`IdempotencyStore`] on one DynamoDB table (see [`table`] for its definition).
#[derive(Clone, Debug)]
pub struct DynamoIdempotencyStore {
    client: Client,
    table: String,
}

const TAKEABLE: &str =
    "attribute_not_exists(#id) OR #exp <= :now_s OR (#status = :inprogress AND #ipe <= :now_ms)";
const HELD: &str = "#status = :inprogress AND #owner = :owner";

impl DynamoIdempotencyStore {
    /// A store on `config.table` using `client` (built once, at cold start).
    pub fn new(client: Client, config: IdempotencyTableConfig) -> Self {
        Self {
            client,
            table: config.table,
        }
    }

    /// The table this store writes to.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// The item for `record`.
pub fn record_to_item(record: &IdempotencyRecord) -> Item {
    let mut item = Item::with_capacity(7);
    item.insert(ATTR_ID.into(), s(record.key.as_str()));
    item.insert(ATTR_STATUS.into(), s(record.status.as_str()));
    item.insert(ATTR_EXPIRATION.into(), n(record.expiration));
    item.insert(
        ATTR_IN_PROGRESS_EXPIRATION.into(),
        n(record.in_progress_expiration),
    );
    item.insert(ATTR_PAYLOAD_HASH.into(), s(record.payload_hash.as_str()));
    item.insert(ATTR_OWNER.into(), s(record.owner.as_str()));
    if let Some(result) = &record.result {
        item.insert(ATTR_RESULT.into(), s(result.to_string()));
    }
    item
}

/// Reads a record back; a malformed item is an error naming the attribute.
pub fn record_from_item(item: &Item) -> Result<IdempotencyRecord, StoreError> {
    let bad = |attr: &str, e: spine_core::IdError| StoreError::malformed(attr, e.to_string());
    let status = get_s(item, ATTR_STATUS)?;
    Ok(IdempotencyRecord {
        key: IdempotencyKey::parse(get_s(item, ATTR_ID)?).map_err(|e| bad(ATTR_ID, e))?,
        status: IdempotencyStatus::parse(status)
            .ok_or_else(|| StoreError::malformed(ATTR_STATUS, format!("unknown status {status:?}")))?,
        expiration: get_n(item, ATTR_EXPIRATION)?,
        in_progress_expiration: get_n(item, ATTR_IN_PROGRESS_EXPIRATION)?,
        payload_hash: PayloadHash::parse(get_s(item, ATTR_PAYLOAD_HASH)?)
            .map_err(|e| bad(ATTR_PAYLOAD_HASH, e))?,
        owner: get_s(item, ATTR_OWNER)?.to_owned(),
        result: match opt_s(item, ATTR_RESULT)? {
            Some(_) => Some(get_json(item, ATTR_RESULT)?),
            None => None,
        },
    })
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotencyStore {
    #[instrument(skip_all, fields(key = %record.key))]
    async fn acquire(&self, record: &IdempotencyRecord, now_ms: i64) -> Result<(), AcquireError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_to_item(record)))
            .condition_expression(TAKEABLE)
            .expression_attribute_names("#id", ATTR_ID)
            .expression_attribute_names("#exp", ATTR_EXPIRATION)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#ipe", ATTR_IN_PROGRESS_EXPIRATION)
            .expression_attribute_values(":now_s", n(now_ms.div_euclid(1000)))
            .expression_attribute_values(":now_ms", n(now_ms))
            .expression_attribute_values(":inprogress", s(IdempotencyStatus::InProgress.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let old = failed.item().ok_or_else(|| {
                        StoreError::malformed(ATTR_ID, "condition failed but no old item was returned")
                    })?;
                    Err(AcquireError::Exists(Box::new(record_from_item(old)?)))
                }
                _ => Err(map_sdk_error("PutItem", error).into()),
            },
        }
    }

    #[instrument(skip_all, fields(key = %key))]
    async fn complete(
        &self,
        key: &IdempotencyKey,
        owner: &str,
        result: &serde_json::Value,
        expiration: i64,
    ) -> Result<(), StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key.as_str()))
            .update_expression("SET #status = :completed, #result = :result, #exp = :exp")
            .condition_expression(HELD)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#result", ATTR_RESULT)
            .expression_attribute_names("#exp", ATTR_EXPIRATION)
            .expression_attribute_names("#owner", ATTR_OWNER)
            .expression_attribute_values(":completed", s(IdempotencyStatus::Completed.as_str()))
            .expression_attribute_values(":inprogress", s(IdempotencyStatus::InProgress.as_str()))
            .expression_attribute_values(":result", s(result.to_string()))
            .expression_attribute_values(":exp", n(expiration))
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Err(StoreError::NotHeld { key: key.clone() }),
            Err(error) => Err(map_sdk_error("UpdateItem", error)),
        }
    }

    #[instrument(skip_all, fields(key = %key))]
    async fn release(&self, key: &IdempotencyKey, owner: &str) -> Result<(), StoreError> {
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key.as_str()))
            .condition_expression(HELD)
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_names("#owner", ATTR_OWNER)
            .expression_attribute_values(":inprogress", s(IdempotencyStatus::InProgress.as_str()))
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        match sent {
            // Not ours any more (taken over, or gone): nothing of ours blocks the key.
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(map_sdk_error("DeleteItem", error)),
        }
    }

    #[instrument(skip_all, fields(key = %key))]
    async fn forget_completed(&self, key: &IdempotencyKey) -> Result<bool, StoreError> {
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(ATTR_ID, s(key.as_str()))
            .condition_expression("#status = :completed")
            .expression_attribute_names("#status", ATTR_STATUS)
            .expression_attribute_values(":completed", s(IdempotencyStatus::Completed.as_str()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            // Gone, or in progress: nothing to forget (a run in progress will apply it).
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(map_sdk_error("DeleteItem", error)),
        }
    }
}

/// True for `ConditionalCheckFailedException` from any operation.
pub(crate) fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    error: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    error.code() == Some("ConditionalCheckFailedException")
}
