//! Translation between API Gateway's HTTP API (payload 2.0) events and the pure core:
//! the source from the route, headers, the raw body; and the answer as a response.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use spine_core::CorrelationId;
use spine_ingest::{Answer, Headers};

/// The `{source}` of `POST /webhooks/{source}`: the path parameter, or the last segment
/// of the raw path when the route was not templated (local runs).
pub fn source_of(request: &ApiGatewayV2httpRequest) -> String {
    if let Some(source) = request.path_parameters.get("source") {
        return source.clone();
    }
    request
        .raw_path
        .as_deref()
        .and_then(|path| path.trim_end_matches('/').rsplit('/').next())
        .unwrap_or_default()
        .to_owned()
}

/// The request's method (API Gateway puts it in the request context for payload 2.0).
pub fn method_of(request: &ApiGatewayV2httpRequest) -> &str {
    request.request_context.http.method.as_str()
}

/// The request's headers for the core. Values that are not visible ASCII are dropped:
/// no header the verifiers read can legitimately contain anything else.
pub fn headers_of(map: &HeaderMap) -> Headers {
    map.iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// The answer as an HTTP API response: a JSON body, and the correlation id in a header
/// so a sender's support ticket can quote it.
pub fn response(answer: Answer, correlation_id: &CorrelationId) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(correlation_id.as_str()) {
        headers.insert("x-correlation-id", value);
    }
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(answer.status);
    response.headers = headers;
    response.body = Some(Body::Text(answer.body));
    response.is_base64_encoded = false;
    response
}
