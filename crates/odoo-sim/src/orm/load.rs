//! `load(fields, rows)`: Odoo's import, an upsert by external id (`ir.model.data`), with
//! relation columns (`f/id`, `f/.id`, display name), one2many sub-rows and the trap that
//! lines without their own external id are appended again on every load.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::crud;
use crate::orm::env::Env;
use crate::orm::schema::Kind;

/// How one column is read.
#[derive(Debug, Clone)]
enum Col {
    Xid,
    DbId,
    /// A field of the record; `sub` is `None`, `Some("id")` or `Some(".id")`.
    Field(String, Option<String>),
    /// A column of a one2many line: the one2many field and the line's column.
    Line(String, Box<Col>),
    /// A many2one sub-field other than id/.id: fails the whole load.
    Indirect(String),
}

const INDIRECT: &str = "Can not create Many-To-One records indirectly, import the field separately";

/// Runs the import; data errors come back as messages (and roll the call back), an
/// unknown column raises ValueError.
pub fn load(env: &mut Env, model: &str, fields: &[String], data: &Value) -> OdooResult<Value> {
    let cols = fields
        .iter()
        .map(|f| parse_col(env, model, f))
        .collect::<OdooResult<Vec<Col>>>()?;
    let rows: Vec<Vec<String>> = data
        .as_array()
        .map(|r| r.iter().map(cells).collect())
        .unwrap_or_default();
    let mut ids = Vec::new();
    let mut messages = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let end = (start + 1..rows.len())
            .find(|&i| starts_record(&cols, &rows[i]))
            .unwrap_or(rows.len());
        match load_record(env, model, &cols, &rows[start..end]) {
            Ok(id) => ids.push(id),
            Err((field, message)) => messages.push(json!({
                "type": "error", "field": field, "message": message,
                "record": ids.len() + messages.len(), "rows": {"from": start, "to": end - 1},
            })),
        }
        start = end;
    }
    if messages.is_empty() {
        Ok(json!({"ids": ids, "messages": [], "nextrow": 0}))
    } else {
        env.rollback = true;
        Ok(json!({"ids": false, "messages": messages}))
    }
}

fn cells(row: &Value) -> Vec<String> {
    let items = row.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|c| match c {
            Value::String(s) => s.clone(),
            Value::Null | Value::Bool(false) => String::new(),
            other => other.to_string(),
        })
        .collect()
}

fn parse_col(env: &Env, model: &str, path: &str) -> OdooResult<Col> {
    let invalid = || OdooError::Value(format!("Invalid field name '{path}'"));
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    match (head, rest) {
        ("id", None) => return Ok(Col::Xid),
        (".id", None) => return Ok(Col::DbId),
        _ => {}
    }
    let field = env.model(model)?.field(head).cloned().ok_or_else(invalid)?;
    match (field.kind, rest) {
        (_, None) => Ok(Col::Field(head.to_owned(), None)),
        (Kind::One2many(co, _), Some(sub)) => {
            Ok(Col::Line(head.to_owned(), Box::new(parse_col(env, co, sub)?)))
        }
        (Kind::Many2one(_) | Kind::Many2many(_), Some(sub @ ("id" | ".id"))) => {
            Ok(Col::Field(head.to_owned(), Some(sub.to_owned())))
        }
        (Kind::Many2one(_), Some(_)) => Ok(Col::Indirect(head.to_owned())),
        _ => Err(invalid()),
    }
}

/// A row starts a new record when one of the record's own columns is filled.
fn starts_record(cols: &[Col], row: &[String]) -> bool {
    cols.iter()
        .zip(row)
        .any(|(c, v)| !matches!(c, Col::Line(..)) && !v.is_empty())
}

type LoadError = (String, String);

fn load_record(env: &mut Env, model: &str, cols: &[Col], rows: &[Vec<String>]) -> Result<i64, LoadError> {
    let first = rows.first().cloned().unwrap_or_default();
    let (xid, mut existing, vals) = record_values(env, model, cols, &first)?;
    let biz = |e: OdooError| (String::new(), e.to_string());
    if let (None, Some((module, name))) = (existing, &xid) {
        existing = find_xid(env, module, name, Some(model));
    }
    let id = match existing {
        Some(id) => crud::write(env, model, &[id], &vals).map(|()| id).map_err(biz)?,
        None => {
            let id = crud::create(env, model, &vals).map_err(biz)?;
            if let Some((module, name)) = &xid {
                register(env, module, name, model, id).map_err(biz)?;
            }
            id
        }
    };
    for row in rows {
        load_lines(env, model, id, cols, row)?;
    }
    Ok(id)
}

type Values = (Option<(String, String)>, Option<i64>, Map<String, Value>);

fn record_values(env: &Env, model: &str, cols: &[Col], row: &[String]) -> Result<Values, LoadError> {
    let (mut xid, mut db_id, mut vals) = (None, None, Map::new());
    for (col, cell) in cols.iter().zip(row) {
        match col {
            Col::Xid if !cell.is_empty() => xid = Some(split_xid(cell)),
            Col::DbId if !cell.is_empty() => {
                let id = cell.parse::<i64>().ok().filter(|id| env.exists(model, *id));
                db_id =
                    Some(id.ok_or_else(|| {
                        (".id".to_owned(), format!("Unknown database identifier '{cell}'"))
                    })?);
            }
            Col::Field(name, sub) => {
                vals.insert(name.clone(), convert(env, model, name, sub.as_deref(), cell)?);
            }
            Col::Indirect(name) => return Err((name.clone(), INDIRECT.to_owned())),
            Col::Line(name, sub) if matches!(**sub, Col::Indirect(_)) => {
                return Err((name.clone(), INDIRECT.to_owned()));
            }
            _ => {}
        }
    }
    Ok((xid, db_id, vals))
}

fn load_lines(
    env: &mut Env,
    model: &str,
    parent: i64,
    cols: &[Col],
    row: &[String],
) -> Result<(), LoadError> {
    let mut by_field: Vec<(String, Vec<Col>, Vec<String>)> = Vec::new();
    for (col, cell) in cols.iter().zip(row) {
        if let Col::Line(name, sub) = col {
            match by_field.iter_mut().find(|(n, ..)| n == name) {
                Some((_, c, v)) => {
                    c.push((**sub).clone());
                    v.push(cell.clone());
                }
                None => by_field.push((name.clone(), vec![(**sub).clone()], vec![cell.clone()])),
            }
        }
    }
    for (name, sub_cols, cells) in by_field {
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let field = env
            .field(model, &name)
            .map_err(|e| (name.clone(), e.to_string()))?;
        let Kind::One2many(co, inverse) = field.kind else {
            continue;
        };
        let (xid, existing, mut vals) = record_values(env, co, &sub_cols, &cells)?;
        let biz = |e: OdooError| (name.clone(), e.to_string());
        let existing = existing.or_else(|| xid.as_ref().and_then(|(m, n)| find_xid(env, m, n, Some(co))));
        match existing {
            Some(line) => crud::write(env, co, &[line], &vals).map_err(biz)?,
            None => {
                vals.insert(inverse.to_owned(), json!(parent));
                let line = crud::create(env, co, &vals).map_err(biz)?;
                if let Some((module, xname)) = &xid {
                    register(env, module, xname, co, line).map_err(biz)?;
                }
            }
        }
    }
    Ok(())
}

/// `module.name`, or `__import__` as module when there is no prefix.
pub fn split_xid(xid: &str) -> (String, String) {
    match xid.split_once('.') {
        Some((m, n)) => (m.to_owned(), n.to_owned()),
        None => ("__import__".to_owned(), xid.to_owned()),
    }
}

/// The record an external id points at, if it (still) exists.
pub fn find_xid(env: &Env, module: &str, name: &str, model: Option<&str>) -> Option<i64> {
    let (_, row) = env.store.rows("ir.model.data").find(|(_, r)| {
        r.get("module").and_then(Value::as_str) == Some(module)
            && r.get("name").and_then(Value::as_str) == Some(name)
    })?;
    let target = row.get("model").and_then(Value::as_str)?;
    let res_id = row.get("res_id").and_then(Value::as_i64)?;
    (model.is_none_or(|m| m == target) && env.exists(target, res_id)).then_some(res_id)
}

fn register(env: &mut Env, module: &str, name: &str, model: &str, id: i64) -> OdooResult<()> {
    let vals = json!({"module": module, "name": name, "model": model, "res_id": id});
    let vals = vals.as_object().cloned().unwrap_or_default();
    crud::create(env, "ir.model.data", &vals).map(|_| ())
}

fn convert(env: &Env, model: &str, name: &str, sub: Option<&str>, cell: &str) -> Result<Value, LoadError> {
    let field = env
        .field(model, name)
        .map_err(|e| (name.to_owned(), e.to_string()))?;
    let err = |m: String| Err((name.to_owned(), m));
    let label = field.label;
    if cell.is_empty() {
        return Ok(crate::orm::env::empty_value(field.kind));
    }
    match (field.kind, sub) {
        (Kind::Float | Kind::Monetary, _) => match cell.parse::<f64>() {
            Ok(x) => Ok(json!(x)),
            Err(_) => err(format!(
                "'{cell}' does not seem to be a number for field '{label}'"
            )),
        },
        (Kind::Integer, _) => match cell.parse::<i64>() {
            Ok(x) => Ok(json!(x)),
            Err(_) => err(format!(
                "'{cell}' does not seem to be an integer for field '{label}'"
            )),
        },
        (Kind::Boolean, _) => Ok(json!(!matches!(
            cell.to_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        ))),
        (Kind::Selection(allowed), _) if !allowed.contains(&cell) => {
            err(format!("Value '{cell}' not found in selection field '{label}'"))
        }
        (Kind::Many2one(co) | Kind::Many2many(co), sub) => {
            let found = match sub {
                Some("id") => {
                    let (m, n) = split_xid(cell);
                    find_xid(env, &m, &n, Some(co)).ok_or(format!("external id '{cell}'"))
                }
                Some(_) => cell
                    .parse::<i64>()
                    .ok()
                    .filter(|i| env.exists(co, *i))
                    .ok_or(format!("database id '{cell}'")),
                None => env
                    .store
                    .ids(co)
                    .into_iter()
                    .find(|i| env.display_name(co, *i) == cell)
                    .ok_or(format!("name '{cell}'")),
            };
            match (found, field.kind) {
                (Ok(id), Kind::Many2many(_)) => Ok(json!([id])),
                (Ok(id), _) => Ok(json!(id)),
                (Err(what), _) => err(format!("No matching record found for {what} in field '{label}'")),
            }
        }
        _ => Ok(json!(cell)),
    }
}
