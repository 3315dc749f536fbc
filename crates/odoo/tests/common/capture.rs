//! A tiny HTTP server that records every request and answers from a test's closure:
//! for exact-request tests and for answers the simulator never gives (proxy 5xx, 429,
//! invalid JSON, serialization failures).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use spine_odoo::{OdooClient, OdooConfig, Protocol, RetryPolicy};
use tokio::sync::mpsc;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON-RPC request id (to echo in canned answers).
    pub fn rpc_id(&self) -> Value {
        self.body.get("id").cloned().unwrap_or(Value::Null)
    }
}

/// A canned answer: status, content type, extra headers, body text.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Self {
        Canned {
            status,
            content_type: "application/json",
            headers: vec![],
            body: body.to_string(),
        }
    }
    pub fn html(status: u16, body: &str) -> Self {
        Canned {
            status,
            content_type: "text/html; charset=utf-8",
            headers: vec![],
            body: body.to_owned(),
        }
    }
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
    pub fn with_body(mut self, body: &str) -> Self {
        body.clone_into(&mut self.body);
        self
    }
    /// A JSON-RPC success envelope echoing the request id.
    pub fn rpc_result(req: &Captured, result: Value) -> Self {
        Canned::json(
            200,
            json!({"jsonrpc": "2.0", "id": req.rpc_id(), "result": result}),
        )
    }
    /// A JSON-RPC error envelope echoing the request id.
    pub fn rpc_error(req: &Captured, name: &str, message: &str) -> Self {
        let data = json!({"name": name, "message": message, "arguments": [message], "context": {}, "debug": "Traceback ..."});
        Canned::json(
            200,
            json!({"jsonrpc": "2.0", "id": req.rpc_id(), "error": {"code": 0, "message": "Odoo Server Error", "data": data}}),
        )
    }
}

type Responder = Arc<dyn Fn(&Captured) -> Canned + Send + Sync>;

#[derive(Clone)]
struct AppState {
    responder: Responder,
    seen: mpsc::UnboundedSender<Captured>,
}

async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let captured = Captured {
        method,
        path: uri.path().to_owned(),
        headers,
        body,
    };
    let canned = (state.responder)(&captured);
    let _ = state.seen.send(captured);
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = vec![("content-type", canned.content_type.to_owned())];
    headers.extend(canned.headers);
    let mut resp = (status, canned.body).into_response();
    for (name, value) in headers {
        if let Ok(v) = value.parse() {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

/// A running capture server.
pub struct CaptureServer {
    pub url: String,
    seen: mpsc::UnboundedReceiver<Captured>,
    task: tokio::task::JoinHandle<()>,
}

impl CaptureServer {
    pub async fn start(responder: impl Fn(&Captured) -> Canned + Send + Sync + 'static) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = AppState {
            responder: Arc::new(responder),
            seen: tx,
        };
        let app = Router::new().fallback(handle).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CaptureServer { url, seen: rx, task }
    }

    /// A client for this server with the given protocol and no retry delay.
    pub fn client(&self, protocol: Protocol, retry: RetryPolicy) -> OdooClient {
        let key = SecretString::from("test-key".to_owned());
        let config = OdooConfig::new(&self.url, "testdb", "admin", key)
            .expect("config")
            .with_protocol(protocol)
            .with_retry(retry);
        OdooClient::new(config).expect("client")
    }

    /// Every request received so far, in order.
    pub fn drain(&mut self) -> Vec<Captured> {
        let mut out = Vec::new();
        while let Ok(c) = self.seen.try_recv() {
            out.push(c);
        }
        out
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
