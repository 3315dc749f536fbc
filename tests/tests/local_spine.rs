//! The README's first command, driven by a test: the local spine comes up from
//! template.yaml, a sample order webhook becomes a confirmed sale order in Odoo, and a
//! poison message ends in its DLQ with its reason.
//!
//! Uses the function binaries in `target/debug` (`infra/test` builds them first with
//! `cargo build --bins --workspace`). Odoo is the simulator, or the real Odoo named by
//! ODOO_URL / ODOO_DB / ODOO_LOGIN / ODOO_API_KEY (the demo SKUs are created there when
//! missing).

use serde_json::Value;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_core::ledger::{Ledger, LedgerEntry, LedgerStatus};
use spine_core::{Envelope, EventKey};
use spine_local::template::Template;
use spine_local::{Host, HostOptions};
use spine_odoo::{Domain, OdooClient, SearchOpts};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bin_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug")
}

/// Parameters giving this test's stack its own names (tests run in parallel on one
/// emulator), plus `extra`.
fn parameters(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let template = root().join("template.yaml");
    let env = spine_testkit::unique_name("e2e").replace('-', "")[..11].to_owned();
    let defaults = Template::load(&template)
        .expect("template.yaml parses")
        .parameters;
    let webhook_secret = format!("{env}/webhooks");
    let sources = defaults["WebhookSources"].replace("odoo-spine/webhooks", &webhook_secret);
    let mut parameters = BTreeMap::from([
        ("EnvName".to_owned(), env.clone()),
        ("OdooSecretName".to_owned(), format!("{env}/odoo")),
        ("WebhookSecretName".to_owned(), webhook_secret),
        ("StockChannelsSecretName".to_owned(), format!("{env}/stock")),
        ("WebhookSources".to_owned(), sources),
    ]);
    for (name, value) in extra {
        parameters.insert((*name).to_owned(), (*value).to_owned());
    }
    parameters
}

fn options(parameters: BTreeMap<String, String>) -> HostOptions {
    HostOptions {
        template: root().join("template.yaml"),
        bin_dir: bin_dir(),
        aws_endpoint: spine_testkit::endpoint().to_owned(),
        http_bind: "127.0.0.1:0".parse().expect("address"),
        schedule_every: None,
        parameters,
        odoo: spine_odoo::OdooConfig::from_env().expect("ODOO_* variables are valid"),
        sim: odoo_sim::SimConfig::default(),
        processes: 1,
        extra_env: Default::default(),
    }
}

async fn start() -> (Host, OdooClient) {
    start_with(&[]).await
}

async fn start_with(extra: &[(&str, &str)]) -> (Host, OdooClient) {
    let options = options(parameters(extra));
    let (real, sim) = (options.odoo.clone(), options.sim.clone());
    let host = Host::start(options).await.unwrap_or_else(|e| {
        panic!("the local spine starts (build the binaries first: cargo build --bins --workspace): {e:#}")
    });
    let config = match real {
        Some(config) => config,
        None => spine_odoo::OdooConfig::new(
            &host.sim.as_ref().expect("simulator").url(),
            &sim.database,
            &sim.login,
            secrecy::SecretString::from(sim.api_key.clone()),
        )
        .expect("simulator config"),
    };
    let odoo = OdooClient::new(config).expect("client");
    spine_local::host::seed_catalog(&odoo, host.sim.is_some())
        .await
        .expect("demo catalog");
    (host, odoo)
}

async fn send(host: &Host, sample: &str) -> (u16, Value) {
    let text = std::fs::read_to_string(root().join("events/webhook").join(sample)).expect("sample");
    let event: Value = serde_json::from_str(&text).expect("sample is JSON");
    let mut request = reqwest::Client::new().post(format!(
        "{}{}",
        host.http_url,
        event["rawPath"].as_str().unwrap_or("")
    ));
    for (name, value) in event["headers"].as_object().into_iter().flatten() {
        if !matches!(name.as_str(), "host" | "content-length") {
            request = request.header(name, value.as_str().unwrap_or(""));
        }
    }
    let response = request
        .body(event["body"].as_str().unwrap_or("").to_owned())
        .send()
        .await
        .expect("HTTP API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn wait_for<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut probe: impl FnMut() -> F,
) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn sale_order_state(odoo: &OdooClient, xid_name: &str) -> Option<String> {
    let domain = Domain::all()
        .eq("module", "spine")
        .eq("name", xid_name)
        .eq("model", "sale.order");
    let rows = odoo
        .search_read("ir.model.data", &domain, &["res_id"], &SearchOpts::default())
        .await
        .ok()?;
    let id = rows.first()?.get("res_id")?.as_i64()?;
    let orders = odoo
        .read("sale.order", &[id], &["state", "client_order_ref"])
        .await
        .ok()?;
    orders.first()?.get("state")?.as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sample_order_becomes_a_confirmed_sale_order_and_a_poison_message_is_parked() {
    let (host, odoo) = start().await;

    let (status, body) = send(&host, "shopify-orders-create.json").await;
    assert_eq!(status, 202, "{body}");
    let state = wait_for("the sale order", || {
        sale_order_state(&odoo, "shopify_order_820982911946154508")
    })
    .await;
    let state = if state == "sale" {
        state
    } else {
        wait_for("the confirmation", || async {
            sale_order_state(&odoo, "shopify_order_820982911946154508")
                .await
                .filter(|s| s == "sale")
        })
        .await
    };
    assert_eq!(state, "sale");
    let (status, body) = send(&host, "shopify-duplicate.json").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));

    let sqs = spine_testkit::sqs().await;
    let queue = &host.stack.queue_urls["OrderQueue"];
    let dlq = &host.stack.queue_urls["OrderDlq"];
    sqs.send_message()
        .queue_url(queue)
        .message_body("this is not an envelope")
        .send()
        .await
        .expect("sent");
    let parked = wait_for("the poison message in the DLQ", || async {
        let received = sqs
            .receive_message()
            .queue_url(dlq)
            .message_attribute_names("All")
            .wait_time_seconds(1)
            .send()
            .await
            .ok()?;
        received.messages?.into_iter().next()
    })
    .await;
    assert_eq!(parked.body(), Some("this is not an envelope"));
    let class = parked
        .message_attributes()
        .and_then(|a| a.get("error_class"))
        .and_then(|v| v.string_value());
    assert_eq!(class, Some("parse"), "{parked:?}");
    host.shutdown().await;
}

/// A local spine with its Lambda Invoke API on a free port.
struct Invoker {
    host: Host,
    url: String,
}

impl Invoker {
    async fn start(extra: &[(&str, &str)]) -> (Self, OdooClient) {
        let (mut host, odoo) = start_with(extra).await;
        let address = host
            .serve_invoke("127.0.0.1:0".parse().expect("address"))
            .await
            .expect("the Invoke API listens");
        let url = format!("http://{address}");
        (Self { host, url }, odoo)
    }

    /// Exactly what `cargo lambda invoke NAME --data-file FILE` sends: the file as the
    /// body of a POST, no other header. Answers the status, the function-error header
    /// and the body as JSON.
    async fn invoke(&self, function: &str, sample: &str) -> (u16, Option<String>, Value) {
        let data = std::fs::read_to_string(root().join("events").join(sample)).expect("sample");
        let response = reqwest::Client::new()
            .post(format!(
                "{}/2015-03-31/functions/{function}/invocations",
                self.url
            ))
            .body(data)
            .send()
            .await
            .expect("the Invoke API answers");
        let status = response.status().as_u16();
        let error = response
            .headers()
            .get("x-amz-function-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{sample}: JSON, got {text}"));
        (status, error, body)
    }

    /// Invokes and expects the function's answer (200, no function error).
    async fn answer(&self, function: &str, sample: &str) -> Value {
        let (status, error, body) = self.invoke(function, sample).await;
        assert_eq!((status, error), (200, None), "{sample}: {body}");
        body
    }
}

/// What each webhook sample gets from the real function with the template's sources,
/// once events/sqs/order.json (the envelope of shopify-orders-create.json) is recorded.
/// The Stripe and carrier samples are signed for 2026-11-20T10:00:00Z and the function
/// reads the real clock, so they are stale here (their fresh outcomes are tested with a
/// fixed clock in functions/webhook/tests).
fn webhook_expected(name: &str) -> (u16, &'static str) {
    match name {
        n if n.starts_with("stripe-") || n.starts_with("carrier-") => (401, "timestamp_stale"),
        "shopify-ignored-topic.json" => (200, "ignored"),
        "shopify-orders-create.json" | "shopify-duplicate.json" => (200, "duplicate"),
        n if n.contains("bad-") => (401, "signature_mismatch"),
        "shopify-malformed-json.json" => (400, "malformed_json"),
        "shopify-missing-sku.json" => (422, "unprocessable_payload"),
        "shopify-oversize.json" => (413, "payload_too_large"),
        "shopify-wrong-content-type.json" => (415, "unsupported_media_type"),
        "unknown-source.json" => (404, "unknown_source"),
        _ => (202, "accepted"),
    }
}

/// Every `*.json` under events/, as `dir/file.json`.
fn all_samples() -> BTreeSet<String> {
    let mut samples = BTreeSet::new();
    for dir in std::fs::read_dir(root().join("events")).expect("events/") {
        let dir = dir.expect("entry").path();
        for file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                let trigger = dir.file_name().expect("dir name").to_string_lossy().into_owned();
                samples.insert(format!("{trigger}/{name}"));
            }
        }
    }
    samples
}

async fn ledger(host: &Host) -> DynamoLedger {
    let table = host.stack.physical.refs["LedgerTable"].clone();
    DynamoLedger::new(spine_testkit::dynamodb().await, LedgerTableConfig { table })
}

/// The envelopes of an SQS sample, each recorded RECEIVED with exactly the entry the
/// webhook writes when it accepts an event (the sync functions mark that entry).
async fn receive(ledger: &DynamoLedger, sample: &str) -> Vec<Envelope> {
    let text = std::fs::read_to_string(root().join("events").join(sample)).expect("sample");
    let event: Value = serde_json::from_str(&text).expect("an SQS event");
    let mut envelopes = Vec::new();
    for record in event["Records"].as_array().into_iter().flatten() {
        let envelope = Envelope::from_json(record["body"].as_str().unwrap_or_default()).expect("an envelope");
        ledger
            .put_received(&LedgerEntry::received(&envelope, "webhook").expect("entry"))
            .await
            .expect("ledger put");
        envelopes.push(envelope);
    }
    envelopes
}

/// Operator requests, while every DLQ is empty: nothing matches, a discard has nothing.
async fn redrive_samples(spine: &Invoker) -> Vec<String> {
    let mut exercised = Vec::new();
    for sample in ["list.json", "dry-run.json", "filtered.json", "by-event-keys.json"] {
        let answer = spine.answer("redrive", &format!("redrive/{sample}")).await;
        let matched = answer.get("matched").or_else(|| answer.get("count"));
        assert_eq!(matched, Some(&Value::from(0)), "{sample}: {answer}");
        exercised.push(format!("redrive/{sample}"));
    }
    let (status, error, body) = spine.invoke("RedriveFunction", "redrive/discard.json").await;
    assert_eq!((status, error.as_deref()), (500, Some("Unhandled")), "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("no parked message"), "{body}");
    exercised.push("redrive/discard.json".to_owned());
    exercised
}

/// The flows' batches in the order a business goes (order, payment, shipment, refund),
/// each event first recorded as the webhook records it: all applied, none failed. The
/// payment needs a bank journal: the simulator's, which the host found by itself.
async fn sqs_samples(spine: &Invoker, ledger: &DynamoLedger) -> Vec<String> {
    let mut exercised = Vec::new();
    for (sample, function) in [
        ("sqs/order.json", "order-sync"),
        ("sqs/payment.json", "payment-sync"),
        ("sqs/shipment.json", "ShipmentSyncFunction"),
        ("sqs/refund.json", "refund-sync"),
    ] {
        let envelopes = receive(ledger, sample).await;
        let answer = spine.answer(function, sample).await;
        assert_eq!(answer, serde_json::json!({"batchItemFailures": []}), "{sample}");
        for envelope in &envelopes {
            let entry = ledger
                .get(&envelope.event_key)
                .await
                .expect("ledger")
                .expect("entry");
            let applied = matches!(entry.status, LedgerStatus::Applied { .. });
            assert!(applied, "{sample}: {:?}", entry.status);
        }
        exercised.push(sample.to_owned());
    }
    exercised
}

/// Every webhook sample gets its expected answer; each event it accepts goes through its
/// queue to its flow's function and ends applied in Odoo.
async fn webhook_samples(spine: &Invoker, ledger: &DynamoLedger) -> Vec<String> {
    let mut exercised = Vec::new();
    let mut accepted = Vec::new();
    for sample in all_samples().into_iter().filter(|s| s.starts_with("webhook/")) {
        let answer = spine.answer("webhook", &sample).await;
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or("")).expect("JSON body");
        let (status, word) = webhook_expected(sample.trim_start_matches("webhook/"));
        assert_eq!(answer["statusCode"], status, "{sample}: {body}");
        let field = if status >= 400 { "error" } else { "status" };
        assert_eq!(body[field], word, "{sample}: {body}");
        if status == 202 {
            let key = body["event_key"].as_str().expect("an accepted event's key");
            accepted.push((sample.clone(), EventKey::parse(key).expect("an event key")));
        }
        exercised.push(sample);
    }
    for (sample, key) in &accepted {
        let status = wait_for(&format!("{sample} applied or parked"), || async {
            let status = ledger.get(key).await.ok()??.status;
            let done = matches!(status, LedgerStatus::Applied { .. } | LedgerStatus::Parked { .. });
            done.then_some(status)
        })
        .await;
        // The update arrives for an order the template's ConfirmOrders already
        // confirmed: Odoo only updates quotations, so it is parked with that reason.
        let updates_a_confirmed_order = sample.ends_with("shopify-orders-updated.json");
        match status {
            LedgerStatus::Applied { .. } => assert!(!updates_a_confirmed_order, "{sample}"),
            LedgerStatus::Parked { reason_class, .. } => {
                assert!(updates_a_confirmed_order, "{sample}: parked {reason_class}");
                assert_eq!(reason_class, "business", "{sample}");
            }
            other => panic!("{sample}: {other:?}"),
        }
    }
    exercised
}

/// The poison batch: neither message is an envelope, and both are reported failed.
async fn poison_sample(spine: &Invoker) -> Vec<String> {
    let answer = spine.answer("order-sync", "sqs/poison.json").await;
    let mut failed: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str())
        .collect();
    failed.sort_unstable();
    let ids = [
        "0a1b2c3d-0000-4000-8000-706f69730001",
        "0a1b2c3d-0000-4000-8000-706f69730002",
    ];
    assert_eq!(failed, ids);
    vec!["sqs/poison.json".to_owned()]
}

/// The schedules and on-demand reconciliation, including a window the function refuses.
async fn schedule_and_reconcile_samples(spine: &Invoker) -> Vec<String> {
    let pushed = spine.answer("stock-push", "schedule/stock-push.json").await;
    assert_eq!(
        pushed["channels"],
        serde_json::json!([]),
        "the template's default has none: {pushed}"
    );
    let window = |report: &Value| (report["from"].to_string(), report["to"].to_string());
    let yesterday = Value::from((chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string());
    let report = spine.answer("reconcile", "schedule/reconcile.json").await;
    assert_eq!(
        window(&report),
        (yesterday.to_string(), yesterday.to_string()),
        "{report}"
    );
    let report = spine.answer("reconcile", "reconcile/on-demand.json").await;
    let asked = (r#""2026-11-20""#.to_owned(), r#""2026-11-22""#.to_owned());
    assert_eq!(window(&report), asked, "{report}");
    assert!(report["heal_plan"].is_null(), "{report}");
    let report = spine.answer("reconcile", "reconcile/heal.json").await;
    assert!(report["healed"].is_object(), "{report}");
    let (status, error, body) = spine.invoke("reconcile", "reconcile/bad-window.json").await;
    assert_eq!((status, error.as_deref()), (500, Some("Unhandled")), "{body}");
    // The variant as the type and the whole cause chain as the message, not a Rust type name.
    assert_eq!(body["errorType"], "Config", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("before it starts"), "{body}");
    ["stock-push", "reconcile"]
        .map(|name| format!("schedule/{name}.json"))
        .into_iter()
        .chain(["on-demand", "heal", "bad-window"].map(|name| format!("reconcile/{name}.json")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_sample_in_events_runs_through_the_invoke_api_as_cargo_lambda_sends_it() {
    // A payment waiting on its order is tried again after a second, not 30.
    let quick_retry = [
        ("DependencyRetrySeconds", "1"),
        ("DependencyRetryMaxSeconds", "2"),
    ];
    let (spine, odoo) = Invoker::start(&quick_retry).await;
    let ledger = ledger(&spine.host).await;

    let mut exercised = BTreeSet::new();
    // Redrive while the DLQs are empty; the SQS batches before the webhooks, whose
    // order create is then a duplicate of events/sqs/order.json.
    exercised.extend(redrive_samples(&spine).await);
    exercised.extend(sqs_samples(&spine, &ledger).await);
    exercised.extend(webhook_samples(&spine, &ledger).await);
    exercised.extend(poison_sample(&spine).await);
    exercised.extend(schedule_and_reconcile_samples(&spine).await);

    assert_eq!(
        exercised,
        all_samples(),
        "every sample in events/ has an expectation here"
    );
    let journal = spine_local::odoo::bank_journal(&odoo)
        .await
        .expect("Odoo answers");
    assert_eq!(
        spine.host.stack.parameters.get("DefaultBankJournal").cloned(),
        journal.map(|id| id.to_string()),
        "the payments above were applied with the simulator's own bank journal"
    );
    let (status, _, body) = spine.invoke("no-such-function", "sqs/order.json").await;
    let answer = (status, body["errorType"].as_str());
    assert_eq!(answer, (404, Some("ResourceNotFoundException")));
    spine.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_refuses_to_start_stops_the_start_with_its_name_and_error() {
    let options = options(parameters(&[("WebhookSources", "not json")]));

    let error = match Host::start(options).await {
        Ok(host) => {
            host.shutdown().await;
            panic!("the local spine must not start with a webhook function that cannot");
        }
        Err(e) => format!("{e:#}"),
    };

    assert!(
        error.contains("function WebhookFunction#0 exited 3 times"),
        "{error}"
    );
    assert!(error.contains("environment variable WEBHOOK_SOURCES"), "{error}");
    assert!(!error.contains("Stack backtrace"), "{error}");
}
