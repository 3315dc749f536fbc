//! The handler with the sample schedule event from events/, the Odoo under test (the
//! simulator, or a real Odoo when `ODOO_*` is set) reached through its secret, channels
//! from a secret, state in the AWS emulator, and a local generic HTTP target. The function
//! reads its Odoo secret on its first invocation, and again on the next one when that
//! failed. Against a real Odoo a run pushes the database's other products too: the
//! assertions keep to the test's own SKU, and totals are checked on the simulator only.

use std::sync::{Arc, Mutex};

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde_json::{Value, json};
use spine_aws::secrets::{ConnectError, SecretsError};
use spine_aws::secrets::{OdooConnection, OdooSecret, SecretsCache, SecretsConfig};
use spine_odoo::{OdooClient, OdooConfig, Protocol};
use spine_stock::{
    HttpClient, HttpPolicy, SecretsManager, StockPush, StockState, TokioPause, create_table, parse_channels,
};
use spine_testkit::odoo::{Target, product, set_on_hand, unique};
use stock_push::{App, ChannelsFrom, Function, HandlerError, OdooFrom, Settings};

const EVENT: &str = include_str!("../../../events/schedule/stock-push.json");

type Bodies = Arc<Mutex<Vec<Value>>>;

/// A generic HTTP target checking the signature with `key`: its URL and what it received.
async fn target_url(key: &'static str) -> (String, Bodies) {
    let bodies: Bodies = Arc::default();
    let seen = bodies.clone();
    let app = axum::Router::new().route(
        "/push",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| async move {
            let signature = headers
                .get("x-spine-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if signature != spine_stock::channels::sign(key.as_bytes(), body.as_bytes()) {
                return axum::http::StatusCode::UNAUTHORIZED;
            }
            seen.lock()
                .expect("bodies")
                .push(serde_json::from_str(&body).expect("json"));
            axum::http::StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/push", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

async fn put_secret(client: &aws_sdk_secretsmanager::Client, name: &str, value: Value) {
    client
        .create_secret()
        .name(name)
        .secret_string(value.to_string())
        .send()
        .await
        .expect("secret");
}

async fn app(live: OdooConfig, channels: Value) -> App {
    let sm = spine_testkit::secretsmanager().await;
    let prefix = spine_testkit::unique_name("stock-fn");
    let odoo_secret = format!("{prefix}/odoo");
    put_secret(&sm, &odoo_secret, OdooSecret::value_of(&live)).await;
    put_secret(&sm, &format!("{prefix}/hmac"), json!({"hmac_key": "k3y"})).await;
    let mut channels = channels;
    if let Some(list) = channels["channels"].as_array_mut() {
        for c in list {
            c["credentials_secret"] = json!(format!("{prefix}/hmac"));
        }
    }
    put_secret(&sm, &format!("{prefix}/channels"), channels).await;

    // The Odoo client starts with a wrong key: the handler must take the secret's.
    let mut stale = live;
    stale.api_key = "stale".to_owned().into();
    let dynamo = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("stock");
    create_table(&dynamo, &table).await.expect("table");
    let http = HttpClient::new(HttpPolicy::default(), Arc::new(TokioPause)).expect("http");
    let secrets = Arc::new(SecretsManager::new(sm.clone()));
    let odoo = OdooClient::new(stale).expect("client");
    let push = StockPush::new(
        odoo.clone(),
        StockState::new(dynamo, table),
        secrets.clone(),
        http,
        1_000,
    );
    let cache = SecretsCache::new(sm, SecretsConfig::default());
    App::new(
        push,
        ChannelsFrom::Secret(format!("{prefix}/channels")),
        secrets,
        OdooConnection::rotating(odoo, cache, odoo_secret),
    )
}

/// The Odoo under test once per protocol it is tested on: a fresh simulator each time
/// (so totals are the scenario's alone), or the real Odoo from `ODOO_*`.
async fn targets() -> Vec<(Target, Protocol)> {
    let first = spine_testkit::odoo::target().await;
    let protocols = first.protocols();
    let mut next = Some(first);
    let mut targets = Vec::new();
    for protocol in protocols {
        let target = match next.take() {
            Some(target) => target,
            None => spine_testkit::odoo::target().await,
        };
        targets.push((target, protocol));
    }
    targets
}

/// A storable product with a SKU of this run and `quantity` on hand; answers the SKU.
async fn storable(odoo: &OdooClient, label: &str, quantity: f64) -> String {
    let sku = unique(label);
    set_on_hand(odoo, product(odoo, &sku).await, quantity).await;
    sku
}

/// The levels of `sku` in the bodies the target received.
fn levels_of(bodies: &Bodies, sku: &str) -> Vec<Value> {
    let bodies = bodies.lock().expect("bodies");
    bodies
        .iter()
        .flat_map(|b| b["levels"].as_array().cloned().unwrap_or_default())
        .filter(|l| l["sku"] == sku)
        .collect()
}

fn event() -> EventBridgeEvent {
    serde_json::from_str(EVENT).expect("the sample schedule event parses")
}

#[tokio::test]
async fn the_schedule_event_pushes_changed_levels_once() {
    for (target, protocol) in targets().await {
        let (url, bodies) = target_url("k3y").await;
        let sku = storable(&target.client(protocol), "SKU", 12.0).await;
        let app = app(
            target.config(protocol),
            json!({"channels": [{"name": "erp", "kind": "http", "base_url": url, "buffer": 2}]}),
        )
        .await;

        let first = app.handle(event()).await.expect("run");
        assert_eq!(first.failed(), 0);
        let second = app.handle(event()).await.expect("run");
        assert_eq!(second.failed(), 0);
        assert_eq!(levels_of(&bodies, &sku), [json!({"sku": sku, "quantity": 10})]);
        if !target.is_real() {
            // Totals: a real database holds other products, which are pushed too.
            assert_eq!(first.pushed(), 1);
            assert_eq!((second.pushed(), second.channels[0].unchanged), (0, 1));
            assert_eq!(bodies.lock().expect("bodies").len(), 1);
        }
    }
}

#[tokio::test]
async fn a_bad_channel_configuration_fails_the_invocation_clearly() {
    // The configuration fails before Odoo is called: one protocol is enough.
    let target = spine_testkit::odoo::target().await;
    let app = app(
        target.config(target.protocols()[0]),
        json!({"channels": [{"name": "erp", "kind": "carrier-pigeon", "base_url": "http://x"}]}),
    )
    .await;
    let err = app.handle(event()).await.expect_err("bad config");
    assert!(matches!(err, HandlerError::Config(_)), "{err:?}");
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert!(chain.contains("carrier-pigeon"), "{chain}");
}

#[tokio::test]
async fn the_odoo_secret_is_read_on_the_first_invocation_and_again_after_a_failure() {
    for (target, protocol) in targets().await {
        let (url, bodies) = target_url("k3y").await;
        let table = spine_testkit::unique_name("stock");
        create_table(&spine_testkit::dynamodb().await, &table)
            .await
            .expect("table");
        let sm = spine_testkit::secretsmanager().await;
        let secret_id = spine_testkit::unique_name("stock-fn-odoo");
        let hmac = format!("{secret_id}/hmac");
        put_secret(&sm, &hmac, json!({"hmac_key": "k3y"})).await;
        let channels = json!({"channels": [{"name": "erp", "kind": "http", "base_url": url, "credentials_secret": hmac}]});
        let settings = Settings {
            table,
            channels: ChannelsFrom::Inline(parse_channels(&channels.to_string()).expect("channels")),
            odoo: OdooFrom::Secret(secret_id.clone()),
            page_size: 1_000,
        };
        // Nothing is read over the network until an invocation.
        let function = Function::new("stock-push", settings, spine_testkit::sdk_config().await);

        let err = stock_push::invoke(&function, event())
            .await
            .expect_err("no secret yet");
        assert!(
            matches!(&err, HandlerError::Connect(ConnectError::Secret(SecretsError::NotFound { secret_id: id })) if *id == secret_id),
            "{err:?}"
        );

        let sku = storable(&target.client(protocol), "SKU-LAZY", 5.0).await;
        put_secret(&sm, &secret_id, OdooSecret::value_of(&target.config(protocol))).await;
        let summary = stock_push::invoke(&function, event())
            .await
            .expect("run after the secret exists");
        assert_eq!(summary.failed(), 0, "{summary:?}");
        assert_eq!(levels_of(&bodies, &sku), [json!({"sku": sku, "quantity": 5})]);
        // Built once: the next invocation reuses the clients (and the level is unchanged).
        let again = stock_push::invoke(&function, event()).await.expect("run");
        assert_eq!(levels_of(&bodies, &sku).len(), 1);
        if !target.is_real() {
            assert_eq!(summary.pushed(), 1, "{summary:?}");
            assert_eq!(again.pushed(), 0);
            assert_eq!(bodies.lock().expect("bodies").len(), 1);
        }
    }
}
