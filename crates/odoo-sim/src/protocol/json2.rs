//! `POST /json/2/<model>/<method>` (Odoo 19): bearer API key, optional
//! `X-Odoo-Database`, keyword arguments in the body, bare results, errors as status plus
//! `{"name","message","arguments","context","debug"}`.

use hyper::HeaderMap;
use hyper::Response;
use serde_json::{Map, Value};

use crate::db::{Call, Protocol, ids_arg};
use crate::error::OdooError;
use crate::protocol::{Body, json_response, not_found};
use crate::server::Shared;

const NO_BEARER: &str = "User not authenticated, use an API Key with a Bearer Authorization header.";

/// Answers one JSON-2 call; the flag says whether a write committed.
pub fn handle(
    shared: &Shared,
    headers: &HeaderMap,
    model: &str,
    method: &str,
    body: &[u8],
) -> (Response<Body>, bool) {
    let db = headers.get("x-odoo-database").and_then(|v| v.to_str().ok());
    if db.is_some_and(|db| db != shared.config().database) {
        return (not_found(), false);
    }
    let auth = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bearer = auth
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("bearer "))
        .map(|_| auth[7..].trim());
    let Some(key) = bearer.filter(|k| !k.is_empty()) else {
        return (error(&OdooError::Unauthorized(NO_BEARER.to_owned())), false);
    };
    if !shared.key_matches(key) {
        return (
            error(&OdooError::Unauthorized("Invalid apikey".to_owned())),
            false,
        );
    }
    let mut kwargs: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return (
                    error(&OdooError::BadRequest(
                        "the body must be a JSON object".to_owned(),
                    )),
                    false,
                );
            }
            Err(e) => {
                return (
                    error(&OdooError::BadRequest(format!("Invalid JSON data: {e}"))),
                    false,
                );
            }
        }
    };
    let ids = kwargs.remove("ids").map(|v| ids_arg(&v)).unwrap_or_default();
    let context = kwargs
        .remove("context")
        .and_then(|c| c.as_object().cloned())
        .unwrap_or_default();
    let call = Call {
        model: model.to_owned(),
        method: method.to_owned(),
        ids,
        positional: Vec::new(),
        kwargs,
        context,
    };
    match shared.db().execute(call, Protocol::Json2) {
        Ok(outcome) => {
            // A recordset answer is always a list of ids on JSON-2.
            let value = match (method, outcome.value) {
                ("create", Value::Number(n)) => Value::Array(vec![Value::Number(n)]),
                (_, v) => v,
            };
            (json_response(200, &value), outcome.committed_write)
        }
        Err(e) => (error(&e), false),
    }
}

fn error(e: &OdooError) -> Response<Body> {
    json_response(e.json2_status(), &e.body())
}
