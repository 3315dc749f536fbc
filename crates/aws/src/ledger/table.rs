//! The ledger table's definition. template.yaml and the local provisioning script must
//! match these constants.
//!
//! Key schema and indexes (all on-demand, both indexes project ALL so a query answers
//! without a second read per item):
//!
//! | what | partition key | sort key | holds |
//! |------|---------------|----------|-------|
//! | table | `event_key` (S) | - | every entry; `put_received` is conditional on `attribute_not_exists(event_key)`, and the event key is derived from (source, source event id), so that condition is the ingress dedupe |
//! | GSI `by-flow-day` | `flow_day` (S) `order#2026-11-23` | `received_ms` (N) | every entry, by flow and UTC day received (reconciliation, re-enqueue) |
//! | GSI `by-status-age` | `open_status` (S) `QUEUED` | `updated_ms` (N) | only non-final entries (RECEIVED, QUEUED, PARKED): `open_status` is removed when an entry reaches APPLIED, DISCARDED or IGNORED, so the index stays small (sparse) and "stuck for longer than X" is one range query |
//!
//! `open_status` is the bare status, not `status#flow`: a status change is one
//! `UpdateItem` on the event key, and the flow is not derivable from the key, so
//! writing `status#flow` would need a read first. The flow is a filter on the query
//! instead; stuck entries are few, so the filtered reads cost little. One partition per
//! open status takes about 1.2 writes/s at 100,000 events a day, far below a
//! partition's 1,000 writes/s. `flow_day` partitions hold one flow's day.

use crate::idempotency::table::{attribute, key};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType, ScalarAttributeType,
};

/// Table partition key (S): the event key.
pub const ATTR_EVENT_KEY: &str = "event_key";
/// GSI `by-flow-day` partition key (S): `{flow}#{yyyy-mm-dd}` of the received time, UTC.
pub const ATTR_FLOW_DAY: &str = "flow_day";
/// GSI `by-flow-day` sort key (N): received time, epoch ms.
pub const ATTR_RECEIVED_MS: &str = "received_ms";
/// GSI `by-status-age` partition key (S): the status, only while it is not final.
pub const ATTR_OPEN_STATUS: &str = "open_status";
/// GSI `by-status-age` sort key (N): time of the last status change, epoch ms.
pub const ATTR_UPDATED_MS: &str = "updated_ms";
/// Index for "entries of a flow received on a day".
pub const INDEX_BY_FLOW_DAY: &str = "by-flow-day";
/// Index for "entries in a status, unchanged since before T".
pub const INDEX_BY_STATUS_AGE: &str = "by-status-age";
/// Environment variable naming the table in the functions.
pub const ENV_LEDGER_TABLE: &str = "LEDGER_TABLE";

pub const ATTR_SOURCE: &str = "source";
pub const ATTR_SOURCE_EVENT_ID: &str = "source_event_id";
pub const ATTR_FLOW: &str = "flow";
/// The business key as JSON text (S).
pub const ATTR_BUSINESS_KEY: &str = "business_key";
pub const ATTR_CONTRACT_VERSION: &str = "contract_version";
pub const ATTR_TOPIC: &str = "topic";
pub const ATTR_CORRELATION_ID: &str = "correlation_id";
/// Epoch ms (N), absent when the source gave no time.
pub const ATTR_OCCURRED_MS: &str = "occurred_ms";
/// Minor units (N) and ISO code (S), absent for events without an amount.
pub const ATTR_AMOUNT_MINOR: &str = "amount_minor";
pub const ATTR_CURRENCY: &str = "currency";
/// `RECEIVED`, `QUEUED`, `APPLIED`, `PARKED`, `DISCARDED` or `IGNORED` (S).
pub const ATTR_STATUS: &str = "status";
/// APPLIED: the Odoo records touched, JSON text (S) `[{"model":..,"ids":[..]}]`.
pub const ATTR_ODOO_RECORDS: &str = "odoo_records";
/// PARKED: error class and short message; DISCARDED: reason and operator (all S).
pub const ATTR_REASON_CLASS: &str = "reason_class";
pub const ATTR_REASON_MESSAGE: &str = "reason_message";
pub const ATTR_DISCARD_REASON: &str = "discard_reason";
pub const ATTR_DISCARDED_BY: &str = "discarded_by";
/// History (L of M: `at` N epoch ms, `actor` S, `action` S, `detail` S optional).
pub const ATTR_HISTORY: &str = "history";
/// The canonical event as JSON text (S).
pub const ATTR_PAYLOAD: &str = "payload";

/// A `CreateTable` request for the ledger table named `table` with both indexes.
pub fn create_ledger_table(client: &Client, table: &str) -> Result<CreateTableFluentBuilder, BuildError> {
    Ok(client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(ATTR_EVENT_KEY, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(ATTR_FLOW_DAY, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(ATTR_RECEIVED_MS, ScalarAttributeType::N)?)
        .attribute_definitions(attribute(ATTR_OPEN_STATUS, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(ATTR_UPDATED_MS, ScalarAttributeType::N)?)
        .key_schema(key(ATTR_EVENT_KEY, KeyType::Hash)?)
        .global_secondary_indexes(index(INDEX_BY_FLOW_DAY, ATTR_FLOW_DAY, ATTR_RECEIVED_MS)?)
        .global_secondary_indexes(index(INDEX_BY_STATUS_AGE, ATTR_OPEN_STATUS, ATTR_UPDATED_MS)?))
}

fn index(name: &str, partition: &str, sort: &str) -> Result<GlobalSecondaryIndex, BuildError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(partition, KeyType::Hash)?)
        .key_schema(key(sort, KeyType::Range)?)
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
}
