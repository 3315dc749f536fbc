//! The errors the simulated server raises, named after the Python classes a real Odoo
//! server reports in `data.name` (JSON-RPC) and `name` (JSON-2).

use serde_json::{Value, json};

/// An exception raised while serving one call; it aborts the call's transaction.
///
/// Each variant maps to the Python class Odoo reports and to the JSON-2 status code of
/// ODOO.md's error table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OdooError {
    /// Bad password or API key on JSON-RPC.
    #[error("Access Denied")]
    AccessDenied,
    /// JSON-2 authentication failure (missing or wrong bearer).
    #[error("{0}")]
    Unauthorized(String),
    /// A business rule refused the operation.
    #[error("{0}")]
    User(String),
    /// A constraint refused the data.
    #[error("{0}")]
    Validation(String),
    /// No access rights, or a private method called remotely.
    #[error("{0}")]
    Access(String),
    /// A record that does not exist (any more).
    #[error("{0}")]
    Missing(String),
    /// Unknown field name (Python `KeyError`).
    #[error("{0}")]
    Key(String),
    /// Bad value or unknown column (Python `ValueError`).
    #[error("{0}")]
    Value(String),
    /// Bad call signature (Python `TypeError`).
    #[error("{0}")]
    Type(String),
    /// Unknown method (Python `AttributeError`).
    #[error("{0}")]
    Attribute(String),
    /// JSON-2 route target missing (werkzeug `NotFound`).
    #[error("{0}")]
    NotFound(String),
    /// Unknown database (psycopg2 `OperationalError`).
    #[error("{0}")]
    Operational(String),
    /// A malformed request (werkzeug `BadRequest`).
    #[error("{0}")]
    BadRequest(String),
}

impl OdooError {
    /// The fully qualified Python class name, as Odoo serializes it.
    pub fn class_name(&self) -> &'static str {
        match self {
            Self::AccessDenied => "odoo.exceptions.AccessDenied",
            Self::Unauthorized(_) => "werkzeug.exceptions.Unauthorized",
            Self::User(_) => "odoo.exceptions.UserError",
            Self::Validation(_) => "odoo.exceptions.ValidationError",
            Self::Access(_) => "odoo.exceptions.AccessError",
            Self::Missing(_) => "odoo.exceptions.MissingError",
            Self::Key(_) => "builtins.KeyError",
            Self::Value(_) => "builtins.ValueError",
            Self::Type(_) => "builtins.TypeError",
            Self::Attribute(_) => "builtins.AttributeError",
            Self::NotFound(_) => "werkzeug.exceptions.NotFound",
            Self::Operational(_) => "psycopg2.OperationalError",
            Self::BadRequest(_) => "werkzeug.exceptions.BadRequest",
        }
    }

    /// The HTTP status a JSON-2 call answers with for this error.
    pub fn json2_status(&self) -> u16 {
        match self {
            Self::AccessDenied | Self::Unauthorized(_) => 401,
            Self::User(_) | Self::Validation(_) => 422,
            Self::Access(_) => 403,
            Self::Missing(_) | Self::NotFound(_) | Self::Operational(_) => 404,
            Self::BadRequest(_) => 400,
            Self::Key(_) | Self::Value(_) | Self::Type(_) | Self::Attribute(_) => 500,
        }
    }

    /// The error body shared by both protocols: `name`, `message`, `arguments`, `context`
    /// and a Python-like traceback in `debug` (a real server always sends one).
    pub fn body(&self) -> Value {
        let message = self.to_string();
        let name = self.class_name();
        let short = name.rsplit('.').next().unwrap_or(name);
        let debug = format!(
            "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/http.py\", line 2270, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n  File \"/opt/odoo/odoo/service/model.py\", line 157, in retrying\n    result = func()\n{name}: {message}\n\nThe above server error caused the following client error:\n{short}: {message}\n"
        );
        json!({
            "name": name,
            "message": message,
            "arguments": [message],
            "context": {},
            "debug": debug,
        })
    }
}

/// Shorthand for results of simulated server code.
pub type OdooResult<T> = Result<T, OdooError>;
