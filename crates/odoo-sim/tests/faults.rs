//! Fault injection: commit-then-drop really commits and really closes the connection
//! without an answer; 503/429/hang; the rate limit with Retry-After; seeded repeatability;
//! API key rotation.

mod common;

use std::time::Duration;

use common::{Proto, Sim};
use odoo_sim::{Faults, SimConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn load_body(name: &str) -> serde_json::Value {
    json!({"fields": ["id", "name"], "data": [[format!("spine.{name}"), "Dropped Co"]]})
}

#[tokio::test]
async fn drop_after_commit_commits_then_closes_without_answer() {
    let sim = Sim::default().await;
    sim.handle.set_faults(Faults {
        rate_drop_after_commit: 1.0,
        ..Faults::default()
    });
    // Reads are not writes: they are answered.
    assert_eq!(
        sim.ok(
            Proto::Json2,
            "res.partner",
            "search_count",
            None,
            json!({"domain": [["name", "=", "Dropped Co"]]})
        )
        .await,
        json!(0)
    );

    // At the socket: the request is accepted, then EOF with zero bytes.
    let body = load_body("drop_raw").to_string();
    let addr = sim.handle.url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let request = format!(
        "POST /json/2/res.partner/load HTTP/1.1\r\nHost: {addr}\r\nAuthorization: bearer sim-api-key\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer).await;
    assert!(
        read.is_err() || answer.is_empty(),
        "no response bytes, got {:?}",
        String::from_utf8_lossy(&answer)
    );

    // Through an HTTP client over JSON-RPC: an error, not an answer.
    let args = json!([
        "spine",
        2,
        "sim-api-key",
        "res.partner",
        "load",
        [["id", "name"], [["spine.drop_rpc", "Dropped Co"]]]
    ]);
    let envelope = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw", "args": args}});
    let sent = sim
        .http
        .post(format!("{}/jsonrpc", sim.handle.url()))
        .json(&envelope)
        .send()
        .await;
    assert!(sent.is_err(), "the client sees a broken connection");

    let stats = sim.handle.stats();
    assert_eq!((stats.dropped_after_commit, stats.writes_committed), (2, 2));

    // Both writes were committed; a retry of the same load finds the same record.
    sim.handle.set_faults(Faults::default());
    let count = sim
        .ok(
            Proto::Json2,
            "res.partner",
            "search_count",
            None,
            json!({"domain": [["name", "=", "Dropped Co"]]}),
        )
        .await;
    assert_eq!(count, json!(2));
    let imd = sim
        .ok(
            Proto::Json2,
            "ir.model.data",
            "search_read",
            None,
            json!({"domain": [["name", "=", "drop_raw"]], "fields": ["res_id"]}),
        )
        .await;
    let retried = sim
        .ok(Proto::Json2, "res.partner", "load", None, load_body("drop_raw"))
        .await;
    assert_eq!(retried["ids"][0], imd[0]["res_id"]);
    let count = sim
        .ok(
            Proto::Json2,
            "res.partner",
            "search_count",
            None,
            json!({"domain": [["name", "=", "Dropped Co"]]}),
        )
        .await;
    assert_eq!(count, json!(2), "the retry created nothing");
}

#[tokio::test]
async fn failed_write_is_answered_even_with_drop_faults() {
    let sim = Sim::default().await;
    sim.handle.set_faults(Faults {
        rate_drop_after_commit: 1.0,
        ..Faults::default()
    });
    let f = sim
        .fail(
            Proto::Json2,
            "res.partner",
            "write",
            Some(vec![9999]),
            json!({"vals": {"name": "x"}}),
        )
        .await;
    assert_eq!(f.status, 404);
    assert_eq!(sim.handle.stats().dropped_after_commit, 0);
}

#[tokio::test]
async fn injected_503_and_429() {
    let sim = Sim::default().await;
    sim.handle.set_faults(Faults {
        rate_503: 1.0,
        ..Faults::default()
    });
    let (status, _) = sim
        .json2_raw(
            "res.partner",
            "search",
            json!({"domain": []}),
            Some("sim-api-key"),
        )
        .await;
    assert_eq!(status, 503);
    sim.handle.set_faults(Faults {
        rate_429: 1.0,
        ..Faults::default()
    });
    let resp = sim
        .http
        .post(format!("{}/jsonrpc", sim.handle.url()))
        .json(&json!({}))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    let stats = sim.handle.stats();
    assert_eq!(
        (stats.requests, stats.injected_503, stats.injected_429),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = Sim::start(SimConfig {
        faults: Faults {
            max_calls_per_sec: Some(2),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = sim
            .http
            .post(format!("{}/json/2/res.partner/search_count", sim.handle.url()))
            .header("Authorization", "bearer sim-api-key")
            .json(&json!({"domain": []}))
            .send()
            .await
            .expect("answer");
        if resp.status().as_u16() == 429 {
            assert_eq!(resp.headers()["retry-after"], "1");
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(&statuses[..2], &[200, 200], "the bucket starts full");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        sim.handle.stats().injected_429,
        statuses.iter().filter(|s| **s == 429).count() as u64
    );
}

#[tokio::test]
async fn hang_makes_a_client_time_out() {
    let sim = Sim::default().await;
    sim.handle.set_faults(Faults {
        rate_timeout: 1.0,
        hang_for: Duration::from_secs(30),
        ..Faults::default()
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = client
        .post(format!("{}/jsonrpc", sim.handle.url()))
        .json(&json!({}))
        .send()
        .await
        .expect_err("no answer in time");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(sim.handle.stats().injected_timeouts, 1);
}

#[tokio::test]
async fn same_seed_same_faults() {
    let faults = Faults {
        rate_503: 0.5,
        seed: 42,
        ..Faults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = Sim::start(SimConfig {
            faults: faults.clone(),
            ..SimConfig::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(
                sim.json2_raw(
                    "res.partner",
                    "search",
                    json!({"domain": []}),
                    Some("sim-api-key"),
                )
                .await
                .0,
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200), "{:?}", runs[0]);
}

#[tokio::test]
async fn rotated_key_rejects_the_old_one() {
    let mut sim = Sim::default().await;
    sim.handle.rotate_api_key("new-key");
    assert_eq!(sim.handle.config().api_key, "new-key");
    let (status, body) = sim
        .json2_raw(
            "res.partner",
            "search",
            json!({"domain": []}),
            Some("sim-api-key"),
        )
        .await;
    assert_eq!(status, 401);
    assert!(body.contains("Invalid apikey"));
    let f = sim
        .fail(
            Proto::JsonRpc,
            "res.partner",
            "search",
            None,
            json!({"domain": []}),
        )
        .await;
    assert_eq!(f.name(), "odoo.exceptions.AccessDenied");
    let auth = sim
        .jsonrpc(
            "common",
            "authenticate",
            json!(["spine", "admin", "sim-api-key", {}]),
        )
        .await;
    assert_eq!(auth["result"], json!(false));
    sim.key = "new-key".to_owned();
    sim.ok(Proto::Json2, "res.partner", "search", None, json!({"domain": []}))
        .await;
    sim.ok(
        Proto::JsonRpc,
        "res.partner",
        "search",
        None,
        json!({"domain": []}),
    )
    .await;
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = Sim::default().await;
    let url = sim.handle.url();
    sim.handle.shutdown().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    assert!(
        client
            .post(format!("{url}/jsonrpc"))
            .json(&json!({}))
            .send()
            .await
            .is_err()
    );
}
