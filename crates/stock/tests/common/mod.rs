//! What every stock test needs: the Odoo under test (the simulator, or a real Odoo when
//! `ODOO_*` is set), a stock table and secrets in the AWS emulator, the channel fake, and
//! a [`StockPush`] wired to them with a pause that records its waits instead of sleeping.
//!
//! Tests name products by short labels ("A", "B"); each environment turns them into SKUs
//! unique to the run, because a real database holds other products, which a run pushes
//! too. [`Env::own_levels`] and [`Env::pushed`] keep only the test's own SKUs (under their
//! labels) and, on the simulator, check that there was nothing else; counts over the
//! whole catalogue are asserted on the simulator only ([`Env::on_sim`]).

#![allow(dead_code)]

pub mod fake;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use spine_odoo::{OdooClient, Protocol};
use spine_stock::{
    ChannelConfig, HttpClient, HttpPolicy, Pause, SecretsManager, StockPush, StockState, create_table,
    parse_channels,
};
use spine_testkit::odoo::{Target, set_on_hand, unique};

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
    /// Keeps the simulator (when it is the target) running.
    pub target: Target,
    pub protocol: Protocol,
    pub odoo: OdooClient,
    pub state: StockState,
    pub pauses: Arc<RecordingPause>,
    pub push: StockPush,
    pub fake: fake::Fake,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub prefix: String,
    /// Appended to every label to make this environment's SKUs.
    suffix: String,
}

/// One fresh environment per protocol the Odoo under test is tested on, each with its
/// own simulator (so counts on the simulator are this scenario's alone); `page_size`
/// products per Odoo round trip.
pub async fn envs(page_size: u32) -> Vec<Env> {
    let first = spine_testkit::odoo::target().await;
    let protocols = first.protocols();
    let mut next = Some(first);
    let mut envs = Vec::new();
    for protocol in protocols {
        let target = match next.take() {
            Some(target) => target,
            None => spine_testkit::odoo::target().await,
        };
        envs.push(env(target, protocol, page_size).await);
    }
    envs
}

async fn env(target: Target, protocol: Protocol, page_size: u32) -> Env {
    let odoo = target.client(protocol);
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
    eprintln!("stock env over {protocol:?}");
    Env {
        target,
        protocol,
        odoo,
        state,
        pauses,
        push,
        fake,
        secrets,
        prefix,
        suffix: unique("stk"),
    }
}

impl Env {
    /// True on the simulator, where the catalogue holds this scenario's products only and
    /// counts over everything read or pushed are exact.
    pub fn on_sim(&self) -> bool {
        !self.target.is_real()
    }

    /// This environment's SKU for a label.
    pub fn sku(&self, label: &str) -> String {
        format!("{label}-{}", self.suffix)
    }

    /// The label of one of this environment's SKUs; `None` for anyone else's.
    pub fn label<'a>(&self, sku: &'a str) -> Option<&'a str> {
        sku.strip_suffix(self.suffix.as_str())?.strip_suffix('-')
    }

    /// Creates storable products with these labels and sets their on-hand quantities;
    /// answers each label's product id.
    pub async fn stock(&self, levels: &[(&str, f64)]) -> BTreeMap<String, i64> {
        let mut products = BTreeMap::new();
        for (label, qty) in levels {
            let product = spine_testkit::odoo::product(&self.odoo, &self.sku(label)).await;
            set_on_hand(&self.odoo, product, *qty).await;
            products.insert((*label).to_owned(), product);
        }
        products
    }

    /// The levels of this environment's SKUs in a map keyed by SKU, under their labels.
    /// On the simulator there must be no other SKU.
    pub fn own_levels(&self, levels: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
        let own: BTreeMap<String, i64> = levels
            .iter()
            .filter_map(|(sku, q)| Some((self.label(sku)?.to_owned(), *q)))
            .collect();
        if self.on_sim() {
            assert_eq!(own.len(), levels.len(), "only this test's SKUs: {levels:?}");
        }
        own
    }

    /// Every `{"sku", "quantity"}` of this environment's SKUs the generic target received,
    /// in order, under their labels. On the simulator no request may carry another SKU.
    pub fn pushed(&self, requests: &[fake::Captured]) -> Value {
        let mut own = Vec::new();
        for request in requests {
            for level in request.json()["levels"].as_array().into_iter().flatten() {
                let sku = level["sku"].as_str().expect("sku");
                match self.label(sku) {
                    Some(label) => own.push(json!({"sku": label, "quantity": level["quantity"]})),
                    None => assert!(!self.on_sim(), "only this test's SKUs: {sku}"),
                }
            }
        }
        Value::Array(own)
    }

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
