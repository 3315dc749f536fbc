//! The two wire protocols (JSON-RPC and JSON-2) and the HTML pages werkzeug answers
//! when a route or database does not exist.

pub mod json2;
pub mod jsonrpc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

/// The body type of every answer.
pub type Body = Full<Bytes>;

/// A JSON answer with the given status.
pub fn json_response(status: u16, value: &serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(value.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// An HTML page like werkzeug's default error pages.
pub fn html_response(status: StatusCode, title: &str, text: &str) -> Response<Body> {
    let code = status.as_u16();
    let page = format!(
        "<!doctype html>\n<html lang=en>\n<title>{code} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n"
    );
    let mut resp = Response::new(Full::new(Bytes::from(page)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

/// werkzeug's 404 page (unknown route, unknown database on JSON-2, JSON-2 before 19).
pub fn not_found() -> Response<Body> {
    html_response(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}
