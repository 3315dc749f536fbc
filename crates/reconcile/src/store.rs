//! Reports stored by run id in a DynamoDB table of their own (env `REPORTS_TABLE`).
//!
//! Key: partition [`ATTR_RUN_ID`] (S), sort [`ATTR_PART`] (N). A report is its JSON text
//! cut into parts of at most [`PART_BYTES`] (DynamoDB items stop at 400 KB; a day with
//! many exceptions exceeds that), each item also carrying [`ATTR_PARTS`], the count. A
//! reader refuses a report with parts missing rather than show half of it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::error::ReconcileError;
use crate::report::{REPORT_VERSION, Report};

/// Partition key: the run id.
pub const ATTR_RUN_ID: &str = "run_id";
/// Sort key: the part number, from 0.
pub const ATTR_PART: &str = "part";
/// How many parts the report has.
pub const ATTR_PARTS: &str = "parts";
/// The part's JSON text.
pub const ATTR_BODY: &str = "body";
/// Largest part, in bytes of JSON text.
pub const PART_BYTES: usize = 300_000;

/// A `CreateTable` request for a reports table named `table` (tests and local setup;
/// template.yaml declares the same key schema).
pub fn create_reports_table(
    client: &Client,
    table: &str,
) -> Result<CreateTableFluentBuilder, ReconcileError> {
    let attr = |name: &str, kind| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(kind)
            .build()
            .map_err(|e| ReconcileError::store("build table definition", e))
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| ReconcileError::store("build table definition", e))
    };
    Ok(client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(ATTR_RUN_ID, ScalarAttributeType::S)?)
        .attribute_definitions(attr(ATTR_PART, ScalarAttributeType::N)?)
        .key_schema(key(ATTR_RUN_ID, KeyType::Hash)?)
        .key_schema(key(ATTR_PART, KeyType::Range)?))
}

/// The reports table. Owns its client; cheap to clone.
#[derive(Clone, Debug)]
pub struct ReportStore {
    client: Client,
    table: String,
}

impl ReportStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Stores `report` under its run id. Writing the same run again overwrites it with
    /// the same parts, so a retried store is harmless.
    pub async fn put(&self, report: &Report) -> Result<(), ReconcileError> {
        let text = serde_json::to_string(report)?;
        let parts = split(&text, PART_BYTES);
        for (i, part) in parts.iter().enumerate() {
            self.client
                .put_item()
                .table_name(&self.table)
                .item(ATTR_RUN_ID, AttributeValue::S(report.run_id.clone()))
                .item(ATTR_PART, AttributeValue::N(i.to_string()))
                .item(ATTR_PARTS, AttributeValue::N(parts.len().to_string()))
                .item(ATTR_BODY, AttributeValue::S((*part).to_owned()))
                .send()
                .await
                .map_err(|e| ReconcileError::store("put report", aws_sdk_dynamodb::Error::from(e)))?;
        }
        Ok(())
    }

    /// The report stored under `run_id`: [`ReconcileError::NotFound`] when there is none,
    /// [`ReconcileError::Version`] for another document version.
    pub async fn load(&self, run_id: &str) -> Result<Report, ReconcileError> {
        let mut text = String::new();
        let mut expected_parts = None;
        let mut seen = 0usize;
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#r = :r")
                .expression_attribute_names("#r", ATTR_RUN_ID)
                .expression_attribute_values(":r", AttributeValue::S(run_id.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| ReconcileError::store("query report", aws_sdk_dynamodb::Error::from(e)))?;
            for item in page.items() {
                let n = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_n().ok())
                        .and_then(|v| v.parse::<usize>().ok())
                };
                expected_parts = expected_parts.or(n(ATTR_PARTS));
                if let Some(AttributeValue::S(body)) = item.get(ATTR_BODY) {
                    text.push_str(body);
                    seen += 1;
                }
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                break;
            }
        }
        match expected_parts {
            None => return Err(ReconcileError::NotFound(run_id.to_owned())),
            Some(parts) if parts != seen => {
                return Err(ReconcileError::store(
                    "read report",
                    format!("{seen} of {parts} parts present"),
                ));
            }
            Some(_) => {}
        }
        decode(&text)
    }
}

/// Parses a stored report, refusing other versions before reading the rest.
pub(crate) fn decode(text: &str) -> Result<Report, ReconcileError> {
    #[derive(serde::Deserialize)]
    struct Head {
        version: String,
    }
    let head: Head = serde_json::from_str(text)?;
    if head.version != REPORT_VERSION {
        return Err(ReconcileError::Version(head.version));
    }
    Ok(serde_json::from_str(text)?)
}

/// Cuts `text` into parts of at most `max` bytes, each ending on a char boundary.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        parts.push(head);
        rest = tail;
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_rejoin_to_the_text_and_never_cut_a_character() {
        let text = "ab€cd€".repeat(10);
        let parts = split(&text, 7);
        assert!(parts.iter().all(|p| p.len() <= 7 && !p.is_empty()));
        assert_eq!(parts.concat(), text);
        assert_eq!(split("", 7), vec![""]);
    }

    #[test]
    fn another_version_is_refused() {
        let error = decode(r#"{"version":"report.v2"}"#).unwrap_err();
        assert!(matches!(error, ReconcileError::Version(v) if v == "report.v2"));
        assert!(matches!(decode("nope"), Err(ReconcileError::Decode(_))));
    }
}
