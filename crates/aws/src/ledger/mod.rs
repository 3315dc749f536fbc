//! The event ledger on DynamoDB ([`DynamoLedger`]); key schema and indexes in [`table`].
//!
//! Requests: `put_received` is one conditional `PutItem` (a duplicate's status comes
//! back with the failure via `ALL_OLD`, no read); each `mark_*` is one conditional
//! `UpdateItem` (a refused or no-op transition learns the current status the same way);
//! `append_audit` one `UpdateItem`; `get` one consistent `GetItem`; queries one `Query`
//! per page. So the ingress path (put + mark QUEUED) costs two requests.

pub mod item;
pub mod table;
pub mod update;

pub use table::*;

use crate::idempotency::is_condition_failure;
use crate::idempotency::sdk::{self, ConfigError, map_sdk_error, n, s};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, NaiveDate, Utc};
use item::{entry_from_item, entry_to_item, flow_day, history_to_value, key_from_token, token_from_key};
use spine_core::idempotency::StoreError;
use spine_core::ledger::transition::{self, Transition};
use spine_core::ledger::{
    HistoryEntry, Ledger, LedgerEntry, LedgerError, LedgerStatus, Page, PageToken, PutOutcome, StatusKind,
};
use spine_core::{EventKey, Flow};
use tracing::instrument;

/// Where the ledger table is; read once at cold start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerTableConfig {
    pub table: String,
}

impl LedgerTableConfig {
    /// Reads [`ENV_LEDGER_TABLE`]; a clear error when it is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table: sdk::table_from_env(ENV_LEDGER_TABLE)?,
        })
    }
}

/// [`Ledger`] on one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoLedger {
    client: Client,
    table: String,
}

impl DynamoLedger {
    /// A ledger on `config.table` using `client` (built once, at cold start).
    pub fn new(client: Client, config: LedgerTableConfig) -> Self {
        Self {
            client,
            table: config.table,
        }
    }

    /// One page of a query on `index` with `condition` (and an optional filter).
    async fn query_page(
        &self,
        index: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        filter: Option<(&str, AttributeValue)>,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let start = page.as_ref().map(key_from_token).transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(condition)
            .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX))
            .scan_index_forward(true)
            .set_exclusive_start_key(start);
        for (name, value) in values {
            request = request.expression_attribute_values(name, value);
        }
        if let Some((name, value)) = filter {
            request = request
                .filter_expression(format!("#filter = {name}"))
                .expression_attribute_names("#filter", ATTR_FLOW)
                .expression_attribute_values(name, value);
        }
        let out = request.send().await.map_err(|e| map_sdk_error("Query", e))?;
        let items = out
            .items()
            .iter()
            .map(entry_from_item)
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page {
            items,
            next: out.last_evaluated_key().map(token_from_key),
        })
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    #[instrument(skip_all, fields(event_key = %entry.event_key, flow = %entry.flow, source = %entry.source))]
    async fn put_received(&self, entry: &LedgerEntry) -> Result<PutOutcome, LedgerError> {
        let kind = entry.status.kind();
        if !matches!(kind, StatusKind::Received | StatusKind::Ignored) {
            return Err(LedgerError::InvalidInitialStatus(kind));
        }
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_to_item(entry)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", ATTR_EVENT_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let error = match sent {
            Ok(_) => return Ok(PutOutcome::Inserted),
            Err(error) => error,
        };
        match error.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                let old = failed
                    .item()
                    .ok_or_else(|| StoreError::malformed(ATTR_EVENT_KEY, "duplicate without its old item"))?;
                let status = item::status_from_item(old)?.kind();
                Ok(PutOutcome::Duplicate { status })
            }
            _ => Err(map_sdk_error("PutItem", error).into()),
        }
    }

    #[instrument(skip_all, fields(event_key = %key))]
    async fn transition(
        &self,
        key: &EventKey,
        status: LedgerStatus,
        line: HistoryEntry,
    ) -> Result<(), LedgerError> {
        let to = status.kind();
        let update = update::status_update(&status, &line);
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_EVENT_KEY, s(key.as_str()))
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values));
        let sent = request
            .update_expression(update.update)
            .condition_expression(update.condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let error = match sent {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let Some(UpdateItemError::ConditionalCheckFailedException(failed)) = error.as_service_error() else {
            return Err(map_sdk_error("UpdateItem", error).into());
        };
        let Some(old) = failed.item() else {
            return Err(LedgerError::NotFound(key.clone()));
        };
        let from = item::status_from_item(old)?.kind();
        match transition::check(from, to) {
            Transition::NoOp => Ok(()),
            Transition::Refuse | Transition::Apply => Err(LedgerError::InvalidTransition {
                event_key: key.clone(),
                from,
                to,
            }),
        }
    }

    #[instrument(skip_all, fields(event_key = %key))]
    async fn append_audit(&self, key: &EventKey, entry: &HistoryEntry) -> Result<(), LedgerError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ATTR_EVENT_KEY, s(key.as_str()))
            .update_expression("SET #history = list_append(if_not_exists(#history, :empty), :line)")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", ATTR_EVENT_KEY)
            .expression_attribute_names("#history", ATTR_HISTORY)
            .expression_attribute_values(":line", AttributeValue::L(vec![history_to_value(entry)]))
            .expression_attribute_values(":empty", AttributeValue::L(vec![]))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Err(LedgerError::NotFound(key.clone())),
            Err(error) => Err(map_sdk_error("UpdateItem", error).into()),
        }
    }

    #[instrument(skip_all, fields(event_key = %key))]
    async fn get(&self, key: &EventKey) -> Result<Option<LedgerEntry>, LedgerError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(ATTR_EVENT_KEY, s(key.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| map_sdk_error("GetItem", e))?;
        Ok(out.item().map(entry_from_item).transpose()?)
    }

    #[instrument(skip(self, page), fields(flow = %flow))]
    async fn query_by_flow_day(
        &self,
        flow: Flow,
        day: NaiveDate,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let condition = format!("{ATTR_FLOW_DAY} = :fd");
        let values = vec![(":fd", s(flow_day(flow, day)))];
        self.query_page(INDEX_BY_FLOW_DAY, &condition, values, None, limit, page)
            .await
    }

    #[instrument(skip(self, page))]
    async fn query_by_status(
        &self,
        status: StatusKind,
        flow: Option<Flow>,
        older_than: DateTime<Utc>,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let Some(open) = item::open_status(status) else {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        };
        let condition = format!("{ATTR_OPEN_STATUS} = :os AND {ATTR_UPDATED_MS} < :before");
        let values = vec![(":os", s(open)), (":before", n(older_than.timestamp_millis()))];
        let filter = flow.map(|f| (":flow", s(f.as_str())));
        self.query_page(INDEX_BY_STATUS_AGE, &condition, values, filter, limit, page)
            .await
    }
}
