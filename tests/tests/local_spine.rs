//! The README's first command, driven by a test: the local spine comes up from
//! template.yaml, a sample order webhook becomes a confirmed sale order in Odoo, and a
//! poison message ends in its DLQ with its reason.
//!
//! Uses the function binaries in `target/debug` (`infra/test` builds them first with
//! `cargo build --bins --workspace`). Odoo is the simulator, or the real Odoo named by
//! ODOO_URL / ODOO_DB / ODOO_LOGIN / ODOO_API_KEY (the demo SKUs are created there when
//! missing).

use serde_json::Value;
use spine_local::template::Template;
use spine_local::{Host, HostOptions};
use spine_odoo::{Domain, OdooClient, SearchOpts};
use std::collections::BTreeMap;
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

async fn start() -> (Host, OdooClient) {
    let template = root().join("template.yaml");
    let env = spine_testkit::unique_name("e2e").replace('-', "")[..11].to_owned();
    let defaults = Template::load(&template)
        .expect("template.yaml parses")
        .parameters;
    let webhook_secret = format!("{env}/webhooks");
    let sources = defaults["WebhookSources"].replace("odoo-spine/webhooks", &webhook_secret);
    let parameters = BTreeMap::from([
        ("EnvName".to_owned(), env.clone()),
        ("OdooSecretName".to_owned(), format!("{env}/odoo")),
        ("WebhookSecretName".to_owned(), webhook_secret),
        ("StockChannelsSecretName".to_owned(), format!("{env}/stock")),
        ("WebhookSources".to_owned(), sources),
    ]);
    let real = spine_odoo::OdooConfig::from_env().expect("ODOO_* variables are valid");
    let sim = odoo_sim::SimConfig::default();
    let options = HostOptions {
        template,
        bin_dir: bin_dir(),
        aws_endpoint: spine_testkit::endpoint().to_owned(),
        http_bind: "127.0.0.1:0".parse().expect("address"),
        schedule_every: None,
        parameters,
        odoo: real.clone(),
        sim: sim.clone(),
        processes: 1,
        extra_env: Default::default(),
    };
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
