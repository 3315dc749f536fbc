//! Stock push with 10,000 SKUs: a first run (everything new), a run with 1% changed, and a
//! run with nothing changed, against the Odoo simulator, DynamoDB in the AWS emulator and
//! a local generic HTTP target. Prints wall time, Odoo round trips and time, DynamoDB and
//! channel requests per run. `cargo bench -p spine-stock` (set STOCK_BENCH_SKUS to resize).

use std::sync::Arc;
use std::time::{Duration, Instant};

use odoo_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};
use spine_odoo::{OdooClient, OdooConfig, Protocol, Record};
use spine_stock::{
    HttpClient, HttpPolicy, SecretsManager, StockPush, StockState, TokioPause, create_table, parse_channels,
};

fn rec(v: Value) -> Record {
    v.as_object().cloned().unwrap_or_default()
}

async fn target() -> String {
    let app = axum::Router::new().route("/push", axum::routing::post(|_: String| async { "{}" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/push", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

struct Row {
    name: &'static str,
    pushed: usize,
    unchanged: usize,
    wall: Duration,
    odoo_trips: u64,
    odoo_time: Duration,
    dynamo: u64,
    channel: u64,
}

#[tokio::main]
async fn main() {
    let skus: usize = std::env::var("STOCK_BENCH_SKUS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let changed = (skus / 100).max(1);
    let sim = SimHandle::start(SimConfig::default()).await.expect("simulator");
    let cfg = sim.config();
    let config = OdooConfig::new(&sim.url(), &cfg.database, &cfg.login, cfg.api_key.clone().into())
        .expect("config")
        .with_protocol(Protocol::Json2);
    let odoo = OdooClient::new(config).expect("client");
    let products: Vec<Record> = (0..skus)
        .map(|i| {
            rec(json!({"name": format!("P{i}"), "default_code": format!("SKU-{i:05}"), "is_storable": true}))
        })
        .collect();
    let ids = odoo.create("product.product", &products).await.expect("products");
    let quants: Vec<Record> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| rec(json!({"product_id": id, "quantity": (i % 50) as f64})))
        .collect();
    let quant_ids = odoo.create("stock.quant", &quants).await.expect("quants");

    let dynamo = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("stock-bench");
    create_table(&dynamo, &table).await.expect("table");
    let state = StockState::new(dynamo, table);
    let sm = spine_testkit::secretsmanager().await;
    let secret = spine_testkit::unique_name("stock-bench");
    sm.create_secret()
        .name(&secret)
        .secret_string(r#"{"hmac_key":"k"}"#)
        .send()
        .await
        .expect("secret");
    let http = HttpClient::new(HttpPolicy::default(), Arc::new(TokioPause)).expect("http");
    let push = StockPush::new(
        odoo.clone(),
        state.clone(),
        Arc::new(SecretsManager::new(sm)),
        http.clone(),
        5_000,
    );
    let channels = parse_channels(
        &json!({"channels": [{"name": "bench", "kind": "http", "base_url": target().await,
                              "credentials_secret": secret, "buffer": 1}]})
        .to_string(),
    )
    .expect("channels");

    let mut rows = Vec::new();
    for name in ["first run (all new)", "1% changed", "nothing changed"] {
        if name == "1% changed" {
            let step = skus / changed;
            let some: Vec<i64> = quant_ids.iter().step_by(step).take(changed).copied().collect();
            odoo.write("stock.quant", &some, &rec(json!({"quantity": 1000.0})))
                .await
                .expect("write");
        }
        let (o, d, c) = (odoo.metrics(), state.requests(), http.requests());
        let start = Instant::now();
        let summary = push.run(&channels).await;
        let wall = start.elapsed();
        let odoo_delta = odoo.metrics().since(&o);
        let ch = &summary.channels[0];
        assert_eq!(ch.failed, 0, "{:?}", ch.failures);
        rows.push(Row {
            name,
            pushed: ch.pushed,
            unchanged: ch.unchanged,
            wall,
            odoo_trips: odoo_delta.round_trips,
            odoo_time: odoo_delta.total_latency,
            dynamo: state.requests() - d,
            channel: http.requests() - c,
        });
    }
    println!(
        "stock push, {skus} SKUs, {changed} changed, page 5000, generic target batch 500 (simulator + moto + local target)"
    );
    println!(
        "{:<22} {:>7} {:>9} {:>9} {:>11} {:>9} {:>9} {:>9}",
        "run", "pushed", "unchanged", "wall ms", "odoo trips", "odoo ms", "dynamo", "channel"
    );
    for r in rows {
        println!(
            "{:<22} {:>7} {:>9} {:>9} {:>11} {:>9} {:>9} {:>9}",
            r.name,
            r.pushed,
            r.unchanged,
            r.wall.as_millis(),
            r.odoo_trips,
            r.odoo_time.as_millis(),
            r.dynamo,
            r.channel
        );
    }
    let name = spine_core::SourceName::parse("bench").expect("name");
    let start = Instant::now();
    let n = state.last_pushed(&name).await.expect("state").len();
    println!(
        "of which: one Query of the channel's {n} records takes {} ms on the emulator",
        start.elapsed().as_millis()
    );
    sim.shutdown().await;
}
