//! Generic create / write / unlink / read, including x2many commands, with the model
//! hooks (constraints, computed totals) called at the points Odoo calls them.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::models;
use crate::orm::env::Env;
use crate::orm::schema::Kind;
use crate::orm::store::Record;

/// Creates one record from `vals` and returns its id.
pub fn create(env: &mut Env, model: &str, vals: &Map<String, Value>) -> OdooResult<i64> {
    let key = env.key(model)?;
    let mut record = models::defaults(env, model);
    let mut relations = Vec::new();
    for (name, value) in vals {
        let field = env.field(model, name)?;
        if field.computed {
            continue;
        }
        match field.kind {
            Kind::One2many(..) | Kind::Many2many(_) => relations.push((name.clone(), value.clone())),
            _ => {
                let v = convert(env, model, name, value)?;
                record.insert(name.clone(), v);
            }
        }
    }
    models::before_create(env, model, &mut record)?;
    check_required(env, model, &record)?;
    let id = env.store.insert(key, record);
    for (name, value) in relations {
        apply_x2many(env, model, id, &name, &value)?;
    }
    models::after_change(env, model, id)?;
    Ok(id)
}

/// Writes `vals` on every record of `ids`.
pub fn write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> OdooResult<()> {
    let key = env.key(model)?;
    env.ensure_exist(model, ids)?;
    for name in vals.keys() {
        env.field(model, name)?;
    }
    models::before_write(env, model, ids, vals)?;
    for &id in ids {
        for (name, value) in vals {
            let field = env.field(model, name)?;
            match field.kind {
                _ if field.computed => {}
                Kind::One2many(..) | Kind::Many2many(_) => apply_x2many(env, model, id, name, value)?,
                _ => {
                    let v = convert(env, model, name, value)?;
                    env.store.set(key, id, name, v);
                }
            }
        }
        models::after_change(env, model, id)?;
    }
    Ok(())
}

/// Deletes the records, their one2many children with them.
pub fn unlink(env: &mut Env, model: &str, ids: &[i64]) -> OdooResult<()> {
    let key = env.key(model)?;
    env.ensure_exist(model, ids)?;
    models::before_unlink(env, model, ids)?;
    let children: Vec<(&'static str, &'static str)> = env
        .model(model)?
        .fields
        .iter()
        .filter_map(|f| match f.kind {
            Kind::One2many(co, inv) => Some((co, inv)),
            _ => None,
        })
        .collect();
    for &id in ids {
        let parents = models::parents(env, model, id);
        for &(co, inv) in &children {
            // Lines (required inverse) go with their parent; others are only detached.
            let cascade = env.field(co, inv)?.required;
            let cokey = env.key(co)?;
            for cid in env.children(co, inv, id) {
                if cascade {
                    env.store.remove(cokey, cid);
                } else {
                    env.store.set(cokey, cid, inv, Value::Bool(false));
                }
            }
        }
        env.store.remove(key, id);
        for (pm, pid) in parents {
            models::after_change(env, pm, pid)?;
        }
    }
    Ok(())
}

/// `read`: missing ids are silently dropped, like Odoo.
pub fn read(env: &Env, model: &str, ids: &[i64], fields: &[String]) -> OdooResult<Vec<Value>> {
    let m = env.model(model)?;
    let wanted: Vec<String> = if fields.is_empty() {
        m.fields
            .iter()
            .map(|f| f.name.to_owned())
            .chain(["display_name".to_owned()])
            .collect()
    } else {
        fields.to_vec()
    };
    for name in &wanted {
        if name != "id" && name != "display_name" && m.field(name).is_none() {
            return Err(OdooError::Value(format!(
                "Invalid field '{name}' on model '{model}'"
            )));
        }
    }
    let mut out = Vec::new();
    for &id in ids.iter().filter(|id| env.exists(model, **id)) {
        let mut row = Map::new();
        row.insert("id".to_owned(), json!(id));
        for name in &wanted {
            let v = match m.field(name) {
                Some(f) => env.read_value(model, id, f),
                None => env.get(model, id, name),
            };
            row.insert(name.clone(), v);
        }
        out.push(Value::Object(row));
    }
    Ok(out)
}

fn check_required(env: &Env, model: &str, record: &Record) -> OdooResult<()> {
    let m = env.model(model)?;
    for f in m.fields.iter().filter(|f| f.required) {
        let v = record.get(f.name).unwrap_or(&Value::Bool(false));
        if matches!(v, Value::Bool(false) | Value::Null) || v.as_str() == Some("") {
            return Err(OdooError::Validation(format!(
                "The operation cannot be completed: a mandatory field is not set.\n- Model: {} ({model})\n- Field: {} ({})",
                m.label, f.label, f.name
            )));
        }
    }
    Ok(())
}

/// Checks and normalises a scalar value for storage.
fn convert(env: &Env, model: &str, name: &str, value: &Value) -> OdooResult<Value> {
    let field = env.field(model, name)?;
    let bad = || OdooError::Value(format!("Wrong value for {model}.{name}: {value}"));
    match field.kind {
        Kind::Many2one(comodel) => match value {
            Value::Bool(false) | Value::Null => Ok(Value::Bool(false)),
            Value::Number(_) => {
                let id = value.as_i64().ok_or_else(bad)?;
                env.ensure_exist(comodel, &[id])?;
                Ok(json!(id))
            }
            _ => Err(bad()),
        },
        Kind::Selection(allowed) => match value {
            Value::String(s) if allowed.contains(&s.as_str()) => Ok(value.clone()),
            Value::Bool(false) => Ok(value.clone()),
            _ => Err(bad()),
        },
        Kind::Float | Kind::Monetary => match value {
            Value::Number(n) => Ok(json!(n.as_f64().unwrap_or(0.0))),
            Value::Bool(false) => Ok(json!(0.0)),
            _ => Err(bad()),
        },
        Kind::Integer => value.as_i64().map(|n| json!(n)).ok_or_else(bad),
        Kind::Boolean => Ok(Value::Bool(value.as_bool().unwrap_or(!value.is_null()))),
        _ => Ok(value.clone()),
    }
}

/// Applies x2many commands (`[0,0,vals]`, `[1,id,vals]`, `[2,id]`, `[3,id]`, `[4,id]`,
/// `[5]`, `[6,0,ids]`) or a plain id list to one record's field.
fn apply_x2many(env: &mut Env, model: &str, id: i64, name: &str, value: &Value) -> OdooResult<()> {
    let field = env.field(model, name)?;
    let bad = || OdooError::Value(format!("Wrong value for {model}.{name}: {value}"));
    let items = value.as_array().ok_or_else(bad)?;
    if items.iter().all(Value::is_i64) {
        let ids: Vec<i64> = items.iter().filter_map(Value::as_i64).collect();
        return set_links(env, model, id, name, field.kind, &ids);
    }
    for cmd in items {
        let parts = cmd.as_array().ok_or_else(bad)?;
        let code = parts.first().and_then(Value::as_i64).ok_or_else(bad)?;
        let target = parts.get(1).and_then(Value::as_i64).unwrap_or(0);
        let vals = parts.get(2).and_then(Value::as_object);
        let current = env.get(model, id, name);
        let mut linked: Vec<i64> = current
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        match (code, field.kind) {
            (0, kind) => {
                let mut vals = vals.cloned().ok_or_else(bad)?;
                if let Kind::One2many(_, inverse) = kind {
                    vals.insert(inverse.to_owned(), json!(id));
                }
                let comodel = kind.comodel().ok_or_else(bad)?;
                let new_id = create(env, comodel, &vals)?;
                linked.push(new_id);
            }
            (1, kind) => write(
                env,
                kind.comodel().ok_or_else(bad)?,
                &[target],
                vals.ok_or_else(bad)?,
            )?,
            (2, kind) | (3, kind @ Kind::One2many(..)) => {
                unlink(env, kind.comodel().ok_or_else(bad)?, &[target])?;
                linked.retain(|x| *x != target);
            }
            (3, _) => linked.retain(|x| *x != target),
            (4, _) => linked.push(target),
            (5, _) => linked.clear(),
            (6, _) => {
                let ids = parts.get(2).and_then(Value::as_array).ok_or_else(bad)?;
                linked = ids.iter().filter_map(Value::as_i64).collect();
            }
            _ => return Err(bad()),
        }
        linked.dedup();
        set_links(env, model, id, name, field.kind, &linked)?;
    }
    Ok(())
}

/// Makes the field hold exactly `ids` (one2many: relinks or deletes children).
fn set_links(env: &mut Env, model: &str, id: i64, name: &str, kind: Kind, ids: &[i64]) -> OdooResult<()> {
    let comodel = kind.comodel().unwrap_or_default();
    env.ensure_exist(comodel, ids)?;
    match kind {
        Kind::One2many(co, inverse) => {
            let stale: Vec<i64> = env
                .children(co, inverse, id)
                .into_iter()
                .filter(|c| !ids.contains(c))
                .collect();
            if env.field(co, inverse)?.required {
                if !stale.is_empty() {
                    unlink(env, co, &stale)?;
                }
            } else {
                let key = env.key(co)?;
                for cid in stale {
                    env.store.set(key, cid, inverse, Value::Bool(false));
                }
            }
            for &cid in ids {
                let key = env.key(co)?;
                env.store.set(key, cid, inverse, json!(id));
            }
            Ok(())
        }
        Kind::Many2many(_) => env.set(model, id, name, json!(ids)),
        _ => Ok(()),
    }
}
