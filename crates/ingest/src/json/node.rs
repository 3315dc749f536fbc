//! A place in a [`Json`] document and the way to it, so a payload that does not fit is
//! refused with `line_items[2].price: ...` and not a bare "invalid". The path is
//! rendered only when an error is built, so the happy path allocates nothing for it.

use super::{Json, Keep};
use crate::error::FieldError;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use spine_core::{Currency, Money, SourceEventId};

#[derive(Clone, Copy)]
enum Step<'p> {
    Root,
    Key(&'p str),
    Index(usize),
}

/// A place in a JSON document: the value there (if any, borrowed for `'v`) and how it
/// was reached (the chain of parents, borrowed for `'p`).
#[derive(Clone, Copy)]
pub(crate) struct Node<'p, 'v> {
    value: Option<&'v Json<'v>>,
    step: Step<'p>,
    parent: Option<&'p Node<'p, 'v>>,
    /// The parse filter, so debug builds catch a mapping reading a key it dropped.
    keep: Keep,
}

impl<'p, 'v> Node<'p, 'v> {
    /// The document's root.
    pub(crate) fn root(value: &'v Json<'v>, keep: Keep) -> Self {
        Self {
            value: Some(value),
            step: Step::Root,
            parent: None,
            keep,
        }
    }

    /// The JSON path to this node, e.g. `data.object.metadata.order_id`.
    pub(crate) fn path(&self) -> String {
        let mut steps = Vec::new();
        let mut node = Some(self);
        while let Some(n) = node {
            steps.push(n.step);
            node = n.parent;
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Root => {}
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        path
    }

    /// An error at this node.
    pub(crate) fn error(&self, reason: impl Into<String>) -> FieldError {
        FieldError::new(self.path(), reason)
    }

    /// The member `key` of this object (absent when this is not an object).
    pub(crate) fn get<'s>(&'s self, key: &'s str) -> Node<'s, 'v>
    where
        'p: 's,
    {
        debug_assert!(
            self.keep.is_none_or(|keep| keep(key)),
            "the mapping reads {key:?}, which its parse filter drops"
        );
        Node {
            value: self.value.and_then(|v| v.get(key)),
            step: Step::Key(key),
            parent: Some(self),
            keep: self.keep,
        }
    }

    /// The value, or "is missing" when absent or null.
    pub(crate) fn required(&self) -> Result<&'v Json<'v>, FieldError> {
        self.present().ok_or_else(|| self.error("is missing"))
    }

    /// The value when present and not null.
    pub(crate) fn present(&self) -> Option<&'v Json<'v>> {
        self.value.filter(|v| !v.is_null())
    }

    /// A required string.
    pub(crate) fn str(&self) -> Result<&'v str, FieldError> {
        self.required()?
            .as_str()
            .ok_or_else(|| self.error("must be a string"))
    }

    /// An optional string; blank counts as absent.
    pub(crate) fn opt_str(&self) -> Result<Option<&'v str>, FieldError> {
        match self.present() {
            None => Ok(None),
            Some(Json::Str(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s)),
            Some(_) => Err(self.error("must be a string")),
        }
    }

    /// An identifier given as a string or a whole number (Shopify and WooCommerce send
    /// numeric ids; JSON numbers are read as text so 64-bit ids never pass through f64).
    pub(crate) fn id(&self) -> Result<SourceEventId, FieldError> {
        let value = self.required()?;
        let parsed = match value {
            Json::Str(s) => SourceEventId::parse(s),
            number if number.is_integer() => SourceEventId::parse(&number.number_text().unwrap_or_default()),
            _ => return Err(self.error("must be a string or a whole number")),
        };
        parsed.map_err(|e| self.error(e.to_string()))
    }

    /// A required boolean.
    pub(crate) fn bool(&self) -> Result<bool, FieldError> {
        self.required()?
            .as_bool()
            .ok_or_else(|| self.error("must be true or false"))
    }

    /// A required non-negative whole number.
    pub(crate) fn u64(&self) -> Result<u64, FieldError> {
        let value = self.required()?;
        value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| self.error("must be a non-negative whole number"))
    }

    /// A required amount in minor units, given as a whole number (Stripe's style).
    pub(crate) fn minor(&self, currency: Currency) -> Result<Money, FieldError> {
        let value = self.required()?;
        let minor = value
            .as_i64()
            .ok_or_else(|| self.error("must be a whole number of minor units"))?;
        Ok(Money::from_minor(minor, currency))
    }

    /// A required decimal amount, given as text (`"23.50"`) or a JSON number (`23.5`,
    /// read from its decimal text, never through a float).
    pub(crate) fn decimal(&self, currency: Currency) -> Result<Money, FieldError> {
        let value = self.required()?;
        let text = match (value, value.number_text()) {
            (Json::Str(s), _) => std::borrow::Cow::Borrowed(s.as_ref()),
            (_, Some(number)) => std::borrow::Cow::Owned(number),
            _ => return Err(self.error("must be a decimal amount")),
        };
        Money::parse_decimal(&text, currency).map_err(|e| self.error(e.to_string()))
    }

    /// A required currency code.
    pub(crate) fn currency(&self) -> Result<Currency, FieldError> {
        Currency::parse(self.str()?).map_err(|e| self.error(e.to_string()))
    }

    /// A required RFC 3339 time (`2026-11-20T10:00:00+07:00`).
    pub(crate) fn rfc3339(&self) -> Result<DateTime<Utc>, FieldError> {
        DateTime::parse_from_rfc3339(self.str()?.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| self.error("must be an RFC 3339 time"))
    }

    /// A required local time without offset (`2026-11-20 17:05:00` or with a `T`),
    /// in the zone `offset_secs` east of UTC.
    pub(crate) fn local_time(&self, offset_secs: i32) -> Result<DateTime<Utc>, FieldError> {
        let text = self.str()?.trim();
        let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .ok_or_else(|| self.error("must be a time like 2026-11-20 17:05:00"))?;
        let zone = chrono::FixedOffset::east_opt(offset_secs).ok_or_else(|| self.error("bad zone"))?;
        zone.from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| self.error("is not a valid local time"))
    }

    /// A required time in Unix seconds.
    pub(crate) fn unix(&self) -> Result<DateTime<Utc>, FieldError> {
        let seconds = self
            .required()?
            .as_i64()
            .ok_or_else(|| self.error("must be Unix seconds"))?;
        DateTime::from_timestamp(seconds, 0).ok_or_else(|| self.error("is out of range"))
    }

    /// The elements of a required array, each with its index in the path.
    pub(crate) fn array<'s>(&'s self) -> Result<Vec<Node<'s, 'v>>, FieldError>
    where
        'p: 's,
    {
        let items = self
            .required()?
            .as_array()
            .ok_or_else(|| self.error("must be an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value: Some(value),
                step: Step::Index(i),
                parent: Some(self),
                keep: self.keep,
            })
            .collect())
    }

    /// Like [`Node::array`], an absent or null array being empty.
    pub(crate) fn opt_array<'s>(&'s self) -> Result<Vec<Node<'s, 'v>>, FieldError>
    where
        'p: 's,
    {
        if self.present().is_none() {
            return Ok(Vec::new());
        }
        self.array()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_path_through_objects_and_arrays() {
        let doc = Json::parse(br#"{"a":{"items":[{"x":1},{"x":"two"}]}}"#).expect("JSON");
        let root = Node::root(&doc, None);
        let a = root.get("a");
        let items = a.get("items");
        let list = items.array().expect("an array");
        assert_eq!(list[0].get("x").u64(), Ok(1));
        let error = list[1].get("x").u64().unwrap_err();
        assert_eq!(error.path, "a.items[1].x");
        assert_eq!(
            root.get("missing").get("deeper").str().unwrap_err().path,
            "missing.deeper"
        );
    }

    #[test]
    fn amounts_ids_and_times_read_exactly() {
        let doc = Json::parse(
            br#"{"s":"23.50","n":23.5,"big":820982911946154508,"t":"2026-11-20 17:05:00","u":1795168800,"f":1.5}"#,
        )
        .expect("JSON");
        let root = Node::root(&doc, None);
        let usd = Currency::parse("USD").expect("USD");
        assert_eq!(root.get("s").decimal(usd).map(|m| m.minor), Ok(2350));
        assert_eq!(root.get("n").decimal(usd).map(|m| m.minor), Ok(2350));
        assert_eq!(
            root.get("big").id().map(|i| i.to_string()),
            Ok("820982911946154508".into())
        );
        assert!(root.get("f").id().is_err(), "a fractional id is refused");
        let jakarta = root.get("t").local_time(7 * 3600).expect("a local time");
        assert_eq!(jakarta.to_rfc3339(), "2026-11-20T10:05:00+00:00");
        assert_eq!(root.get("u").unix().map(|t| t.timestamp()), Ok(1_795_168_800));
        assert!(
            root.get("s").minor(usd).is_err(),
            "minor units must be a whole number"
        );
    }
}
