//! Contract violations with the JSON path of the offending field, so a sender's 422 and
//! an operator's DLQ reason both say exactly what was wrong.

use crate::money::{Currency, Money};

/// One rule a canonical event broke: where (`lines[2].unit_price.currency`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ContractError {
    /// The JSON path of the field, e.g. `lines[0].quantity`.
    pub path: String,
    /// What is wrong with it, in words a sender can act on.
    pub reason: String,
}

impl ContractError {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// The same violation seen from a parent object: `field` is prefixed to the path.
    pub fn within(mut self, field: &str) -> Self {
        self.path = if self.path.starts_with('[') || self.path.is_empty() {
            format!("{field}{}", self.path)
        } else {
            format!("{field}.{}", self.path)
        };
        self
    }
}

/// Checks that a text field is non-blank and at most `max` characters long.
pub(crate) fn text(path: &str, value: &str, max: usize) -> Result<(), ContractError> {
    if value.trim().is_empty() {
        return Err(ContractError::new(path, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ContractError::new(
            path,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Like [`text`] for an optional field: absent is fine, present must be valid.
pub(crate) fn optional_text(path: &str, value: Option<&str>, max: usize) -> Result<(), ContractError> {
    value.map_or(Ok(()), |v| text(path, v, max))
}

/// Checks an amount's currency against the event's, and that it is not negative.
pub(crate) fn amount(path: &str, value: &Money, currency: Currency) -> Result<(), ContractError> {
    if value.currency != currency {
        return Err(ContractError::new(
            format!("{path}.currency"),
            format!("is {} but the event is in {currency}", value.currency),
        ));
    }
    if value.minor < 0 {
        return Err(ContractError::new(
            format!("{path}.minor"),
            "must not be negative",
        ));
    }
    Ok(())
}

/// Like [`amount`], and the amount must be more than zero.
pub(crate) fn positive_amount(path: &str, value: &Money) -> Result<(), ContractError> {
    amount(path, value, value.currency)?;
    if value.minor == 0 {
        return Err(ContractError::new(
            format!("{path}.minor"),
            "must be more than zero",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_like_json() {
        let error = ContractError::new("minor", "must not be negative").within("unit_price");
        assert_eq!(error.path, "unit_price.minor");
        let error = error.within("[2]").within("lines");
        assert_eq!(
            error.to_string(),
            "lines[2].unit_price.minor: must not be negative"
        );
    }

    #[test]
    fn text_rules() {
        assert!(text("name", "  ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "ok", 10).is_ok());
        assert!(optional_text("email", None, 10).is_ok());
    }
}
