//! The simulated database: the registry, the store behind a mutex and the per-call
//! transaction (changes journalled, rolled back unless the whole call succeeds).

use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::config::SimConfig;
use crate::error::{OdooError, OdooResult};
use crate::models;
use crate::orm::env::{Env, Registry};
use crate::orm::methods::{self, Args, GENERIC, Signature};
use crate::orm::store::Store;

/// Which wire protocol a call came in on: some errors differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    JsonRpc,
    Json2,
}

/// One method call, as both protocols deliver it.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub model: String,
    pub method: String,
    /// Record ids (JSON-2 `ids`, or JSON-RPC's first positional argument).
    pub ids: Vec<i64>,
    pub positional: Vec<Value>,
    pub kwargs: Map<String, Value>,
    pub context: Map<String, Value>,
}

/// The answer of a successful call.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub value: Value,
    /// Whether a write (create/write/unlink/load/business action) was committed.
    pub committed_write: bool,
}

/// The in-memory database of one simulated server.
pub struct Db {
    registry: Registry,
    store: Mutex<Store>,
    cfg: SimConfig,
}

const NO_ACCESS: &[&str] = &["res.users.apikeys"];

impl Db {
    /// A fresh database holding the demo data.
    pub fn new(cfg: SimConfig) -> Self {
        let registry = models::registry(&cfg);
        let mut store = Store::default();
        models::seed(&mut store, &cfg);
        store.commit();
        Self {
            registry,
            store: Mutex::new(store),
            cfg,
        }
    }

    /// Runs one call as one transaction.
    pub fn execute(&self, call: Call, protocol: Protocol) -> OdooResult<Outcome> {
        let sig = self.resolve(&call, protocol)?;
        let Call {
            model,
            method,
            mut ids,
            mut positional,
            kwargs,
            context,
        } = call;
        if protocol == Protocol::JsonRpc && sig.on_records {
            // execute_kw passes the record ids as the first positional argument.
            if positional.is_empty() {
                return Err(OdooError::Type(format!(
                    "{method}() missing 1 required positional argument: 'self'"
                )));
            }
            ids = ids_arg(&positional.remove(0));
        }
        let args: Args = methods::bind(&sig, ids, positional, kwargs)?;
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.begin();
        let mut env = Env {
            store: &mut guard,
            registry: &self.registry,
            ctx: context,
            cfg: &self.cfg,
            rollback: false,
        };
        let result = if GENERIC.iter().any(|g| g.name == method) {
            methods::call_generic(&mut env, &model, &method, &args)
        } else {
            models::call_business(&mut env, &model, &method, &args)
        };
        let commit = result.is_ok() && !env.rollback;
        if commit {
            guard.commit();
        } else {
            guard.rollback();
        }
        let value = result?;
        let is_write = matches!(method.as_str(), "create" | "write" | "unlink" | "load")
            || models::business_methods(&model).iter().any(|s| s.name == method);
        Ok(Outcome {
            value,
            committed_write: commit && is_write,
        })
    }

    /// Finds the method, raising what Odoo raises for an unknown model, a model without
    /// access, a private method or an unknown method.
    fn resolve(&self, call: &Call, protocol: Protocol) -> OdooResult<Signature> {
        let (model, method) = (call.model.as_str(), call.method.as_str());
        let Some(m) = self.registry.get(model) else {
            return Err(match protocol {
                Protocol::JsonRpc => OdooError::User(format!("Object {model} doesn't exist")),
                Protocol::Json2 => OdooError::NotFound(format!("the model '{model}' does not exist")),
            });
        };
        if method.starts_with('_') {
            return Err(OdooError::Access(format!(
                "Private methods (such as '{model}.{method}') cannot be called remotely."
            )));
        }
        let sig = GENERIC
            .iter()
            .chain(models::business_methods(model))
            .find(|s| s.name == method)
            .copied();
        let Some(sig) = sig else {
            return Err(match protocol {
                Protocol::JsonRpc => {
                    OdooError::Attribute(format!("The method '{model}.{method}' does not exist"))
                }
                Protocol::Json2 => {
                    OdooError::NotFound(format!("the model '{model}' has no method '{method}'"))
                }
            });
        };
        if NO_ACCESS.contains(&model) {
            return Err(OdooError::Access(format!(
                "You are not allowed to access '{}' ({model}) records.\n\nNo group currently allows this operation.\n\nContact your administrator to request access if necessary.",
                m.label
            )));
        }
        Ok(sig)
    }
}

/// Record ids given as one id or a list of ids.
pub fn ids_arg(value: &Value) -> Vec<i64> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
        other => other.as_i64().into_iter().collect(),
    }
}
