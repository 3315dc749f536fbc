//! Shared by the DynamoDB adapters: SDK errors mapped onto the core's [`StoreError`],
//! table-name configuration from the environment, and typed reads of item attributes
//! that name the attribute when it is missing or malformed.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use spine_core::idempotency::StoreError;
use std::collections::HashMap;

/// A DynamoDB item as the SDK represents it.
pub type Item = HashMap<String, AttributeValue>;

/// Service error codes that pass on their own.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "LimitExceededException",
];

/// Maps an SDK failure of `operation`: throttling, 5xx, timeouts and connection
/// failures are [`StoreError::Unavailable`]; everything else [`StoreError::Rejected`].
pub fn map_sdk_error<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = error.code().map(str::to_owned);
    let status = error.raw_response().map(|r| r.status().as_u16());
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(_) => {
            status.is_some_and(|s| s >= 500) || code.as_deref().is_some_and(|c| TRANSIENT_CODES.contains(&c))
        }
        _ => false,
    };
    let message = format!(
        "DynamoDB {operation} failed ({})",
        code.or_else(|| status.map(|s| format!("HTTP {s}")))
            .unwrap_or_else(|| "no response".to_owned())
    );
    let source = Box::new(error);
    if transient {
        StoreError::Unavailable { message, source }
    } else {
        StoreError::Rejected { message, source }
    }
}

/// Why a table name could not be read from the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {var} is not set (it names the DynamoDB table)")]
    Missing { var: &'static str },
    #[error("environment variable {var} is not a valid DynamoDB table name: {reason}")]
    Invalid { var: &'static str, reason: &'static str },
}

/// Reads and checks the table name in `var` (3 to 255 of `a-z A-Z 0-9 _ - .`).
pub fn table_from_env(var: &'static str) -> Result<String, ConfigError> {
    let value = std::env::var(var).map_err(|_| ConfigError::Missing { var })?;
    check_table_name(var, &value)?;
    Ok(value)
}

fn check_table_name(var: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.len() < 3 || value.len() > 255 {
        return Err(ConfigError::Invalid {
            var,
            reason: "length must be 3 to 255",
        });
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !value.chars().all(ok) {
        return Err(ConfigError::Invalid {
            var,
            reason: "allowed characters are a-z, A-Z, 0-9, '_', '-' and '.'",
        });
    }
    Ok(())
}

/// The string attribute `name`.
pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        Some(_) => Err(StoreError::malformed(name, "expected a string (S)")),
        None => Err(StoreError::malformed(name, "missing")),
    }
}

/// The optional string attribute `name`.
pub fn opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => get_s(item, name).map(Some),
    }
}

/// The integer number attribute `name`.
pub fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| StoreError::malformed(name, format!("not an integer: {value:?}"))),
        Some(_) => Err(StoreError::malformed(name, "expected a number (N)")),
        None => Err(StoreError::malformed(name, "missing")),
    }
}

/// The optional integer number attribute `name`.
pub fn opt_n(item: &Item, name: &str) -> Result<Option<i64>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => get_n(item, name).map(Some),
    }
}

/// A string attribute holding JSON.
pub fn get_json<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> Result<T, StoreError> {
    serde_json::from_str(get_s(item, name)?)
        .map_err(|e| StoreError::malformed(name, format!("bad JSON: {e}")))
}

/// A number attribute.
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_variable_is_named_in_the_error() {
        let err = table_from_env("SPINE_TEST_NEVER_SET_TABLE").unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing {
                var: "SPINE_TEST_NEVER_SET_TABLE"
            }
        );
        assert!(err.to_string().contains("SPINE_TEST_NEVER_SET_TABLE"));
    }

    #[test]
    fn table_names_are_checked() {
        assert!(check_table_name("X", "spine-ledger_1.prod").is_ok());
        assert!(check_table_name("X", "ab").is_err());
        assert!(check_table_name("X", "has space").is_err());
    }

    #[test]
    fn timeouts_are_transient_and_unsent_requests_are_not() {
        use aws_sdk_dynamodb::operation::put_item::PutItemError;
        let timeout: SdkError<PutItemError, HttpResponse> = SdkError::timeout_error("deadline");
        assert!(matches!(
            map_sdk_error("PutItem", timeout),
            StoreError::Unavailable { .. }
        ));
        let unbuilt: SdkError<PutItemError, HttpResponse> = SdkError::construction_failure("no table");
        let mapped = map_sdk_error("PutItem", unbuilt);
        assert!(matches!(mapped, StoreError::Rejected { .. }));
        assert!(mapped.to_string().contains("PutItem"), "{mapped}");
    }

    #[test]
    fn reads_name_the_attribute() {
        let mut item = Item::new();
        item.insert("a".into(), n(5));
        item.insert("b".into(), s("x"));
        assert_eq!(get_n(&item, "a").unwrap(), 5);
        let err = get_n(&item, "b").unwrap_err().to_string();
        assert!(err.contains("\"b\""), "{err}");
        let err = get_s(&item, "c").unwrap_err().to_string();
        assert!(err.contains("\"c\"") && err.contains("missing"), "{err}");
        assert_eq!(opt_n(&item, "c").unwrap(), None);
    }
}
