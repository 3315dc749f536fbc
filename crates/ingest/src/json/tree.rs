//! A JSON document tree borrowing from the raw body.

use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// One JSON value. Numbers keep serde_json's reading (whole numbers exactly, others as
/// the nearest double, whose shortest decimal text is what a sender wrote).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Which object members to keep: a mapping reads a few dozen of a payload's hundreds of
/// keys, and members it never reads are skipped by the parser (still checked to be valid
/// JSON) instead of being built. `None` keeps everything.
pub(crate) type Keep = Option<fn(&str) -> bool>;

impl<'a> Json<'a> {
    /// Parses a body; the tree borrows from it.
    #[cfg(test)]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, serde_json::Error> {
        Self::parse_keeping(body, None)
    }

    /// Parses a body keeping only the object members `keep` accepts (at any depth).
    pub(crate) fn parse_keeping(body: &'a [u8], keep: Keep) -> Result<Self, serde_json::Error> {
        // Checking UTF-8 once over the whole body is much faster than serde_json checking
        // it string by string; a body that is not UTF-8 takes the slice path, which
        // reports where the bad byte is.
        match std::str::from_utf8(body) {
            Ok(text) => Self::finish(serde_json::Deserializer::from_str(text), keep),
            Err(_) => Self::finish(serde_json::Deserializer::from_slice(body), keep),
        }
    }

    fn finish<R: serde_json::de::Read<'a>>(
        mut deserializer: serde_json::Deserializer<R>,
        keep: Keep,
    ) -> Result<Self, serde_json::Error> {
        let value = Seed(keep).deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(value)
    }

    /// The member `key` of an object (the last one when a key repeats, as
    /// `serde_json::Value` does); `None` for anything else.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Self::Obj(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Self::Obj(_))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Self::U64(n) => Some(*n),
            Self::I64(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Self::U64(n) => i64::try_from(*n).ok(),
            Self::I64(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Self::Arr(items) => Some(items),
            _ => None,
        }
    }

    /// A number's decimal text, as serde_json would print it; `None` for non-numbers.
    pub(crate) fn number_text(&self) -> Option<String> {
        match self {
            Self::U64(n) => Some(n.to_string()),
            Self::I64(n) => Some(n.to_string()),
            Self::F64(n) => serde_json::Number::from_f64(*n).map(|n| n.to_string()),
            _ => None,
        }
    }

    /// True for whole numbers.
    pub(crate) fn is_integer(&self) -> bool {
        matches!(self, Self::U64(_) | Self::I64(_))
    }

    /// The same value as a `serde_json::Value` (for the rare paths that hand a subtree
    /// to serde, such as canonical events posted by a generic source).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::U64(n) => Value::from(*n),
            Self::I64(n) => Value::from(*n),
            Self::F64(n) => Value::from(*n),
            Self::Str(s) => Value::String(s.to_string()),
            Self::Arr(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Self::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// A string that borrows from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Parses one value, keeping the members `.0` accepts.
#[derive(Clone, Copy)]
struct Seed(Keep);

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(JsonVisitor(self.0))
    }
}

struct JsonVisitor(Keep);

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Seed(self.0).deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Json::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // JSON gives no length hint; a small start saves most regrowth on typical payloads.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
        while let Some(item) = seq.next_element_seed(Seed(self.0))? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
        while let Some(Text(key)) = map.next_key()? {
            if self.0.is_none_or(|keep| keep(&key)) {
                let value = map.next_value_seed(Seed(self.0))?;
                members.push((key, value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Json::Obj(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_serde_json_and_borrows_plain_strings() {
        let body = br#"{"a":"plain","b":"esc\"aped","n":-3,"u":18446744073709551615,"f":23.5,"l":[null,true],"a":"last"}"#;
        let doc = Json::parse(body).unwrap();
        assert_eq!(doc.get("a").and_then(Json::as_str), Some("last"));
        assert!(matches!(doc.get("b"), Some(Json::Str(Cow::Owned(s))) if s == "esc\"aped"));
        assert_eq!(doc.get("n").and_then(Json::as_i64), Some(-3));
        assert_eq!(doc.get("u").and_then(Json::as_u64), Some(u64::MAX));
        assert_eq!(doc.get("f").and_then(Json::number_text).as_deref(), Some("23.5"));
        assert_eq!(doc.get("l").and_then(Json::as_array).map(<[_]>::len), Some(2));
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(doc.to_value(), value);
    }

    #[test]
    fn members_not_kept_are_skipped_but_still_checked() {
        let keep: Keep = Some(|key| matches!(key, "a" | "b"));
        let doc = Json::parse_keeping(br#"{"a":{"b":1,"c":2},"c":{"a":3}}"#, keep).unwrap();
        assert_eq!(doc.to_value(), serde_json::json!({"a": {"b": 1}}));
        assert!(Json::parse_keeping(br#"{"a":1,"c":[1,}"#, keep).is_err());
        assert!(Json::parse_keeping(br#"{"a":1} trailing"#, keep).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(Json::parse(deep.as_bytes()).is_err());
    }
}
