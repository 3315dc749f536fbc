//! The HTTP API in front of the functions: each request matching a route of the
//! template becomes an API Gateway HTTP API (payload format 2.0) event, and the
//! function's answer becomes the HTTP response, as API Gateway does it.

use crate::runtime_api::{FunctionHost, InvokeError};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One route: method, path template (`/webhooks/{source}`) and its function.
#[derive(Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function: Arc<FunctionHost>,
}

/// Matches a path against a template, returning the path parameters.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let mut wanted = template.trim_matches('/').split('/');
    let mut actual = path.trim_matches('/').split('/');
    loop {
        match (wanted.next(), actual.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(a)) if w.starts_with('{') && w.ends_with("+}") => {
                let rest: Vec<&str> = std::iter::once(a).chain(actual).collect();
                params.insert(w[1..w.len() - 2].to_owned(), rest.join("/"));
                return Some(params);
            }
            (Some(w), Some(a)) if w.starts_with('{') && w.ends_with('}') && !a.is_empty() => {
                params.insert(w[1..w.len() - 1].to_owned(), a.to_owned());
            }
            (Some(w), Some(a)) if w == a => {}
            _ => return None,
        }
    }
}

/// The API Gateway v2 event for a request.
pub fn event(
    route: &Route,
    params: BTreeMap<String, String>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Value {
    let mut header_map = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let entry = header_map
            .entry(name.as_str().to_owned())
            .or_insert(Value::String(String::new()));
        // Repeated headers are joined with commas, as API Gateway does.
        *entry = match entry.as_str() {
            Some("") => Value::String(value),
            Some(previous) => Value::String(format!("{previous},{value}")),
            None => Value::String(value),
        };
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (STANDARD.encode(body), true),
    };
    let now = chrono::Utc::now();
    let route_key = format!("{} {}", route.method, route.path);
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": uri.path(),
        "rawQueryString": uri.query().unwrap_or(""),
        "headers": header_map,
        "requestContext": {
            "accountId": crate::template::ACCOUNT_ID,
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method.as_str(),
                "path": uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "pathParameters": params,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// The HTTP response for a function's answer (format 2.0 rules).
pub fn response(answer: Result<Value, InvokeError>) -> Response {
    let answer = match answer {
        Ok(answer) => answer,
        Err(InvokeError::Timeout(_)) => return plain(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        Err(_) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    };
    let Some(status) = answer.get("statusCode").and_then(Value::as_u64) else {
        // An answer without statusCode is taken as a 200 JSON body.
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            answer.to_string(),
        )
            .into_response();
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok());
    let Some(status) = status else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let body = answer.get("body").and_then(Value::as_str).unwrap_or_default();
    let body = if answer.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        match STANDARD.decode(body) {
            Ok(bytes) => bytes,
            Err(_) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    } else {
        body.as_bytes().to_vec()
    };
    let mut response = Response::builder().status(status);
    for (name, value) in answer
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::try_from(name.as_str()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"))
}

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

/// The router: every request is matched against the routes; no match is API Gateway's 404.
pub fn router(routes: Vec<Route>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(Arc::new(routes))
}

async fn handle(
    State(routes): State<Arc<Vec<Route>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    for route in routes.iter() {
        if route.method != method.as_str() && route.method != "ANY" {
            continue;
        }
        if let Some(params) = match_path(&route.path, uri.path()) {
            let event = event(route, params, &method, &uri, &headers, &body);
            return response(route.function.invoke(event).await);
        }
    }
    plain(StatusCode::NOT_FOUND, "Not Found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates() {
        let params = match_path("/webhooks/{source}", "/webhooks/shopify").unwrap();
        assert_eq!(params["source"], "shopify");
        assert!(match_path("/webhooks/{source}", "/webhooks").is_none());
        assert!(match_path("/webhooks/{source}", "/webhooks/a/b").is_none());
        assert!(match_path("/webhooks/{source}", "/hooks/a").is_none());
        assert_eq!(match_path("/files/{path+}", "/files/a/b").unwrap()["path"], "a/b");
    }

    #[test]
    fn answers_become_responses() {
        let answer =
            json!({"statusCode": 202, "headers": {"content-type": "application/json"}, "body": "{\"ok\":1}"});
        let response = response(Ok(answer));
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(
            super::response(Err(InvokeError::Crashed)).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(super::response(Ok(json!({"a": 1}))).status(), StatusCode::OK);
    }
}
