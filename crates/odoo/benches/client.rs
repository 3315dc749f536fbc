//! Round trips and client-side cost per call kind, against the in-process simulator.
//!
//! `cargo bench -p spine-odoo`. Prints, per protocol and call kind, the median and p99
//! wall time and the HTTP round trips per call; then a raw-reqwest baseline of the same
//! JSON-2 request (so the client's share is the difference), and the client's
//! serialization and parse cost alone on canned bodies.

use std::time::{Duration, Instant};

use odoo_sim::{SimConfig, SimHandle};
use secrecy::SecretString;
use serde_json::{Value, json};
use spine_odoo::wire::{Call, decode_json2, decode_jsonrpc, jsonrpc_envelope};
use spine_odoo::{CallKind, Domain, OdooClient, OdooConfig, Protocol, Record, SearchOpts};

const CALLS: usize = 300;
const PURE: usize = 20_000;

struct Row {
    name: String,
    median: Duration,
    p99: Duration,
    round_trips: f64,
}

fn summarize(name: String, mut times: Vec<Duration>, round_trips: u64) -> Row {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Row {
        name,
        median: at(0.5),
        p99: at(0.99),
        round_trips: round_trips as f64 / times.len() as f64,
    }
}

fn print(rows: &[Row], unit: &str) {
    println!(
        "{:<34} {:>12} {:>12} {:>12}",
        "case",
        format!("median {unit}"),
        format!("p99 {unit}"),
        "round trips"
    );
    for r in rows {
        let scale = |d: Duration| {
            if unit == "us" {
                d.as_secs_f64() * 1e6
            } else {
                d.as_nanos() as f64
            }
        };
        println!(
            "{:<34} {:>12.1} {:>12.1} {:>12.2}",
            r.name,
            scale(r.median),
            scale(r.p99),
            r.round_trips
        );
    }
    println!();
}

fn rec(value: Value) -> Record {
    value.as_object().cloned().unwrap_or_default()
}

async fn time_calls<F, Fut>(odoo: &OdooClient, name: String, mut f: F) -> Row
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let before = odoo.metrics();
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let t = Instant::now();
        f(i).await;
        times.push(t.elapsed());
    }
    summarize(name, times, odoo.metrics().since(&before).round_trips)
}

async fn per_protocol(sim: &SimHandle, protocol: Protocol, rows: &mut Vec<Row>) {
    let key = SecretString::from("sim-api-key".to_owned());
    let config = OdooConfig::new(&sim.url(), "spine", "admin", key)
        .expect("config")
        .with_protocol(protocol);
    let odoo = OdooClient::new(config).expect("client");
    let first = Instant::now();
    odoo.search_count("res.partner", &Domain::all())
        .await
        .expect("warm");
    println!(
        "{protocol}: first call (connect{}) {:.0} us",
        if protocol == Protocol::JsonRpc {
            " + authenticate"
        } else {
            ""
        },
        first.elapsed().as_secs_f64() * 1e6
    );
    let opts = SearchOpts {
        limit: Some(10),
        ..SearchOpts::default()
    };
    let fields = ["name", "email", "parent_id"];
    let o = &odoo;
    rows.push(
        time_calls(o, format!("{protocol} search_read (10)"), |_| async {
            o.search_read("res.partner", &Domain::all(), &fields, &opts)
                .await
                .expect("search_read");
        })
        .await,
    );
    rows.push(
        time_calls(o, format!("{protocol} create (1 partner)"), |i| async move {
            o.create("res.partner", &[rec(json!({"name": format!("bench {i}")}))])
                .await
                .expect("create");
        })
        .await,
    );
    rows.push(
        time_calls(o, format!("{protocol} load (new xid)"), |i| async move {
            let row = vec![vec![format!("spine.bench_{protocol}_{i}"), format!("bench {i}")]];
            o.load("res.partner", &["id", "name"], &row).await.expect("load");
        })
        .await,
    );
    rows.push(
        time_calls(o, format!("{protocol} load (same xid again)"), |i| async move {
            let row = vec![vec![format!("spine.bench_{protocol}_{i}"), format!("again {i}")]];
            o.load("res.partner", &["id", "name"], &row).await.expect("load");
        })
        .await,
    );
}

async fn raw_baseline(sim: &SimHandle) -> Row {
    let http = reqwest::Client::new();
    let url = format!("{}/json/2/res.partner/search_read", sim.url());
    let body = json!({"domain": [], "fields": ["name", "email", "parent_id"], "limit": 10}).to_string();
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let t = Instant::now();
        let resp = http
            .post(&url)
            .header("authorization", "bearer sim-api-key")
            .header("x-odoo-database", "spine")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("raw");
        let _ = resp.bytes().await.expect("raw body");
        times.push(t.elapsed());
    }
    summarize("raw reqwest search_read (json2)".into(), times, CALLS as u64)
}

fn pure_costs() -> Vec<Row> {
    let mut call = Call::new("res.partner", "search_read", CallKind::Read);
    call.args = vec![
        ("domain", Domain::all().eq("active", true).to_value()),
        ("fields", json!(["name", "email"])),
        ("limit", json!(10)),
    ];
    call.positional = 1;
    let records: Vec<Value> = (0..10).map(|i| json!({"id": i, "name": format!("Partner {i}"), "email": format!("p{i}@x.test"), "parent_id": false})).collect();
    let json2_answer = serde_json::to_vec(&records).expect("bytes");
    let rpc_answer =
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 5, "result": records})).expect("bytes");
    let key = SecretString::from("sim-api-key".to_owned());
    let bench = |name: &str, f: &mut dyn FnMut() -> usize| {
        let mut times = Vec::with_capacity(PURE);
        let mut sink = 0usize;
        for _ in 0..PURE {
            let t = Instant::now();
            sink = sink.wrapping_add(f());
            times.push(t.elapsed());
        }
        std::hint::black_box(sink);
        summarize(name.to_owned(), times, 0)
    };
    vec![
        bench("encode json2 search_read body", &mut || {
            call.json2_body().to_string().len()
        }),
        bench("encode jsonrpc execute_kw body", &mut || {
            jsonrpc_envelope(5, "object", "execute_kw", call.execute_kw_args("spine", 2, &key))
                .to_string()
                .len()
        }),
        bench("decode json2 answer (10 records)", &mut || {
            decode_json2("/json/2", 200, &json2_answer)
                .map(|v| v.as_array().map_or(0, Vec::len))
                .unwrap_or(0)
        }),
        bench("decode jsonrpc answer (10 records)", &mut || {
            decode_jsonrpc(200, &rpc_answer, 5)
                .map(|v| v.as_array().map_or(0, Vec::len))
                .unwrap_or(0)
        }),
    ]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sim = SimHandle::start(SimConfig::default()).await.expect("simulator");
        let mut rows = Vec::new();
        for protocol in [Protocol::Json2, Protocol::JsonRpc] {
            per_protocol(&sim, protocol, &mut rows).await;
        }
        rows.push(raw_baseline(&sim).await);
        println!("\nper call against the in-process simulator ({CALLS} calls each, kept-alive connection)");
        print(&rows, "us");
        println!("client serialization and parse alone ({PURE} runs each)");
        print(&pure_costs(), "ns");
        sim.shutdown().await;
    });
}
