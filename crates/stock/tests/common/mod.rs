//! What every stock test needs: the Odoo simulator, a stock table and secrets in the AWS
//! emulator, the channel fake, and a [`StockPush`] wired to them with a pause that records
//! its waits instead of sleeping.

#![allow(dead_code)]

pub mod fake;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use odoo_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};
use spine_odoo::{OdooClient, OdooConfig, Protocol, Record};
use spine_stock::{
    ChannelConfig, HttpClient, HttpPolicy, Pause, SecretsManager, StockPush, StockState, create_table,
    parse_channels,
};

/// Records every requested wait and returns at once.
#[derive(Default)]
pub struct RecordingPause(pub Mutex<Vec<Duration>>);

#[async_trait]
impl Pause for RecordingPause {
    async fn pause(&self, duration: Duration) {
        self.0.lock().expect("pauses").push(duration);
    }
}

impl RecordingPause {
    pub fn taken(&self) -> Vec<Duration> {
        std::mem::take(&mut self.0.lock().expect("pauses"))
    }
}

pub struct Env {
    pub sim: SimHandle,
    pub odoo: OdooClient,
    pub state: StockState,
    pub pauses: Arc<RecordingPause>,
    pub push: StockPush,
    pub fake: fake::Fake,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub prefix: String,
}

pub fn odoo_client(sim: &SimHandle) -> OdooClient {
    let cfg = sim.config();
    let config = OdooConfig::new(&sim.url(), &cfg.database, &cfg.login, cfg.api_key.clone().into())
        .expect("config")
        .with_protocol(Protocol::Json2);
    OdooClient::new(config).expect("client")
}

/// A fresh environment; `page_size` products per Odoo round trip.
pub async fn env(page_size: u32) -> Env {
    let sim = SimHandle::start(SimConfig::default()).await.expect("simulator");
    let odoo = odoo_client(&sim);
    let dynamo = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("stock");
    create_table(&dynamo, &table).await.expect("table");
    let state = StockState::new(dynamo, table);
    let secrets = spine_testkit::secretsmanager().await;
    let prefix = spine_testkit::unique_name("stock");
    for (name, value) in [
        (
            "woo",
            json!({"consumer_key": fake::WOO_KEY, "consumer_secret": fake::WOO_SECRET}),
        ),
        ("shopify", json!({"access_token": fake::SHOPIFY_TOKEN})),
        ("http", json!({"hmac_key": fake::HMAC_KEY})),
    ] {
        secrets
            .create_secret()
            .name(format!("{prefix}/{name}"))
            .secret_string(value.to_string())
            .send()
            .await
            .expect("secret");
    }
    let pauses = Arc::new(RecordingPause::default());
    let policy = HttpPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..HttpPolicy::default()
    };
    let http = HttpClient::new(policy, pauses.clone()).expect("http");
    let source = Arc::new(SecretsManager::new(secrets.clone()));
    let push = StockPush::new(odoo.clone(), state.clone(), source, http, page_size);
    let fake = fake::Fake::start().await;
    Env {
        sim,
        odoo,
        state,
        pauses,
        push,
        fake,
        secrets,
        prefix,
    }
}

impl Env {
    /// One channel of `kind` pointed at the fake, with extra fields merged in.
    pub fn channel(&self, name: &str, kind: &str, extra: Value) -> ChannelConfig {
        let (url, secret) = match kind {
            "http" => (format!("{}/push", self.fake.url), "http"),
            "woocommerce" => (self.fake.url.clone(), "woo"),
            _ => (self.fake.url.clone(), "shopify"),
        };
        let mut c = json!({"name": name, "kind": kind, "base_url": url,
                           "credentials_secret": format!("{}/{secret}", self.prefix)});
        if kind == "shopify" {
            c["shopify_location_id"] = json!(fake::SHOPIFY_LOCATION);
        }
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            c[k] = v;
        }
        parse_channels(&json!({"channels": [c]}).to_string())
            .expect("channel config")
            .remove(0)
    }
}

fn rec(v: Value) -> Record {
    v.as_object().cloned().expect("object")
}

/// Creates storable products with these SKUs and on-hand quantities (two calls in all);
/// answers each SKU's quant id.
pub async fn stock(odoo: &OdooClient, levels: &[(&str, f64)]) -> BTreeMap<String, i64> {
    let products: Vec<Record> = levels
        .iter()
        .map(|(sku, _)| rec(json!({"name": format!("P {sku}"), "default_code": sku, "is_storable": true})))
        .collect();
    let ids = odoo.create("product.product", &products).await.expect("products");
    let quants: Vec<Record> = ids
        .iter()
        .zip(levels)
        .map(|(id, (_, qty))| rec(json!({"product_id": id, "quantity": qty})))
        .collect();
    let quant_ids = odoo.create("stock.quant", &quants).await.expect("quants");
    levels
        .iter()
        .map(|(s, _)| (*s).to_owned())
        .zip(quant_ids)
        .collect()
}

/// Sets a quant's on-hand quantity.
pub async fn set_qty(odoo: &OdooClient, quant: i64, qty: f64) {
    odoo.write("stock.quant", &[quant], &rec(json!({"quantity": qty})))
        .await
        .expect("write");
}
