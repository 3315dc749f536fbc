//! Domain evaluation (`[("field","op",value), "&", "|", "!"]` in Polish notation) and
//! `search` with Odoo's archived-record filter, ordering, offset and limit.

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{OdooError, OdooResult};
use crate::orm::env::Env;
use crate::orm::schema::Kind;

/// A parsed domain.
#[derive(Debug, Clone)]
enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Leaf(String, String, Value),
    Const(bool),
}

/// Ids of `model` matching `domain`, ordered, with offset and limit applied.
pub fn search(
    env: &Env,
    model: &str,
    domain: &Value,
    offset: usize,
    limit: Option<usize>,
    order: Option<&str>,
) -> OdooResult<Vec<i64>> {
    let m = env.model(model)?;
    let node = parse(domain)?;
    validate(env, model, &node)?;
    let mentions_active = domain.to_string().contains("\"active\"");
    let hide_archived = m.has_active() && env.active_test() && !mentions_active;
    let mut ids = Vec::new();
    for id in env.store.ids(model) {
        if hide_archived && env.get(model, id, "active") == Value::Bool(false) {
            continue;
        }
        if eval(env, model, id, &node) {
            ids.push(id);
        }
    }
    sort(env, model, &mut ids, order.unwrap_or("id"))?;
    Ok(ids
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect())
}

fn invalid(domain: &Value) -> OdooError {
    OdooError::Value(format!("Invalid domain: {domain}"))
}

fn parse(domain: &Value) -> OdooResult<Node> {
    let items = match domain {
        Value::Array(items) => items.as_slice(),
        Value::Null | Value::Bool(false) => &[],
        _ => return Err(invalid(domain)),
    };
    let mut stack: Vec<Node> = Vec::new();
    for item in items.iter().rev() {
        let node = match item.as_str() {
            Some("&") | Some("|") => {
                let (a, b) = (stack.pop(), stack.pop());
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(invalid(domain));
                };
                if item == "&" {
                    Node::And(a.into(), b.into())
                } else {
                    Node::Or(a.into(), b.into())
                }
            }
            Some("!") => Node::Not(stack.pop().ok_or_else(|| invalid(domain))?.into()),
            _ => leaf(item).ok_or_else(|| invalid(domain))?,
        };
        stack.push(node);
    }
    // Leaves left side by side are implicitly and-ed.
    let mut node = stack.pop().unwrap_or(Node::Const(true));
    while let Some(next) = stack.pop() {
        node = Node::And(node.into(), next.into());
    }
    Ok(node)
}

fn leaf(item: &Value) -> Option<Node> {
    let parts = item.as_array().filter(|p| p.len() == 3)?;
    let op = parts[1].as_str()?.to_lowercase();
    match &parts[0] {
        Value::String(f) => Some(Node::Leaf(f.clone(), op, parts[2].clone())),
        // The constant leaves (1, '=', 1) and (0, '=', 1).
        Value::Number(n) => Some(Node::Const(n.as_i64() == parts[2].as_i64())),
        _ => None,
    }
}

const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "in",
    "not in",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
    "<",
    "<=",
    ">",
    ">=",
];

fn validate(env: &Env, model: &str, node: &Node) -> OdooResult<()> {
    match node {
        Node::And(a, b) | Node::Or(a, b) => validate(env, model, a).and(validate(env, model, b)),
        Node::Not(a) => validate(env, model, a),
        Node::Const(_) => Ok(()),
        Node::Leaf(field, op, value) => {
            let known = field == "id" || field == "display_name" || env.model(model)?.field(field).is_some();
            if !known {
                return Err(OdooError::Value(format!(
                    "Invalid field {model}.{field} in leaf ('{field}', '{op}', {value})"
                )));
            }
            if !OPERATORS.contains(&op.as_str()) {
                return Err(OdooError::Value(format!("Invalid operator {op:?}")));
            }
            Ok(())
        }
    }
}

fn eval(env: &Env, model: &str, id: i64, node: &Node) -> bool {
    match node {
        Node::And(a, b) => eval(env, model, id, a) && eval(env, model, id, b),
        Node::Or(a, b) => eval(env, model, id, a) || eval(env, model, id, b),
        Node::Not(a) => !eval(env, model, id, a),
        Node::Const(c) => *c,
        Node::Leaf(field, op, value) => leaf_matches(env, model, id, field, op, value),
    }
}

fn leaf_matches(env: &Env, model: &str, id: i64, field: &str, op: &str, value: &Value) -> bool {
    let kind = env.model(model).ok().and_then(|m| m.field(field)).map(|f| f.kind);
    let actual = env.get(model, id, field);
    let comodel = kind.and_then(Kind::comodel);
    // Text operators on a relation compare the related records' display names.
    let text = |v: &Value| -> Vec<String> {
        let ids: Vec<i64> = match v {
            Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
            Value::Number(_) if comodel.is_some() => v.as_i64().into_iter().collect(),
            Value::String(s) => return vec![s.clone()],
            _ => Vec::new(),
        };
        ids.into_iter()
            .map(|i| env.display_name(comodel.unwrap_or(model), i))
            .collect()
    };
    match op {
        "=" => equals(env, comodel, &actual, value),
        "!=" => !equals(env, comodel, &actual, value),
        "in" | "not in" => {
            let list = value.as_array().cloned().unwrap_or_else(|| vec![value.clone()]);
            let hit = list.iter().any(|v| equals(env, comodel, &actual, v));
            hit == (op == "in")
        }
        "like" | "ilike" | "not like" | "not ilike" | "=like" | "=ilike" => {
            let pattern = value.as_str().unwrap_or_default();
            let ci = op.contains("ilike");
            let exact = op.starts_with('=');
            let hit = text(&actual).iter().any(|s| like(s, pattern, ci, exact));
            hit != op.starts_with("not")
        }
        _ => compare(&actual, value).is_some_and(|o| match op {
            "<" => o == Ordering::Less,
            "<=" => o != Ordering::Greater,
            ">" => o == Ordering::Greater,
            _ => o != Ordering::Less,
        }),
    }
}

fn equals(env: &Env, comodel: Option<&str>, actual: &Value, value: &Value) -> bool {
    match (actual, value) {
        (Value::Array(ids), Value::Bool(false)) => ids.is_empty(),
        (Value::Array(ids), v) => ids.iter().any(|i| equals(env, comodel, i, v)),
        (Value::Number(a), Value::String(name)) if comodel.is_some() => a
            .as_i64()
            .is_some_and(|i| env.display_name(comodel.unwrap_or_default(), i) == *name),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL LIKE: `%` matches any run; without `=` the pattern is wrapped in `%...%`.
fn like(s: &str, pattern: &str, ci: bool, exact: bool) -> bool {
    let (s, p) = if ci {
        (s.to_lowercase(), pattern.to_lowercase())
    } else {
        (s.to_owned(), pattern.to_owned())
    };
    let p = if exact { p } else { format!("%{p}%") };
    let parts: Vec<&str> = p.split('%').collect();
    let mut rest = s.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else { return false };
            rest = &rest[pos + part.len()..];
        }
    }
    rest.is_empty()
}

/// Sorts by an `order` spec such as `"date_order desc, id"`.
fn sort(env: &Env, model: &str, ids: &mut [i64], order: &str) -> OdooResult<()> {
    let mut keys = Vec::new();
    for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("id").to_owned();
        let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
        if field != "id" && env.model(model)?.field(&field).is_none() {
            return Err(OdooError::Value(format!(
                "Invalid field {field:?} on model {model:?}"
            )));
        }
        keys.push((field, desc));
    }
    ids.sort_by(|a, b| {
        for (field, desc) in &keys {
            let o =
                compare(&env.get(model, *a, field), &env.get(model, *b, field)).unwrap_or(Ordering::Equal);
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        a.cmp(b)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn like_wraps_pattern_unless_exact() {
        assert!(like("Acme Corp", "acme", true, false));
        assert!(!like("Acme Corp", "acme", false, false));
        assert!(like("S00012", "S%2", false, true));
        assert!(!like("S00013", "S%2", false, true));
    }

    #[test]
    fn polish_notation_parses_nested_operators() {
        let d = json!(["|", ["a", "=", 1], "!", ["b", "=", 2], ["c", "=", 3]]);
        let node = parse(&d).expect("valid domain");
        assert!(matches!(node, Node::And(..)));
        assert!(parse(&json!(["&", ["a", "=", 1]])).is_err());
    }
}
