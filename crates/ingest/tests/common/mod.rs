//! Shared by the integration tests: the sample requests of events/webhook/ taken apart as
//! the handler would, with the test sources and their secrets (all from
//! `spine_testkit::webhook`, which the webhook function's tests share).

#![allow(dead_code, reason = "each test binary uses a different part")]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde_json::Value;
use spine_ingest::{Headers, SigningKeys, Sources};
pub use spine_testkit::webhook::{self, SENT_AT, secret};

/// "Now" for the tests: five seconds after the samples were sent.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(SENT_AT + 5, 0).expect("a valid time")
}

/// The test sources, each reading its keys from the secret `spine/webhooks/<source>`.
pub fn sources() -> Sources {
    let json = webhook::sources_json(|source| format!("spine/webhooks/{source}"));
    Sources::from_json(&json).expect("the test sources parse")
}

pub fn keys(source: &str) -> SigningKeys {
    SigningKeys::current(secret(source).into())
}

/// One sample request, taken apart as the handler would.
pub struct Sample {
    pub name: &'static str,
    pub source: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Sample {
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("samples are UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON sample")
    }
}

/// Every sample request.
pub fn all_samples() -> Vec<Sample> {
    webhook::SAMPLES
        .iter()
        .map(|(name, text)| parse(name, text))
        .collect()
}

pub fn sample(name: &str) -> Sample {
    all_samples()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
}

fn parse(name: &'static str, text: &str) -> Sample {
    let event: Value = serde_json::from_str(text).expect("a sample is JSON");
    let headers = event["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("header text").to_owned()))
        .collect();
    let raw = event["body"].as_str().unwrap_or("");
    let body = if event["isBase64Encoded"].as_bool().unwrap_or(false) {
        BASE64.decode(raw).expect("base64 body")
    } else {
        raw.as_bytes().to_vec()
    };
    Sample {
        name,
        source: event["pathParameters"]["source"]
            .as_str()
            .expect("source")
            .to_owned(),
        headers,
        body,
    }
}
