//! The Lambda Invoke API of the local host: `cargo lambda invoke NAME --data-file
//! events/...` (or any client of Lambda's `Invoke`) runs one invocation of a local
//! function with the request body as its event, and gets the function's answer.
//!
//! What cargo-lambda 1.x's `invoke` sends and expects (read from its source):
//! `POST http://{--invoke-address, default ::1}:{--invoke-port, default 9000}/2015-03-31/functions/{name}/invocations`
//! with the payload as the body and no content type or other header. HTTP 200 is the
//! function's answer, printed as is; any other status is an error whose body it parses
//! as `{"errorType","errorMessage"}`. So a function error is answered with 500 (as
//! `cargo lambda watch` does) and Lambda's error body, plus `X-Amz-Function-Error:
//! Unhandled`, the header the Lambda API itself sets (there with a 200) for SDK clients.
//!
//! A function is named by its template logical id (`OrderSyncFunction`), its binary
//! (`order-sync`, the name cargo-lambda knows it by), or its deployed `FunctionName`;
//! an ARN or a `:qualifier` suffix is accepted too.

use crate::runtime_api::{FunctionHost, InvokeError};
use crate::stack::FunctionSpec;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Invoke API's path, as cargo-lambda and the AWS SDKs build it.
pub const INVOKE_PATH: &str = "/2015-03-31/functions/{name}/invocations";

/// The functions the Invoke API can run, under every name they answer to.
#[derive(Clone, Default)]
pub struct InvokeTargets {
    by_name: BTreeMap<String, Arc<FunctionHost>>,
    /// The binary names, for the answer to an unknown name.
    binaries: Vec<String>,
}

impl InvokeTargets {
    /// Each function under its logical id, its binary and its deployed name.
    pub fn new(specs: &[FunctionSpec], functions: &BTreeMap<String, Arc<FunctionHost>>) -> Self {
        let mut by_name = BTreeMap::new();
        let mut binaries = Vec::new();
        for spec in specs {
            let Some(function) = functions.get(&spec.logical_id) else {
                continue;
            };
            binaries.push(spec.binary.clone());
            let names = [
                Some(&spec.logical_id),
                Some(&spec.binary),
                spec.function_name.as_ref(),
            ];
            for name in names.into_iter().flatten() {
                by_name.insert(name.clone(), function.clone());
            }
        }
        Self { by_name, binaries }
    }

    /// The function a requested name (or ARN, with or without a qualifier) means.
    pub fn find(&self, requested: &str) -> Option<Arc<FunctionHost>> {
        self.by_name.get(bare_name(requested)).cloned()
    }

    /// Every name a function answers to.
    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    /// The functions' binary names.
    pub fn binaries(&self) -> &[String] {
        &self.binaries
    }
}

/// `name` from `name`, `name:qualifier` or `arn:aws:lambda:region:account:function:name[:qualifier]`.
pub fn bare_name(requested: &str) -> &str {
    let name = requested
        .split_once(":function:")
        .map_or(requested, |(_, rest)| rest);
    name.split(':').next().unwrap_or(name)
}

/// The Invoke API router.
pub fn router(targets: InvokeTargets) -> axum::Router {
    axum::Router::new()
        .route(INVOKE_PATH, axum::routing::post(invoke))
        .with_state(Arc::new(targets))
}

async fn invoke(
    State(targets): State<Arc<InvokeTargets>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(function) = targets.find(&name) else {
        let known = targets.binaries().join(", ");
        let message =
            format!("Function not found: {name} (local functions, by binary or logical id: {known})");
        return api_error(StatusCode::NOT_FOUND, "ResourceNotFoundException", &message);
    };
    let event = match event(&body) {
        Ok(event) => event,
        Err(e) => {
            let message = format!("Could not parse request body into json: {e}");
            return api_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                &message,
            );
        }
    };
    let kind = headers
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse");
    match kind {
        "RequestResponse" => answer(function.invoke(event).await),
        "Event" => {
            tokio::spawn(async move {
                if let Err(e) = function.invoke(event).await {
                    tracing::warn!(function = function.name(), "asynchronous invocation failed: {e}");
                }
            });
            StatusCode::ACCEPTED.into_response()
        }
        "DryRun" => StatusCode::NO_CONTENT.into_response(),
        other => {
            let message = format!("X-Amz-Invocation-Type {other:?} is not RequestResponse, Event or DryRun");
            api_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &message,
            )
        }
    }
}

/// The event in a request body; an empty body is `{}`, as Lambda passes it.
fn event(body: &[u8]) -> Result<Value, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
}

/// The HTTP answer to a synchronous invocation (see the module header for the shape).
pub fn answer(result: Result<Value, InvokeError>) -> Response {
    let (error_type, message) = match result {
        Ok(value) => {
            let headers = [
                ("content-type", "application/json"),
                ("x-amz-executed-version", "$LATEST"),
            ];
            return (StatusCode::OK, headers, value.to_string()).into_response();
        }
        Err(InvokeError::Function { error_type, message }) => (error_type, message),
        Err(InvokeError::Timeout(after)) => (
            "Sandbox.Timedout".to_owned(),
            format!("Task timed out after {:.2} seconds", after.as_secs_f64()),
        ),
        Err(e @ (InvokeError::Crashed | InvokeError::NotStarted(_))) => {
            ("Runtime.ExitError".to_owned(), e.to_string())
        }
        Err(InvokeError::Unavailable) => {
            let message = "the local function is not running";
            return api_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceException", message);
        }
    };
    let body = json!({"errorType": error_type, "errorMessage": message});
    let headers = [
        ("content-type", "application/json"),
        ("x-amz-function-error", "Unhandled"),
        ("x-amz-executed-version", "$LATEST"),
    ];
    (StatusCode::INTERNAL_SERVER_ERROR, headers, body.to_string()).into_response()
}

/// An error of the Invoke API itself (not of the function): the AWS error header and
/// message for SDKs, and `errorType`/`errorMessage` for cargo-lambda.
fn api_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = json!({
        "Type": "User",
        "message": message,
        "errorType": error_type,
        "errorMessage": message,
    });
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-amzn-errortype", error_type.to_owned()),
    ];
    (status, headers, body.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arns_and_qualifiers_come_down_to_the_function_name() {
        assert_eq!(bare_name("order-sync"), "order-sync");
        assert_eq!(bare_name("order-sync:$LATEST"), "order-sync");
        assert_eq!(
            bare_name("arn:aws:lambda:us-east-1:123456789012:function:dev-spine-order-sync:live"),
            "dev-spine-order-sync"
        );
    }

    #[test]
    fn empty_bodies_are_empty_objects_and_bad_json_is_refused() {
        assert_eq!(event(b" \n").unwrap(), json!({}));
        assert_eq!(event(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert!(event(b"{not json").is_err());
    }

    #[test]
    fn function_errors_carry_the_lambda_shape_and_header() {
        let failure = InvokeError::Function {
            error_type: "spine::Bad".to_owned(),
            message: "window ends before it starts".to_owned(),
        };
        let response = answer(Err(failure));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()["x-amz-function-error"], "Unhandled");
        let timeout = answer(Err(InvokeError::Timeout(std::time::Duration::from_secs(3))));
        assert_eq!(timeout.headers()["x-amz-function-error"], "Unhandled");
        let ok = answer(Ok(json!({"batchItemFailures": []})));
        assert_eq!(ok.status(), StatusCode::OK);
        assert!(ok.headers().get("x-amz-function-error").is_none());
    }
}
