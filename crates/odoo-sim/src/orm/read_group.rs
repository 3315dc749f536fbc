//! `read_group` over one groupby field with `sum` (the default for numbers) and `count`
//! aggregates: enough for reconciliation totals.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::domain;
use crate::orm::env::Env;
use crate::orm::methods::Args;
use crate::orm::schema::Kind;

/// Groups the records matching `domain` by the first `groupby` field.
pub fn read_group(env: &Env, model: &str, args: &Args) -> OdooResult<Value> {
    let empty = json!([]);
    let dom = args.get("domain").unwrap_or(&empty);
    let groupby = match args.get("groupby") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
        _ => String::new(),
    };
    let gb_field = groupby.split(':').next().unwrap_or_default().to_owned();
    let m = env.model(model)?;
    let gb = m
        .field(&gb_field)
        .cloned()
        .ok_or_else(|| OdooError::Value(format!("Invalid field {gb_field:?} on model {model:?}")))?;
    let aggregates = aggregates(env, model, args)?;
    let ids = domain::search(env, model, dom, 0, None, None)?;
    let mut groups: Vec<(Value, Vec<i64>)> = Vec::new();
    for id in ids {
        let key = env.get(model, id, &gb_field);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(id),
            None => groups.push((key, vec![id])),
        }
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        let mut row = Map::new();
        let shown = match (gb.kind, key.as_i64()) {
            (Kind::Many2one(co), Some(i)) => json!([i, env.display_name(co, i)]),
            _ => key.clone(),
        };
        row.insert(gb_field.clone(), shown);
        row.insert(format!("{gb_field}_count"), json!(members.len()));
        row.insert("__count".to_owned(), json!(members.len()));
        for (field, func) in &aggregates {
            let value = match func.as_str() {
                "count" => json!(members.len()),
                _ => json!(round2(members.iter().map(|i| env.num(model, *i, field)).sum())),
            };
            row.insert(field.clone(), value);
        }
        row.insert("__domain".to_owned(), json!([[gb_field, "=", key]]));
        out.push(Value::Object(row));
    }
    Ok(Value::Array(out))
}

/// Parses `["amount_total:sum", "amount_untaxed", "id:count"]`; plain numeric fields sum.
fn aggregates(env: &Env, model: &str, args: &Args) -> OdooResult<Vec<(String, String)>> {
    let m = env.model(model)?;
    let mut out = Vec::new();
    let fields = args
        .get("fields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for spec in fields.iter().filter_map(Value::as_str) {
        let (name, func) = spec.split_once(':').unwrap_or((spec, "sum"));
        let field = m.field(name);
        if name != "id" && field.is_none() {
            return Err(OdooError::Value(format!(
                "Invalid field {name:?} on model {model:?}"
            )));
        }
        if func == "count" || field.is_some_and(|f| f.kind.is_numeric()) {
            out.push((name.to_owned(), func.to_owned()));
        }
    }
    let _ = env;
    Ok(out)
}

/// Rounds money to cents, as Odoo does for currency amounts.
pub fn round2(x: f64) -> f64 {
    // Adding 0.0 turns the -0.0 of an empty f64 sum into 0.0.
    (x * 100.0).round() / 100.0 + 0.0
}
