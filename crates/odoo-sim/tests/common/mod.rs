//! Test helpers: a simulator on a random port and a tiny client for both protocols
//! written with plain reqwest, so the same calls could target a real Odoo.

#![allow(dead_code)]

use odoo_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

/// Which protocol a test speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    JsonRpc,
    Json2,
}

pub const BOTH: [Proto; 2] = [Proto::JsonRpc, Proto::Json2];

/// A failed call: HTTP status and the error body (`data` of the JSON-RPC envelope).
#[derive(Debug, Clone)]
pub struct Fail {
    pub status: u16,
    pub body: Value,
}

impl Fail {
    pub fn name(&self) -> &str {
        self.body["name"].as_str().unwrap_or_default()
    }
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// A simulator plus an HTTP client pointed at it.
pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub key: String,
}

impl Sim {
    pub async fn start(config: SimConfig) -> Sim {
        let key = config.api_key.clone();
        let handle = SimHandle::start(config).await.expect("simulator starts");
        Sim {
            handle,
            http: reqwest::Client::new(),
            key,
        }
    }

    pub async fn default() -> Sim {
        Sim::start(SimConfig::default()).await
    }

    /// Raw JSON-RPC request: answers the whole envelope (always HTTP 200 here).
    pub async fn jsonrpc(&self, service: &str, method: &str, args: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 7, "params": {"service": service, "method": method, "args": args}});
        let resp = self
            .http
            .post(format!("{}/jsonrpc", self.handle.url()))
            .json(&body)
            .send()
            .await
            .expect("jsonrpc answers");
        assert_eq!(resp.status().as_u16(), 200, "JSON-RPC errors are HTTP 200 too");
        resp.json().await.expect("jsonrpc body is JSON")
    }

    /// Raw JSON-2 request with the configured key: status and body text.
    pub async fn json2_raw(
        &self,
        model: &str,
        method: &str,
        body: Value,
        bearer: Option<&str>,
    ) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}/json/2/{model}/{method}", self.handle.url()))
            .json(&body);
        if let Some(key) = bearer {
            req = req.header("Authorization", format!("bearer {key}"));
        }
        let resp = req
            .header("X-Odoo-Database", "spine")
            .send()
            .await
            .expect("json2 answers");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    /// One call over either protocol; `ids` go first for record methods.
    pub async fn call(
        &self,
        proto: Proto,
        model: &str,
        method: &str,
        ids: Option<Vec<i64>>,
        kwargs: Value,
    ) -> Result<Value, Fail> {
        match proto {
            Proto::JsonRpc => {
                let positional = ids.map(|ids| json!([ids])).unwrap_or(json!([]));
                let args = json!(["spine", 2, self.key, model, method, positional, kwargs]);
                let env = self.jsonrpc("object", "execute_kw", args).await;
                match env.get("error") {
                    Some(err) => {
                        assert_eq!(err["code"], json!(0));
                        assert_eq!(err["message"], json!("Odoo Server Error"));
                        Err(Fail {
                            status: 200,
                            body: err["data"].clone(),
                        })
                    }
                    None => Ok(env["result"].clone()),
                }
            }
            Proto::Json2 => {
                let mut body = kwargs;
                if let Some(ids) = ids {
                    body["ids"] = json!(ids);
                }
                let (status, text) = self.json2_raw(model, method, body, Some(&self.key)).await;
                let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                if status == 200 {
                    Ok(value)
                } else {
                    Err(Fail { status, body: value })
                }
            }
        }
    }

    /// A call expected to succeed.
    pub async fn ok(
        &self,
        proto: Proto,
        model: &str,
        method: &str,
        ids: Option<Vec<i64>>,
        kwargs: Value,
    ) -> Value {
        match self.call(proto, model, method, ids, kwargs).await {
            Ok(v) => v,
            Err(f) => panic!("{model}.{method} over {proto:?} failed: {} {}", f.status, f.body),
        }
    }

    /// A call expected to fail.
    pub async fn fail(
        &self,
        proto: Proto,
        model: &str,
        method: &str,
        ids: Option<Vec<i64>>,
        kwargs: Value,
    ) -> Fail {
        match self.call(proto, model, method, ids, kwargs).await {
            Ok(v) => panic!("{model}.{method} over {proto:?} should fail, answered {v}"),
            Err(f) => {
                assert!(
                    f.body["debug"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("Traceback")),
                    "debug traceback in {}",
                    f.body
                );
                f
            }
        }
    }

    /// Creates one record (JSON-2 answers a list, JSON-RPC an id for one dict).
    pub async fn create(&self, proto: Proto, model: &str, vals: Value) -> i64 {
        let answer = self
            .ok(proto, model, "create", None, json!({"vals_list": [vals]}))
            .await;
        answer[0].as_i64().expect("created id")
    }

    /// Reads one record's fields.
    pub async fn read1(&self, proto: Proto, model: &str, id: i64, fields: &[&str]) -> Value {
        let rows = self
            .ok(proto, model, "read", Some(vec![id]), json!({"fields": fields}))
            .await;
        rows[0].clone()
    }

    /// Creates one record with a context (wizards need `active_model` / `active_ids`).
    pub async fn create_ctx(&self, proto: Proto, model: &str, vals: Value, ctx: &Value) -> i64 {
        let answer = self
            .ok(
                proto,
                model,
                "create",
                None,
                json!({"vals_list": [vals], "context": ctx}),
            )
            .await;
        answer[0].as_i64().expect("created id")
    }
}
