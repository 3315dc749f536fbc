//! The exact request of every call kind on both protocols: path, headers and JSON body,
//! as recorded by a capturing server with canned answers.

mod common;

use common::capture::{Canned, CaptureServer, Captured};
use common::{ctx, rec};
use serde_json::{Value, json};
use spine_odoo::{Domain, OdooClient, Protocol, RetryPolicy, SearchOpts};

/// The ORM method a request asks for, on either protocol.
fn orm_method(req: &Captured) -> String {
    if req.path == "/jsonrpc" {
        let params = &req.body["params"];
        if params["service"] == "common" {
            return params["method"].as_str().unwrap_or_default().to_owned();
        }
        return params["args"][4].as_str().unwrap_or_default().to_owned();
    }
    req.path.rsplit('/').next().unwrap_or_default().to_owned()
}

fn result_for(method: &str) -> Value {
    match method {
        "authenticate" => json!(2),
        "version" => json!({"server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0, ""]}),
        "search_read" | "read" => json!([{"id": 1, "name": "A"}]),
        "search" => json!([1, 2]),
        "search_count" => json!(2),
        "create" => json!([5, 6]),
        "write" | "action_confirm" => json!(true),
        "load" => json!({"ids": [9], "messages": [], "nextrow": 0}),
        _ => Value::Null,
    }
}

async fn server() -> CaptureServer {
    CaptureServer::start(|req| {
        let result = result_for(&orm_method(req));
        if req.path == "/jsonrpc" {
            Canned::rpc_result(req, result)
        } else {
            Canned::json(200, result)
        }
    })
    .await
}

/// Runs `act` on a fresh client and answers the one request the call sent (after
/// JSON-RPC's authenticate, which is checked too).
async fn one_call<F, Fut>(protocol: Protocol, act: F) -> Captured
where
    F: FnOnce(OdooClient) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut srv = server().await;
    act(srv.client(protocol, RetryPolicy::NEVER)).await;
    let mut seen = srv.drain();
    for req in &seen {
        assert_eq!(req.method, "POST");
        assert_eq!(req.header("content-type"), Some("application/json"));
    }
    if protocol == Protocol::JsonRpc {
        assert_eq!(seen.len(), 2, "authenticate, then the call");
        let auth = seen.remove(0);
        assert_eq!(auth.path, "/jsonrpc");
        assert_eq!(
            auth.body,
            json!({"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"service": "common", "method": "authenticate", "args": ["testdb", "admin", "test-key", {}]}})
        );
        assert_eq!(auth.header("authorization"), None);
    } else {
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].header("authorization"), Some("bearer test-key"));
        assert_eq!(seen[0].header("x-odoo-database"), Some("testdb"));
    }
    seen.remove(0)
}

/// Asserts the JSON-RPC `execute_kw` request for `model.method(args, kwargs)`.
fn assert_execute_kw(req: &Captured, model: &str, method: &str, args: Value, kwargs: Value) {
    assert_eq!(req.path, "/jsonrpc");
    assert_eq!(
        req.header("authorization"),
        None,
        "JSON-RPC carries the key in the body only"
    );
    assert_eq!(
        req.body,
        json!({"jsonrpc": "2.0", "method": "call", "id": 2, "params": {"service": "object", "method": "execute_kw",
               "args": ["testdb", 2, "test-key", model, method, args, kwargs]}})
    );
}

fn domain() -> Domain {
    Domain::all().eq("default_code", "SKU-1")
}

#[tokio::test]
async fn search_read() {
    let opts = SearchOpts {
        limit: Some(5),
        offset: Some(10),
        order: Some("id desc".into()),
        context: Some(ctx(json!({"active_test": false}))),
    };
    let act = |opts: SearchOpts| {
        move |c: OdooClient| async move {
            let recs = c
                .search_read("product.product", &domain(), &["name"], &opts)
                .await
                .expect("ok");
            assert_eq!(recs[0]["name"], "A");
        }
    };
    let req = one_call(Protocol::Json2, act(opts.clone())).await;
    assert_eq!(req.path, "/json/2/product.product/search_read");
    assert_eq!(
        req.body,
        json!({"domain": [["default_code", "=", "SKU-1"]], "fields": ["name"], "offset": 10, "limit": 5, "order": "id desc", "context": {"active_test": false}})
    );
    let req = one_call(Protocol::JsonRpc, act(opts)).await;
    let kwargs = json!({"fields": ["name"], "offset": 10, "limit": 5, "order": "id desc", "context": {"active_test": false}});
    assert_execute_kw(
        &req,
        "product.product",
        "search_read",
        json!([[["default_code", "=", "SKU-1"]]]),
        kwargs,
    );
}

#[tokio::test]
async fn read_search_and_count() {
    let read = |c: OdooClient| async move {
        assert_eq!(
            c.read("res.partner", &[1, 2], &["name"]).await.expect("ok").len(),
            1
        )
    };
    let req = one_call(Protocol::Json2, read).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        (
            "/json/2/res.partner/read",
            &json!({"ids": [1, 2], "fields": ["name"]})
        )
    );
    let req = one_call(Protocol::JsonRpc, read).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "read",
        json!([[1, 2]]),
        json!({"fields": ["name"]}),
    );

    let search = |c: OdooClient| async move {
        let opts = SearchOpts {
            limit: Some(1),
            ..SearchOpts::default()
        };
        assert_eq!(
            c.search("res.partner", &domain(), &opts).await.expect("ok"),
            vec![1, 2]
        );
    };
    let req = one_call(Protocol::Json2, search).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        (
            "/json/2/res.partner/search",
            &json!({"domain": [["default_code", "=", "SKU-1"]], "limit": 1})
        )
    );
    let req = one_call(Protocol::JsonRpc, search).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "search",
        json!([[["default_code", "=", "SKU-1"]]]),
        json!({"limit": 1}),
    );

    let count = |c: OdooClient| async move {
        assert_eq!(
            c.search_count("res.partner", &Domain::all()).await.expect("ok"),
            2
        )
    };
    let req = one_call(Protocol::Json2, count).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        ("/json/2/res.partner/search_count", &json!({"domain": []}))
    );
    let req = one_call(Protocol::JsonRpc, count).await;
    assert_execute_kw(&req, "res.partner", "search_count", json!([[]]), json!({}));
}

#[tokio::test]
async fn create_and_write() {
    let create = |c: OdooClient| async move {
        let ids = c
            .create(
                "res.partner",
                &[rec(json!({"name": "A"})), rec(json!({"name": "B"}))],
            )
            .await
            .expect("ok");
        assert_eq!(ids, vec![5, 6]);
    };
    let req = one_call(Protocol::Json2, create).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        (
            "/json/2/res.partner/create",
            &json!({"vals_list": [{"name": "A"}, {"name": "B"}]})
        )
    );
    let req = one_call(Protocol::JsonRpc, create).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "create",
        json!([[{"name": "A"}, {"name": "B"}]]),
        json!({}),
    );

    let write = |c: OdooClient| async move {
        assert!(
            c.write("res.partner", &[7], &rec(json!({"email": "a@x.test"})))
                .await
                .expect("ok")
        )
    };
    let req = one_call(Protocol::Json2, write).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        (
            "/json/2/res.partner/write",
            &json!({"ids": [7], "vals": {"email": "a@x.test"}})
        )
    );
    let req = one_call(Protocol::JsonRpc, write).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "write",
        json!([[7], {"email": "a@x.test"}]),
        json!({}),
    );
}

#[tokio::test]
async fn load_and_generic_call() {
    let load = |c: OdooClient| async move {
        let rows = vec![vec!["spine.c1".to_owned(), "Ann".to_owned()]];
        assert_eq!(
            c.load("res.partner", &["id", "name"], &rows)
                .await
                .expect("ok")
                .ids,
            vec![9]
        );
    };
    let req = one_call(Protocol::Json2, load).await;
    assert_eq!(
        (req.path.as_str(), &req.body),
        (
            "/json/2/res.partner/load",
            &json!({"fields": ["id", "name"], "data": [["spine.c1", "Ann"]]})
        )
    );
    let req = one_call(Protocol::JsonRpc, load).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "load",
        json!([["id", "name"], [["spine.c1", "Ann"]]]),
        json!({}),
    );

    let call = |c: OdooClient| async move {
        let context = ctx(json!({"active_model": "sale.order", "active_ids": [3]}));
        let out = c
            .call(
                "sale.order",
                "action_confirm",
                &[3],
                ctx(json!({})),
                Some(&context),
            )
            .await
            .expect("ok");
        assert_eq!(out, json!(true));
    };
    let req = one_call(Protocol::Json2, call).await;
    assert_eq!(req.path, "/json/2/sale.order/action_confirm");
    assert_eq!(
        req.body,
        json!({"ids": [3], "context": {"active_model": "sale.order", "active_ids": [3]}})
    );
    let req = one_call(Protocol::JsonRpc, call).await;
    assert_execute_kw(
        &req,
        "sale.order",
        "action_confirm",
        json!([[3]]),
        json!({"context": {"active_model": "sale.order", "active_ids": [3]}}),
    );

    // A model method with keyword arguments and no ids passes no positional ids.
    let model_call = |c: OdooClient| async move {
        let out = c
            .call(
                "res.partner",
                "fields_get",
                &[],
                ctx(json!({"attributes": ["type"]})),
                None,
            )
            .await
            .expect("ok");
        assert_eq!(out, Value::Null);
    };
    let req = one_call(Protocol::Json2, model_call).await;
    assert_eq!(req.body, json!({"attributes": ["type"]}));
    let req = one_call(Protocol::JsonRpc, model_call).await;
    assert_execute_kw(
        &req,
        "res.partner",
        "fields_get",
        json!([]),
        json!({"attributes": ["type"]}),
    );
}

#[tokio::test]
async fn auto_asks_the_version_once() {
    let mut srv = server().await;
    let client = srv.client(Protocol::Auto, RetryPolicy::NEVER);
    client
        .search_count("res.partner", &Domain::all())
        .await
        .expect("first");
    client
        .clone()
        .search_count("res.partner", &Domain::all())
        .await
        .expect("second, on a clone");
    let seen = srv.drain();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/jsonrpc",
            "/json/2/res.partner/search_count",
            "/json/2/res.partner/search_count"
        ]
    );
    assert_eq!(
        seen[0].body["params"],
        json!({"service": "common", "method": "version", "args": []})
    );
    assert_eq!(client.metrics().round_trips, 3);
    assert_eq!(client.metrics().by_method["common.version"].round_trips, 1);
}
