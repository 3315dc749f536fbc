//! `load()`: deciding whether a load is an upsert (safe to repeat) and reading its answer.
//!
//! A load is only idempotent when every record it writes is addressed by an external id
//! (`id`) or a database id (`.id`), including one2many lines: ODOO.md's trap is that
//! lines without their own id are appended again on every repeat.

use serde_json::Value;

use crate::error::{LoadMessage, OdooError};

/// The answer of a successful `load()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadResult {
    /// The database ids of the loaded top-level records, in row order.
    pub ids: Vec<i64>,
    /// Non-error messages (warnings) Odoo returned.
    pub warnings: Vec<LoadMessage>,
}

fn is_id(segment: &str) -> bool {
    segment == "id" || segment == ".id"
}

/// The prefixes (`""` for the record itself, `order_line/` for lines) whose records are
/// written by these columns, each with the index of its `id`/`.id` column if any.
fn record_paths(fields: &[&str]) -> Vec<(String, Option<usize>)> {
    let mut paths: Vec<(String, Option<usize>)> = vec![(String::new(), None)];
    for field in fields {
        let segments: Vec<&str> = field.split('/').collect();
        // Every prefix followed by a non-id segment is a sub-record being written;
        // the last segment's own prefix followed by id is only a reference.
        for k in 1..segments.len() {
            if !is_id(segments[k]) {
                let prefix = format!("{}/", segments[..k].join("/"));
                if !paths.iter().any(|(p, _)| *p == prefix) {
                    paths.push((prefix, None));
                }
            }
        }
    }
    for (prefix, id_col) in &mut paths {
        *id_col = fields
            .iter()
            .position(|f| f.strip_prefix(prefix.as_str()).is_some_and(is_id));
    }
    paths
}

/// True when repeating this load updates the same records instead of creating more:
/// the record and every one2many level have an id column, and every row that writes a
/// level's columns fills that level's id.
pub fn is_upsert(fields: &[&str], rows: &[Vec<String>]) -> bool {
    let paths = record_paths(fields);
    paths.iter().all(|(prefix, id_col)| {
        let Some(id_col) = *id_col else { return false };
        // A column belongs to this level when it is a plain field of it, or a reference
        // (`x/id`) whose `x` is not itself a sub-record level.
        let own = |i: usize| match fields[i].strip_prefix(prefix.as_str()).map(|r| r.split_once('/')) {
            Some(None) => true,
            Some(Some((head, tail))) => {
                is_id(tail) && !paths.iter().any(|(p, _)| *p == format!("{prefix}{head}/"))
            }
            None => false,
        };
        rows.iter().all(|row| {
            let writes_level = (0..fields.len()).any(|i| own(i) && row.get(i).is_some_and(|v| !v.is_empty()));
            !writes_level || row.get(id_col).is_some_and(|v| !v.trim().is_empty())
        })
    })
}

fn message(value: &Value) -> LoadMessage {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    LoadMessage {
        level: text("type").unwrap_or_else(|| "error".to_owned()),
        field: text("field"),
        message: text("message").unwrap_or_default(),
    }
}

/// Reads `{"ids": [...] | false, "messages": [...]}`. Error messages or `ids: false`
/// are a failed write ([`OdooError::Load`]); warnings are returned with the ids.
pub fn parse_answer(model: &str, answer: &Value) -> Result<LoadResult, OdooError> {
    let protocol = |detail: &str| OdooError::Protocol {
        detail: format!("load answer: {detail}"),
        source: None,
    };
    let messages: Vec<LoadMessage> = match answer.get("messages") {
        Some(Value::Array(items)) => items.iter().map(message).collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(protocol("messages is not a list")),
    };
    let (errors, warnings): (Vec<_>, Vec<_>) = messages.into_iter().partition(|m| m.level == "error");
    let ids = match answer.get("ids") {
        Some(Value::Array(ids)) => ids.iter().map(Value::as_i64).collect::<Option<Vec<i64>>>(),
        Some(Value::Bool(false)) => None,
        _ => return Err(protocol("ids is neither a list nor false")),
    };
    match ids {
        Some(ids) if errors.is_empty() => Ok(LoadResult { ids, warnings }),
        _ => {
            let mut all = errors;
            if all.is_empty() {
                all.push(LoadMessage {
                    level: "error".into(),
                    field: None,
                    message: "ids: false without a message".into(),
                });
            }
            all.extend(warnings);
            Err(OdooError::Load {
                model: model.to_owned(),
                messages: all,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(data: &[&[&str]]) -> Vec<Vec<String>> {
        data.iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn a_record_with_an_external_id_is_an_upsert() {
        assert!(is_upsert(
            &["id", "name", "parent_id/id"],
            &rows(&[&["spine.c1", "Ann", "spine.p"]])
        ));
        assert!(is_upsert(&[".id", "name"], &rows(&[&["7", "Ann"]])));
        assert!(!is_upsert(&["name"], &rows(&[&["Ann"]])), "no id column");
        assert!(
            !is_upsert(&["id", "name"], &rows(&[&["", "Ann"]])),
            "an empty id creates"
        );
    }

    #[test]
    fn one2many_lines_need_their_own_ids() {
        let fields = [
            "id",
            "partner_id/.id",
            "order_line/id",
            "order_line/product_id/.id",
            "order_line/product_uom_qty",
        ];
        let good = rows(&[
            &["spine.o1", "3", "spine.o1_l1", "5", "2"],
            &["", "", "spine.o1_l2", "6", "1"],
        ]);
        assert!(is_upsert(&fields, &good));
        let missing_line_id = rows(&[
            &["spine.o1", "3", "spine.o1_l1", "5", "2"],
            &["", "", "", "6", "1"],
        ]);
        assert!(!is_upsert(&fields, &missing_line_id));
        let trap = [
            "id",
            "partner_id/.id",
            "order_line/product_id/.id",
            "order_line/product_uom_qty",
        ];
        assert!(
            !is_upsert(&trap, &rows(&[&["spine.o1", "3", "5", "2"]])),
            "the one2many trap"
        );
    }

    #[test]
    fn error_messages_or_false_ids_fail_the_write() {
        let ok = parse_answer("res.partner", &json!({"ids": [9], "messages": [], "nextrow": 0}));
        assert_eq!(
            ok.ok(),
            Some(LoadResult {
                ids: vec![9],
                warnings: vec![]
            })
        );
        let bad =
            json!({"ids": false, "messages": [{"type": "error", "field": "email", "message": "bad email"}]});
        let err = parse_answer("res.partner", &bad).err();
        assert_eq!(
            err.as_ref().map(ToString::to_string).as_deref(),
            Some("business error: load into res.partner failed: field email: bad email")
        );
        let silent = parse_answer("res.partner", &json!({"ids": false, "messages": []}));
        assert!(matches!(silent, Err(OdooError::Load { .. })));
        let garbage = parse_answer("res.partner", &json!({"ids": "x"}));
        assert!(matches!(garbage, Err(OdooError::Protocol { .. })));
    }
}
