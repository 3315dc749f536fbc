//! `POST /jsonrpc`: services `common` (version, authenticate, login) and `object`
//! (execute_kw). Errors are HTTP 200 with Odoo's error envelope.

use serde_json::{Map, Value, json};

use crate::db::{Call, Protocol};
use crate::error::{OdooError, OdooResult};
use crate::server::Shared;

/// Answers one JSON-RPC request body: the response JSON and whether a write committed.
pub fn handle(shared: &Shared, body: &[u8]) -> (Value, bool) {
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (
                envelope(
                    &Value::Null,
                    Err(OdooError::BadRequest(format!("Invalid JSON data: {e}"))),
                ),
                false,
            );
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let service = params.get("service").and_then(Value::as_str).unwrap_or_default();
    let method = params.get("method").and_then(Value::as_str).unwrap_or_default();
    let args = params
        .get("args")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (result, wrote) = match (service, method) {
        ("common", "version") => (Ok(version(&shared.config().server_version)), false),
        ("common", "authenticate" | "login") => (authenticate(shared, &args), false),
        ("object", "execute") => {
            // The older form: positional arguments inline, no keyword arguments.
            let mut kw_form: Vec<Value> = args.iter().take(5).cloned().collect();
            kw_form.push(Value::Array(args.iter().skip(5).cloned().collect()));
            match execute_kw(shared, kw_form) {
                Ok((v, w)) => (Ok(v), w),
                Err(e) => (Err(e), false),
            }
        }
        ("object", "execute_kw") => match execute_kw(shared, args) {
            Ok((v, w)) => (Ok(v), w),
            Err(e) => (Err(e), false),
        },
        _ => (
            Err(OdooError::Attribute(format!("No such method {service}.{method}"))),
            false,
        ),
    };
    (envelope(&id, result), wrote)
}

fn envelope(id: &Value, result: OdooResult<Value>) -> Value {
    match result {
        Ok(value) => json!({"jsonrpc": "2.0", "id": id, "result": value}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id,
            "error": {"code": 0, "message": "Odoo Server Error", "data": e.body()}}),
    }
}

/// `common.version` for the configured server version.
pub fn version(server_version: &str) -> Value {
    let mut parts = server_version.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    json!({"server_version": server_version, "server_version_info": [major, minor, 0, "final", 0, ""],
           "server_serie": server_version, "protocol_version": 1})
}

fn check_db(shared: &Shared, db: Option<&Value>) -> OdooResult<()> {
    let db = db.and_then(Value::as_str).unwrap_or_default();
    if db == shared.config().database {
        Ok(())
    } else {
        Err(OdooError::Operational(format!(
            "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"{db}\" does not exist\n"
        )))
    }
}

/// uid 2 for the admin login with the current API key, `false` otherwise (not an error).
fn authenticate(shared: &Shared, args: &[Value]) -> OdooResult<Value> {
    check_db(shared, args.first())?;
    let login = args.get(1).and_then(Value::as_str);
    let key = args.get(2).and_then(Value::as_str);
    let ok = login == Some(shared.config().login.as_str()) && key.is_some_and(|k| shared.key_matches(k));
    Ok(if ok { json!(2) } else { json!(false) })
}

fn execute_kw(shared: &Shared, args: Vec<Value>) -> OdooResult<(Value, bool)> {
    check_db(shared, args.first())?;
    let uid = args.get(1).and_then(Value::as_i64);
    let key = args.get(2).and_then(Value::as_str);
    if uid != Some(2) || !key.is_some_and(|k| shared.key_matches(k)) {
        return Err(OdooError::AccessDenied);
    }
    let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or_default().to_owned();
    let positional = args.get(5).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut kwargs: Map<String, Value> = args
        .get(6)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let context = kwargs
        .remove("context")
        .and_then(|c| c.as_object().cloned())
        .unwrap_or_default();
    let call = Call {
        model: text(3),
        method: text(4),
        ids: Vec::new(),
        positional,
        kwargs,
        context,
    };
    let outcome = shared.db().execute(call, Protocol::JsonRpc)?;
    Ok((outcome.value, outcome.committed_write))
}
