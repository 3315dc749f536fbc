//! Money as integer minor units plus an ISO 4217 currency. Never a float: amounts are
//! parsed from decimal text exactly, and turned into Odoo's float only at the wire.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an amount or a currency code is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency {0:?} is not an ISO 4217 code (three upper-case letters)")]
    BadCurrency(String),
    #[error("amount {0:?} is not a decimal number")]
    NotDecimal(String),
    #[error("amount {amount:?} has more decimals than {currency} allows ({exponent})")]
    TooPrecise {
        amount: String,
        currency: Currency,
        exponent: u32,
    },
    #[error("amount {0:?} is out of range")]
    OutOfRange(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// An ISO 4217 currency code such as `USD` or `IDR`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String")]
pub struct Currency([u8; 3]);

/// Currencies whose minor unit is not the usual hundredth (ISO 4217).
const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
    "XOF", "XPF",
];
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    /// Accepts three ASCII letters, upper case (lower case is upper-cased: several
    /// gateways, Stripe among them, send `usd`).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.to_ascii_uppercase();
        match upper.as_bytes() {
            [a, b, c] if upper.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(MoneyError::BadCurrency(code.to_owned())),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in this currency's minor unit.
    pub fn exponent(&self) -> u32 {
        let code = self.as_str();
        if ZERO_DECIMALS.contains(&code) {
            0
        } else if THREE_DECIMALS.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, MoneyError> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> String {
        value.as_str().to_owned()
    }
}

/// An amount in a currency's minor units (cents for USD, whole rupiah sen for IDR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Money {
    /// The amount in minor units, e.g. 2350 for USD 23.50.
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// An amount already in minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses decimal text such as `"23.5"`, `"-4.00"` or `"150000"` exactly. Extra
    /// trailing zeros are accepted; a non-zero digit beyond the currency's exponent is not.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let exponent = currency.exponent();
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !is_digits(whole) || !is_digits(fraction) {
            return Err(MoneyError::NotDecimal(text.to_owned()));
        }
        let kept = fraction.len().min(exponent as usize);
        if fraction[kept..].bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooPrecise {
                amount: text.to_owned(),
                currency,
                exponent,
            });
        }
        let padded = format!(
            "{whole}{}{}",
            &fraction[..kept],
            "0".repeat(exponent as usize - kept)
        );
        let magnitude: i64 = if padded.is_empty() {
            0
        } else {
            padded
                .parse()
                .map_err(|_| MoneyError::OutOfRange(text.to_owned()))?
        };
        Ok(Self {
            minor: if negative { -magnitude } else { magnitude },
            currency,
        })
    }

    /// The amount as exact decimal text, e.g. `"23.50"`.
    pub fn to_decimal_string(&self) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let magnitude = self.minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{magnitude}");
        }
        let scale = 10u64.pow(exponent);
        format!(
            "{sign}{}.{:0width$}",
            magnitude / scale,
            magnitude % scale,
            width = exponent as usize
        )
    }

    /// The amount as Odoo's JSON wants it (a float). Only for the wire: the value is
    /// produced from the exact decimal text, so it is the nearest double to it.
    pub fn to_odoo_float(&self) -> f64 {
        self.to_decimal_string().parse().unwrap_or(f64::NAN)
    }

    /// Reads an amount Odoo returned as a float, rounding to the nearest minor unit.
    pub fn from_odoo_float(value: f64, currency: Currency) -> Result<Self, MoneyError> {
        let scaled = value * 10f64.powi(currency.exponent() as i32);
        if !scaled.is_finite() || scaled.abs() > 9.0e15 {
            return Err(MoneyError::OutOfRange(value.to_string()));
        }
        Ok(Self {
            minor: scaled.round() as i64,
            currency,
        })
    }

    /// The sum of two amounts in the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or_else(|| MoneyError::OutOfRange(format!("{self} + {other}")))?;
        Ok(Money::from_minor(minor, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(Money::parse_decimal("23.5", usd()).unwrap().minor, 2350);
        assert_eq!(Money::parse_decimal("-4.00", usd()).unwrap().minor, -400);
        assert_eq!(Money::parse_decimal("0.1", usd()).unwrap().minor, 10);
        assert_eq!(Money::parse_decimal("10.000", usd()).unwrap().minor, 1000);
        assert_eq!(Money::parse_decimal(".5", usd()).unwrap().minor, 50);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse_decimal("1500", jpy).unwrap().minor, 1500);
        let kwd = Currency::parse("kwd").unwrap();
        assert_eq!(Money::parse_decimal("1.234", kwd).unwrap().minor, 1234);
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        assert!(matches!(
            Money::parse_decimal("1.005", usd()),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse_decimal("1e3", usd()),
            Err(MoneyError::NotDecimal(_))
        ));
        assert!(matches!(
            Money::parse_decimal("", usd()),
            Err(MoneyError::NotDecimal(_))
        ));
        assert!(matches!(
            Money::parse_decimal(".", usd()),
            Err(MoneyError::NotDecimal(_))
        ));
        assert!(matches!(
            Money::parse_decimal("99999999999999999999", usd()),
            Err(MoneyError::OutOfRange(_))
        ));
        assert!(matches!(Currency::parse("US"), Err(MoneyError::BadCurrency(_))));
        assert!(matches!(Currency::parse("U$D"), Err(MoneyError::BadCurrency(_))));
    }

    #[test]
    fn rendering_round_trips() {
        for text in ["23.50", "-0.05", "0.00", "1234567.89"] {
            assert_eq!(
                Money::parse_decimal(text, usd()).unwrap().to_decimal_string(),
                text
            );
        }
        assert_eq!(Money::from_minor(2875, usd()).to_odoo_float(), 28.75);
        assert_eq!(Money::from_odoo_float(28.75, usd()).unwrap().minor, 2875);
        assert_eq!(Money::from_odoo_float(0.1 + 0.2, usd()).unwrap().minor, 30);
    }

    #[test]
    fn sums_refuse_mixed_currencies() {
        let eur = Currency::parse("EUR").unwrap();
        let sum = Money::from_minor(100, usd()).checked_add(Money::from_minor(50, usd()));
        assert_eq!(sum.unwrap().minor, 150);
        assert!(
            Money::from_minor(1, usd())
                .checked_add(Money::from_minor(1, eur))
                .is_err()
        );
    }
}
