//! The environment one call runs in: the store (journalled), the model registry, the call's
//! context and the server configuration. Low-level record access lives here.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::config::SimConfig;
use crate::error::{OdooError, OdooResult};
use crate::orm::schema::{Field, Kind, Model};
use crate::orm::store::Store;

/// Every model the server knows, by name.
pub type Registry = BTreeMap<&'static str, Model>;

/// One call's view of the database; writes land in `store`'s journal and are rolled
/// back unless the whole call succeeds.
pub struct Env<'a> {
    pub store: &'a mut Store,
    pub registry: &'a Registry,
    pub ctx: Map<String, Value>,
    pub cfg: &'a SimConfig,
    /// Set by a call that answers normally yet must not commit (`load` with errors).
    pub rollback: bool,
}

impl Env<'_> {
    /// The model, or Odoo's "Object X doesn't exist" UserError.
    pub fn model(&self, name: &str) -> OdooResult<&Model> {
        self.registry
            .get(name)
            .ok_or_else(|| OdooError::User(format!("Object {name} doesn't exist")))
    }

    /// The field of a model, or the KeyError a write of an unknown field raises.
    pub fn field(&self, model: &str, name: &str) -> OdooResult<Field> {
        self.model(model)?
            .field(name)
            .cloned()
            .ok_or_else(|| OdooError::Key(name.to_owned()))
    }

    /// The model's static name (the registry key), for store calls.
    pub fn key(&self, model: &str) -> OdooResult<&'static str> {
        Ok(self.model(model)?.name)
    }

    /// Whether the record exists.
    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.store.get(model, id).is_some()
    }

    /// Odoo's MissingError for records that do not exist.
    pub fn missing(model: &str, ids: &[i64]) -> OdooError {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        OdooError::Missing(format!(
            "Record does not exist or has been deleted.\n(Record: {model}({},), User: 2)",
            list.join(", ")
        ))
    }

    /// Fails with MissingError unless every id exists.
    pub fn ensure_exist(&self, model: &str, ids: &[i64]) -> OdooResult<()> {
        let gone: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !self.exists(model, *id))
            .collect();
        if gone.is_empty() {
            Ok(())
        } else {
            Err(Self::missing(model, &gone))
        }
    }

    /// The raw value of a field: stored columns as stored, one2many from the inverse
    /// field, computed fields from the model's compute.
    pub fn get(&self, model: &str, id: i64, field: &str) -> Value {
        if field == "id" {
            return json!(id);
        }
        if field == "display_name" {
            return json!(self.display_name(model, id));
        }
        let Some(f) = self.registry.get(model).and_then(|m| m.field(field)) else {
            return Value::Bool(false);
        };
        if let Kind::One2many(comodel, inverse) = f.kind {
            return json!(self.children(comodel, inverse, id));
        }
        if f.computed {
            return crate::models::compute(self, model, id, field);
        }
        let stored = self.store.get(model, id).and_then(|r| r.get(field)).cloned();
        stored.unwrap_or_else(|| empty_value(f.kind))
    }

    /// Ids of `comodel` records whose many2one `inverse` points at `id`.
    pub fn children(&self, comodel: &str, inverse: &str, id: i64) -> Vec<i64> {
        self.store
            .rows(comodel)
            .filter(|(_, r)| r.get(inverse).and_then(Value::as_i64) == Some(id))
            .map(|(cid, _)| cid)
            .collect()
    }

    /// A number field as f64 (0.0 when unset).
    pub fn num(&self, model: &str, id: i64, field: &str) -> f64 {
        self.get(model, id, field).as_f64().unwrap_or(0.0)
    }

    /// A many2one field as an id.
    pub fn m2o(&self, model: &str, id: i64, field: &str) -> Option<i64> {
        self.get(model, id, field).as_i64()
    }

    /// A char/selection field as a string ("" when unset).
    pub fn text(&self, model: &str, id: i64, field: &str) -> String {
        self.get(model, id, field).as_str().unwrap_or_default().to_owned()
    }

    /// The name a record shows in many2one values and name searches.
    pub fn display_name(&self, model: &str, id: i64) -> String {
        let row = self.store.get(model, id);
        match row.and_then(|r| r.get("name")).and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => format!("{model},{id}"),
        }
    }

    /// The value `read` returns for a field: many2one as `[id, display_name]`.
    pub fn read_value(&self, model: &str, id: i64, field: &Field) -> Value {
        let raw = self.get(model, id, field.name);
        match (field.kind, raw.as_i64()) {
            (Kind::Many2one(comodel), Some(target)) => {
                json!([target, self.display_name(comodel, target)])
            }
            (Kind::Many2one(_), None) => Value::Bool(false),
            _ => raw,
        }
    }

    /// Whether the call's context disables the archived-record filter.
    pub fn active_test(&self) -> bool {
        self.ctx.get("active_test") != Some(&Value::Bool(false))
    }

    /// The ids in the context's `active_ids` (or `active_id`).
    pub fn active_ids(&self) -> Vec<i64> {
        match self.ctx.get("active_ids") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
            _ => self
                .ctx
                .get("active_id")
                .and_then(Value::as_i64)
                .into_iter()
                .collect(),
        }
    }

    /// Sets a stored column without any check (for business methods).
    pub fn set(&mut self, model: &str, id: i64, field: &str, value: Value) -> OdooResult<()> {
        let key = self.key(model)?;
        self.store.set(key, id, field, value);
        Ok(())
    }
}

/// The value an unset field reads as, like Odoo: `false`, 0 or an empty list.
pub fn empty_value(kind: Kind) -> Value {
    match kind {
        Kind::Integer => json!(0),
        Kind::Float | Kind::Monetary => json!(0.0),
        Kind::One2many(..) | Kind::Many2many(_) => json!([]),
        _ => Value::Bool(false),
    }
}
