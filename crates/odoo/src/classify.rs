//! Turns one HTTP answer into a result or a classified [`OdooError`], per protocol.
//!
//! This is the single place that knows ODOO.md's error table: the JSON-RPC rows are
//! decided on `error.data.name`, the JSON-2 rows on the HTTP status plus `name`, and an
//! HTML 404 means "no such database / no JSON-2 here" on `/json/2` but "not an Odoo
//! endpoint" on `/jsonrpc` (which always answers 200).

use std::time::Duration;

use serde_json::Value;

use crate::error::{ErrorKind, OdooError, ServerFault};

/// The parts of an HTTP answer the classification needs.
#[derive(Debug)]
pub(crate) struct Answer<'a> {
    /// The path asked for, for messages.
    pub path: &'a str,
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: &'a [u8],
}

/// True when an error is PostgreSQL refusing one transaction because another holds the
/// same rows: a serialization failure, a deadlock or a lock that could not be had in
/// time. Each passes once the other transaction is done, so each is transient, wherever
/// it shows: as an exception (`name`), or only as text (`message`), as in the messages
/// of a `load()` answer (HTTP 200, `ids: false`) or a class a proxy or an older server
/// wrapped it in.
pub fn is_conflict(name: &str, message: &str) -> bool {
    const CLASSES: [&str; 5] = [
        "SerializationFailure",
        "TransactionRollbackError",
        "DeadlockDetected",
        "LockNotAvailable",
        "QueryCanceled",
    ];
    const TEXTS: [&str; 5] = [
        "could not serialize access",
        "deadlock detected",
        "could not obtain lock",
        "lock timeout",
        "canceling statement due to lock",
    ];
    let class = name.rsplit('.').next().unwrap_or(name);
    let lower = message.to_ascii_lowercase();
    CLASSES.contains(&class) || TEXTS.iter().any(|t| lower.contains(t))
}

/// The kind of an exception Odoo raised, from its class name, message and HTTP status.
pub fn classify_fault(name: &str, message: &str, status: u16) -> ErrorKind {
    if is_conflict(name, message) {
        return ErrorKind::Transient;
    }
    match name {
        "odoo.exceptions.AccessDenied" => ErrorKind::Credentials,
        // The same class says "missing bearer" (our setup) or "invalid key" (rotated).
        "werkzeug.exceptions.Unauthorized" if message.contains("Bearer Authorization header") => {
            ErrorKind::Configuration
        }
        "werkzeug.exceptions.Unauthorized" => ErrorKind::Credentials,
        // JSON-RPC reports an unknown model as a UserError "Object x doesn't exist".
        "odoo.exceptions.UserError"
            if message.starts_with("Object ") && message.ends_with(" doesn't exist") =>
        {
            ErrorKind::Configuration
        }
        "odoo.exceptions.UserError"
        | "odoo.exceptions.ValidationError"
        | "odoo.exceptions.RedirectWarning" => ErrorKind::Business,
        "odoo.exceptions.AccessError" => ErrorKind::Access,
        "odoo.exceptions.MissingError" => ErrorKind::NotFound,
        "builtins.KeyError" | "builtins.TypeError" | "builtins.AttributeError" => ErrorKind::Configuration,
        "werkzeug.exceptions.NotFound" | "werkzeug.exceptions.BadRequest" => ErrorKind::Configuration,
        // load() with an unknown column: the contract drifted. Other ValueErrors are bad data.
        "builtins.ValueError" if message.contains("Invalid field") => ErrorKind::Configuration,
        "builtins.ValueError" => ErrorKind::Business,
        "psycopg2.OperationalError" if message.contains("does not exist") => ErrorKind::Configuration,
        // Any other OperationalError is the database going away (restart, failover).
        "psycopg2.OperationalError" => ErrorKind::Transient,
        _ => by_status(name, status),
    }
}

fn by_status(name: &str, status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Credentials,
        403 => ErrorKind::Access,
        404 => ErrorKind::NotFound,
        422 => ErrorKind::Business,
        429 | 502 | 503 | 504 => ErrorKind::Transient,
        // Odoo's own user-facing exceptions are refusals; anything else is a setup
        // problem (a server bug or a class this client does not know).
        _ if name.starts_with("odoo.exceptions.") => ErrorKind::Business,
        _ => ErrorKind::Configuration,
    }
}

/// Parses `Retry-After`: delta seconds or an HTTP date (a date in the past is zero).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn transient_status(answer: &Answer<'_>) -> Option<OdooError> {
    let detail = match answer.status {
        429 => "too many requests",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    };
    Some(OdooError::Http {
        kind: ErrorKind::Transient,
        status: answer.status,
        path: answer.path.to_owned(),
        detail: detail.to_owned(),
        retry_after: answer.retry_after,
    })
}

fn protocol(detail: String, source: Option<serde_json::Error>) -> OdooError {
    OdooError::Protocol { detail, source }
}

fn fault_from(body: &Value, status: u16) -> Option<OdooError> {
    let name = body.get("name")?.as_str()?.to_owned();
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let fault = ServerFault {
        status,
        message: text("message"),
        debug: text("debug"),
        name,
    };
    let kind = classify_fault(&fault.name, &fault.message, status);
    Some(OdooError::Server { kind, fault })
}

/// A JSON-2 answer: 200 carries the bare result; errors carry the class in the status
/// and a `{name, message, ...}` body; non-JSON pages come from werkzeug or a proxy.
pub(crate) fn json2_answer(answer: &Answer<'_>) -> Result<Value, OdooError> {
    if let Some(err) = transient_status(answer) {
        return Err(err);
    }
    let parsed = serde_json::from_slice::<Value>(answer.body);
    if answer.status == 200 {
        return parsed
            .map_err(|e| protocol(format!("JSON-2 answer to {} is not JSON", answer.path), Some(e)));
    }
    if let Some(err) = parsed.ok().and_then(|body| fault_from(&body, answer.status)) {
        return Err(err);
    }
    let (kind, detail) = if answer.status == 404 {
        // werkzeug's HTML 404 on /json/2: unknown database, or a server before 19.
        (
            ErrorKind::Configuration,
            "unknown database, or this Odoo has no JSON-2 (older than 19)",
        )
    } else {
        (ErrorKind::Protocol, "not an Odoo error body")
    };
    Err(OdooError::Http {
        kind,
        status: answer.status,
        path: answer.path.to_owned(),
        detail: detail.to_owned(),
        retry_after: answer.retry_after,
    })
}

/// A JSON-RPC answer: always HTTP 200 with `{"jsonrpc","id","result"|"error"}`.
pub(crate) fn jsonrpc_answer(answer: &Answer<'_>, id: u64) -> Result<Value, OdooError> {
    if let Some(err) = transient_status(answer) {
        return Err(err);
    }
    if answer.status != 200 {
        return Err(OdooError::Http {
            kind: ErrorKind::Protocol,
            status: answer.status,
            path: answer.path.to_owned(),
            detail: "JSON-RPC answers HTTP 200; is this URL an Odoo server?".to_owned(),
            retry_after: answer.retry_after,
        });
    }
    let mut envelope = match serde_json::from_slice::<Value>(answer.body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(protocol("JSON-RPC answer is not an object".to_owned(), None)),
        Err(e) => return Err(protocol("JSON-RPC answer is not JSON".to_owned(), Some(e))),
    };
    if envelope.get("id").and_then(Value::as_u64) != Some(id) {
        return Err(protocol(
            format!("JSON-RPC answer id is not the request id {id}"),
            None,
        ));
    }
    if let Some(error) = envelope.get("error") {
        let data = error.get("data").unwrap_or(&Value::Null);
        return Err(fault_from(data, 200)
            .unwrap_or_else(|| protocol("JSON-RPC error without data.name".to_owned(), None)));
    }
    // Odoo leaves `result` out when the method returned None (JSON-2 answers `null`).
    Ok(envelope.remove("result").unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z").map(|d| d.to_utc());
        let Ok(now) = now else { panic!("fixed date parses") };
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn jsonrpc_answer_checks_the_envelope() {
        let answer = |body: &'static str| Answer {
            path: "/jsonrpc",
            status: 200,
            retry_after: None,
            body: body.as_bytes(),
        };
        assert_eq!(
            jsonrpc_answer(&answer(r#"{"jsonrpc":"2.0","id":3,"result":[1]}"#), 3).ok(),
            Some(serde_json::json!([1]))
        );
        let wrong_id = jsonrpc_answer(&answer(r#"{"jsonrpc":"2.0","id":4,"result":[1]}"#), 3);
        assert_eq!(wrong_id.err().map(|e| e.kind()), Some(ErrorKind::Protocol));
        // A method that returns None: a real Odoo leaves `result` out.
        let none = jsonrpc_answer(&answer(r#"{"jsonrpc":"2.0","id":3}"#), 3);
        assert_eq!(none.ok(), Some(serde_json::Value::Null));
        let bare_error = jsonrpc_answer(
            &answer(r#"{"id":3,"error":{"code":100,"message":"Session expired"}}"#),
            3,
        );
        assert_eq!(bare_error.err().map(|e| e.kind()), Some(ErrorKind::Protocol));
    }

    #[test]
    fn conflicts_are_transient_whatever_carries_them() {
        for (name, message) in [
            (
                "psycopg2.errors.SerializationFailure",
                "could not serialize access due to concurrent update",
            ),
            ("psycopg2.errors.DeadlockDetected", "deadlock detected"),
            (
                "psycopg2.errors.LockNotAvailable",
                "could not obtain lock on row in relation \"res_partner\"",
            ),
            (
                "odoo.exceptions.UserError",
                "Could not serialize access due to concurrent update",
            ),
            ("builtins.Exception", "canceling statement due to lock timeout"),
        ] {
            assert!(is_conflict(name, message), "{name}: {message}");
            assert_eq!(classify_fault(name, message, 500), ErrorKind::Transient, "{name}");
        }
        assert!(!is_conflict(
            "odoo.exceptions.ValidationError",
            "The email is invalid"
        ));
        assert!(!is_conflict("", "No matching record found for external id 'x'"));
    }

    #[test]
    fn other_operational_errors_are_transient() {
        let kind = classify_fault(
            "psycopg2.OperationalError",
            "server closed the connection unexpectedly",
            200,
        );
        assert_eq!(kind, ErrorKind::Transient);
        let kind = classify_fault(
            "psycopg2.OperationalError",
            "FATAL:  database \"x\" does not exist",
            200,
        );
        assert_eq!(kind, ErrorKind::Configuration);
    }
}
