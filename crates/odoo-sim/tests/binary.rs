//! The `odoo-sim` binary: announces its URL once ready, serves, stops cleanly on SIGTERM.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn binary_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_odoo-sim"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--database",
            "bin_db",
            "--tax-rate-bp",
            "1000",
            "--no-stock-delivery",
        ])
        .env("ODOO_SIM_API_KEY", "bin-key")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .expect("read")
        .expect("a line");
    let url = line
        .strip_prefix("odoo-sim listening on ")
        .expect("announcement")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let http = reqwest::Client::new();
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"service": "common", "method": "authenticate", "args": ["bin_db", "admin", "bin-key", {}]}});
    let answer: Value = http
        .post(format!("{url}/jsonrpc"))
        .json(&body)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["result"], json!(2));
    let fields: Value = http
        .post(format!("{url}/json/2/stock.picking/fields_get"))
        .header("Authorization", "bearer bin-key")
        .json(&json!({"attributes": ["type"]}))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert!(
        fields.get("carrier_tracking_ref").is_none(),
        "--no-stock-delivery applies"
    );

    let pid = child.id().expect("pid").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = child.wait().await.expect("exits");
    assert!(status.success(), "graceful exit, got {status}");
}
