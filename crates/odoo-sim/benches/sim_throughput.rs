//! Round-trip cost of typical calls against the simulator over one kept-alive
//! connection (plain `Instant` timing; `cargo bench -p odoo-sim`).

use std::time::{Duration, Instant};

use odoo_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

const N: usize = 300;

struct Bench {
    http: reqwest::Client,
    url: String,
}

impl Bench {
    async fn json2(&self, model: &str, method: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}/json/2/{model}/{method}", self.url))
            .header("Authorization", "bearer sim-api-key")
            .json(&body)
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.expect("json")
    }

    async fn jsonrpc(&self, model: &str, method: &str, args: Value, kwargs: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
            "args": ["spine", 2, "sim-api-key", model, method, args, kwargs]}});
        let resp = self
            .http
            .post(format!("{}/jsonrpc", self.url))
            .json(&body)
            .send()
            .await
            .expect("answer");
        let v: Value = resp.json().await.expect("json");
        assert!(v.get("error").is_none(), "{v}");
        v["result"].clone()
    }
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let total: Duration = samples.iter().sum();
    println!(
        "{name:<34} {:>9.1} {:>9.1} {:>9.1} {:>10.0}",
        us(samples[samples.len() / 2]),
        us(samples[samples.len() * 95 / 100]),
        us(samples[samples.len() - 1]),
        samples.len() as f64 / total.as_secs_f64()
    );
}

async fn time<F, Fut>(mut f: F) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut out = Vec::with_capacity(N);
    for i in 0..N {
        let start = Instant::now();
        f(i).await;
        out.push(start.elapsed());
    }
    out
}

#[tokio::main]
async fn main() {
    let sim = SimHandle::start(SimConfig::default()).await.expect("sim");
    let b = Bench {
        http: reqwest::Client::new(),
        url: sim.url(),
    };
    for i in 0..50 {
        b.json2(
            "res.partner",
            "create",
            json!({"vals_list": [{"name": format!("Partner {i}")}]}),
        )
        .await;
    }
    let product = b
        .json2(
            "product.product",
            "create",
            json!({"vals_list": [{"name": "W", "default_code": "W"}]}),
        )
        .await[0]
        .clone();
    println!("{N} calls each, one kept-alive connection, microseconds per call");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>10}",
        "call", "median", "p95", "max", "calls/s"
    );
    let dom = json!([["name", "ilike", "partner 1"]]);
    report(
        "json2 search_read res.partner",
        time(|_| async {
            b.json2(
                "res.partner",
                "search_read",
                json!({"domain": dom, "fields": ["name"], "limit": 20}),
            )
            .await;
        })
        .await,
    );
    report(
        "jsonrpc search_read res.partner",
        time(|_| async {
            b.jsonrpc(
                "res.partner",
                "search_read",
                json!([dom]),
                json!({"fields": ["name"], "limit": 20}),
            )
            .await;
        })
        .await,
    );
    let partner = json!(3);
    report("json2 create sale.order (1 line)", time(|_| async {
        b.json2("sale.order", "create", json!({"vals_list": [{"partner_id": partner, "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 2.0}]]}]})).await;
    }).await);
    report("jsonrpc create sale.order (1 line)", time(|_| async {
        b.jsonrpc("sale.order", "create", json!([{"partner_id": partner, "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 2.0}]]}]), json!({})).await;
    }).await);
    report(
        "json2 load res.partner (new xid)",
        time(|i| {
            let body = json!({"fields": ["id", "name"], "data": [[format!("spine.bench_{i}"), "Bench"]]});
            let b = &b;
            async move {
                b.json2("res.partner", "load", body).await;
            }
        })
        .await,
    );
    report(
        "json2 load res.partner (same xid)",
        time(|_| async {
            b.json2(
                "res.partner",
                "load",
                json!({"fields": ["id", "name"], "data": [["spine.bench_0", "Bench"]]}),
            )
            .await;
        })
        .await,
    );
    let stats = sim.stats();
    println!(
        "server counted {} requests, {} writes committed",
        stats.requests, stats.writes_committed
    );
    sim.shutdown().await;
}
