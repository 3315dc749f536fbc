//! One ORM call in protocol-neutral form, and its exact bytes on each protocol.
//!
//! The typed methods of [`crate::OdooClient`] build a [`Call`]; this module alone knows
//! that JSON-2 wants every argument by keyword (ids in `"ids"`, context in `"context"`)
//! while JSON-RPC's `execute_kw` wants the record ids and some arguments positionally.
//! It is public so tests and benchmarks can see exactly what goes on the wire.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use crate::classify::{Answer, json2_answer, jsonrpc_answer};
use crate::error::OdooError;

/// Keyword arguments or a context: a JSON object.
pub type Kwargs = Map<String, Value>;

/// What a call does to data, which decides whether it may be retried after the
/// request may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// Reads (search, read, search_read, search_count): always safe to repeat.
    Read,
    /// `write` of fixed values on fixed ids: repeating it gives the same state.
    Write,
    /// `create`: a repeat makes a second record, so never retried once sent.
    Create,
    /// `load`; `upsert` when every record (and every one2many line) carries an external
    /// or database id, so a repeat updates instead of creating.
    Load {
        /// Whether a repeat updates the same records.
        upsert: bool,
    },
    /// Any other method (actions, wizards): assumed not idempotent.
    Method,
}

impl CallKind {
    /// True when the call may be sent again after an answer was lost.
    pub fn is_idempotent(self) -> bool {
        match self {
            CallKind::Read | CallKind::Write => true,
            CallKind::Load { upsert } => upsert,
            CallKind::Create | CallKind::Method => false,
        }
    }
}

/// One ORM call: model, method, record ids, named arguments in signature order.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The model, e.g. `res.partner`.
    pub model: String,
    /// The method, e.g. `search_read`.
    pub method: String,
    /// Record ids for methods on records (`None` for model methods).
    pub ids: Option<Vec<i64>>,
    /// Named arguments in the method's signature order.
    pub args: Vec<(&'static str, Value)>,
    /// How many of `args` JSON-RPC passes positionally (after the ids).
    pub positional: usize,
    /// Further keyword arguments (generic calls).
    pub kwargs: Kwargs,
    /// The context, when one is given.
    pub context: Option<Kwargs>,
    /// What the call does to data.
    pub kind: CallKind,
}

impl Call {
    /// A call with no arguments yet.
    pub fn new(model: &str, method: &str, kind: CallKind) -> Self {
        Self {
            model: model.to_owned(),
            method: method.to_owned(),
            ids: None,
            args: Vec::new(),
            positional: 0,
            kwargs: Kwargs::new(),
            context: None,
            kind,
        }
    }

    /// The JSON-2 path, `json/2/<model>/<method>` (relative to the base URL).
    pub fn json2_path(&self) -> String {
        format!("json/2/{}/{}", self.model, self.method)
    }

    /// The JSON-2 body: every argument by keyword, ids in `ids`, context in `context`.
    pub fn json2_body(&self) -> Value {
        let mut body = Kwargs::new();
        if let Some(ids) = &self.ids {
            body.insert("ids".to_owned(), json!(ids));
        }
        for (name, value) in &self.args {
            body.insert((*name).to_owned(), value.clone());
        }
        body.extend(self.kwargs.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(context) = &self.context {
            body.insert("context".to_owned(), Value::Object(context.clone()));
        }
        Value::Object(body)
    }

    /// The `execute_kw` argument list `[db, uid, key, model, method, args, kwargs]`:
    /// ids first, then the positional arguments; the rest and the context by keyword.
    pub fn execute_kw_args(&self, database: &str, uid: i64, key: &SecretString) -> Value {
        let mut positional = Vec::new();
        if let Some(ids) = &self.ids {
            positional.push(json!(ids));
        }
        let mut kwargs = Kwargs::new();
        for (i, (name, value)) in self.args.iter().enumerate() {
            if i < self.positional {
                positional.push(value.clone());
            } else {
                kwargs.insert((*name).to_owned(), value.clone());
            }
        }
        kwargs.extend(self.kwargs.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(context) = &self.context {
            kwargs.insert("context".to_owned(), Value::Object(context.clone()));
        }
        json!([
            database,
            uid,
            key.expose_secret(),
            self.model,
            self.method,
            positional,
            kwargs
        ])
    }
}

/// The JSON-RPC request envelope for `service.method(args)`.
pub fn jsonrpc_envelope(id: u64, service: &str, method: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": id,
           "params": {"service": service, "method": method, "args": args}})
}

/// Decodes a JSON-2 answer (status and body) into the result or a classified error.
pub fn decode_json2(path: &str, status: u16, body: &[u8]) -> Result<Value, OdooError> {
    json2_answer(&Answer {
        path,
        status,
        retry_after: None,
        body,
    })
}

/// Decodes a JSON-RPC answer into the result or a classified error, checking the id.
pub fn decode_jsonrpc(status: u16, body: &[u8], id: u64) -> Result<Value, OdooError> {
    jsonrpc_answer(
        &Answer {
            path: "/jsonrpc",
            status,
            retry_after: None,
            body,
        },
        id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_call() -> Call {
        let mut call = Call::new("res.partner", "write", CallKind::Write);
        call.ids = Some(vec![7]);
        call.args.push(("vals", json!({"name": "Ann"})));
        call.positional = 1;
        call.context = Some(Kwargs::from_iter([("lang".to_owned(), json!("en_US"))]));
        call
    }

    #[test]
    fn json2_puts_everything_by_keyword() {
        assert_eq!(
            write_call().json2_body(),
            json!({"ids": [7], "vals": {"name": "Ann"}, "context": {"lang": "en_US"}})
        );
        assert_eq!(write_call().json2_path(), "json/2/res.partner/write");
    }

    #[test]
    fn jsonrpc_puts_ids_and_positional_args_first() {
        let key = SecretString::from("k".to_owned());
        assert_eq!(
            write_call().execute_kw_args("db", 2, &key),
            json!(["db", 2, "k", "res.partner", "write", [[7], {"name": "Ann"}], {"context": {"lang": "en_US"}}])
        );
    }

    #[test]
    fn only_reads_writes_and_upserting_loads_are_idempotent() {
        assert!(CallKind::Read.is_idempotent());
        assert!(CallKind::Write.is_idempotent());
        assert!(CallKind::Load { upsert: true }.is_idempotent());
        assert!(!CallKind::Load { upsert: false }.is_idempotent());
        assert!(!CallKind::Create.is_idempotent());
        assert!(!CallKind::Method.is_idempotent());
    }
}
