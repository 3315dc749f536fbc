//! A local fake of the three channel APIs on one random port: it records every request,
//! checks credentials, keeps the levels it was given, and can answer canned statuses
//! (429 with Retry-After, 5xx; once each, or to every request) or refuse one channel id.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};

pub const WOO_KEY: &str = "ck_test";
pub const WOO_SECRET: &str = "cs_test";
pub const SHOPIFY_TOKEN: &str = "shpat_test";
pub const SHOPIFY_LOCATION: &str = "gid://shopify/Location/1";
pub const HMAC_KEY: &str = "hmac-test-key";

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Captured {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

/// Fails when two requests to the generic target carried the same levels: a refused or
/// failed batch was sent again.
pub fn assert_no_batch_repeated(requests: &[Captured]) {
    let mut bodies: Vec<String> = requests.iter().map(|r| r.json()["levels"].to_string()).collect();
    bodies.sort_unstable();
    let before = bodies.len();
    bodies.dedup();
    assert_eq!(bodies.len(), before, "a request was repeated");
}

#[derive(Default)]
pub struct FakeState {
    pub requests: Vec<Captured>,
    /// SKU to the channel's id (WooCommerce product id, Shopify inventory item gid).
    pub catalog: HashMap<String, String>,
    /// Levels the channel holds, by channel id (generic: by SKU).
    pub levels: BTreeMap<String, i64>,
    /// Canned answers (status, Retry-After) for the next requests, in order.
    pub queued: VecDeque<(u16, Option<&'static str>)>,
    /// A status answered to every request (after the queued ones) while set.
    pub always: Option<u16>,
    /// A channel id this fake refuses: 503 for the generic target, an item error on
    /// WooCommerce, a userError on Shopify.
    pub refuse: Option<String>,
}

#[derive(Clone)]
pub struct Fake {
    pub url: String,
    pub state: Arc<Mutex<FakeState>>,
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = axum::Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake { url, state }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.state.lock().expect("fake state"))
    }

    /// Takes the recorded requests.
    pub fn take(&self) -> Vec<Captured> {
        self.with(|s| std::mem::take(&mut s.requests))
    }

    pub fn levels(&self) -> BTreeMap<String, i64> {
        self.with(|s| s.levels.clone())
    }
}

fn answer(status: u16, body: Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).expect("status");
    r
}

async fn handle(State(state): State<Arc<Mutex<FakeState>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 16 << 20).await.expect("body");
    let captured = Captured {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let mut s = state.lock().expect("fake state");
    s.requests.push(captured.clone());
    if let Some((status, retry_after)) = s.queued.pop_front() {
        let mut r = answer(status, json!({"message": "canned"}));
        if let Some(v) = retry_after {
            r.headers_mut().insert("retry-after", v.parse().expect("header"));
        }
        return r;
    }
    if let Some(status) = s.always {
        return answer(status, json!({"message": "canned"}));
    }
    match captured.path.as_str() {
        "/push" => generic(&mut s, &captured),
        "/wp-json/wc/v3/products" => woo_lookup(&s, &captured),
        "/wp-json/wc/v3/products/batch" => woo_batch(&mut s, &captured),
        "/admin/api/2025-01/graphql.json" => shopify(&mut s, &captured),
        _ => answer(404, json!({"message": "no route"})),
    }
}

fn header<'a>(c: &'a Captured, name: &str) -> &'a str {
    c.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn generic(s: &mut FakeState, c: &Captured) -> Response {
    if header(c, "x-spine-signature") != spine_stock::channels::sign(HMAC_KEY.as_bytes(), c.body.as_bytes()) {
        return answer(401, json!({"message": "bad signature"}));
    }
    let body = c.json();
    let levels = body["levels"].as_array().cloned().unwrap_or_default();
    if levels.iter().any(|l| l["sku"].as_str() == s.refuse.as_deref()) {
        return answer(503, json!({"message": "refused"}));
    }
    for l in levels {
        s.levels.insert(
            l["sku"].as_str().expect("sku").to_owned(),
            l["quantity"].as_i64().expect("qty"),
        );
    }
    answer(200, json!({"rejected": []}))
}

fn woo_auth_ok(c: &Captured) -> bool {
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{WOO_KEY}:{WOO_SECRET}"));
    header(c, "authorization") == format!("Basic {expected}")
}

fn woo_lookup(s: &FakeState, c: &Captured) -> Response {
    if !woo_auth_ok(c) {
        return answer(401, json!({"code": "woocommerce_rest_cannot_view"}));
    }
    let skus: Vec<String> = url_param(&c.query, "sku").split(',').map(str::to_owned).collect();
    let found: Vec<Value> = skus
        .iter()
        .filter_map(|sku| {
            Some(json!({"id": s.catalog.get(sku)?.parse::<i64>().ok()?, "sku": sku, "name": "x"}))
        })
        .collect();
    answer(200, json!(found))
}

fn woo_batch(s: &mut FakeState, c: &Captured) -> Response {
    if !woo_auth_ok(c) {
        return answer(401, json!({"code": "woocommerce_rest_cannot_edit"}));
    }
    let mut out = Vec::new();
    for item in c.json()["update"].as_array().cloned().unwrap_or_default() {
        let id = item["id"].as_i64().expect("id");
        if Some(id.to_string()) == s.refuse {
            out.push(json!({"id": id, "error": {"code": "woocommerce_rest_invalid", "message": "nope", "data": {"status": 400}}}));
        } else {
            s.levels
                .insert(id.to_string(), item["stock_quantity"].as_i64().expect("qty"));
            out.push(json!({"id": id, "stock_quantity": item["stock_quantity"], "manage_stock": true}));
        }
    }
    answer(200, json!({"update": out}))
}

fn shopify(s: &mut FakeState, c: &Captured) -> Response {
    if header(c, "x-shopify-access-token") != SHOPIFY_TOKEN {
        return answer(401, json!({"errors": "[API] Invalid API key or access token"}));
    }
    let body = c.json();
    let query = body["query"].as_str().unwrap_or_default();
    if query.contains("productVariants") {
        let q = body["variables"]["q"].as_str().unwrap_or_default();
        let nodes: Vec<Value> = q
            .split(" OR ")
            .filter_map(|t| t.strip_prefix("sku:\"")?.strip_suffix('"'))
            .filter_map(|sku| Some(json!({"sku": sku, "inventoryItem": {"id": s.catalog.get(sku)?}})))
            .collect();
        return answer(200, json!({"data": {"productVariants": {"nodes": nodes}}}));
    }
    let quantities = body["variables"]["input"]["quantities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let errors: Vec<Value> = quantities
        .iter()
        .enumerate()
        .filter(|(_, q)| q["inventoryItemId"].as_str() == s.refuse.as_deref())
        .map(|(i, _)| json!({"code": "INVALID_INVENTORY_ITEM", "field": ["input", "quantities", i.to_string(), "inventoryItemId"], "message": "The specified inventory item could not be found."}))
        .collect();
    if errors.is_empty() {
        for q in quantities {
            assert_eq!(q["locationId"], SHOPIFY_LOCATION);
            s.levels.insert(
                q["inventoryItemId"].as_str().expect("id").to_owned(),
                q["quantity"].as_i64().expect("qty"),
            );
        }
    }
    answer(
        200,
        json!({"data": {"inventorySetQuantities": {"userErrors": errors}}}),
    )
}

/// One parameter of a URL query, decoded; empty when absent.
pub fn url_param(query: &str, name: &str) -> String {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .expect("query")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
