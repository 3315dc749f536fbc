//! Every row of ODOO.md's error table, over both protocols, with the exact status, class
//! name and message; plus the answers that look like errors but are not.

mod common;

use common::{BOTH, Proto, Sim};
use odoo_sim::SimConfig;
use serde_json::json;

#[tokio::test]
async fn bad_api_key() {
    let sim = Sim::default().await;
    let env = sim
        .jsonrpc(
            "object",
            "execute_kw",
            json!(["spine", 2, "wrong", "res.partner", "search", [[]]]),
        )
        .await;
    assert_eq!(env["error"]["data"]["name"], "odoo.exceptions.AccessDenied");
    assert_eq!(env["error"]["data"]["message"], "Access Denied");
    assert_eq!(env["id"], 7);
    let auth = sim
        .jsonrpc("common", "authenticate", json!(["spine", "admin", "wrong", {}]))
        .await;
    assert_eq!(auth["result"], json!(false), "a wrong password is not an error");
    let auth = sim
        .jsonrpc(
            "common",
            "authenticate",
            json!(["spine", "admin", "sim-api-key", {}]),
        )
        .await;
    assert_eq!(auth["result"], json!(2));
    let (status, body) = sim
        .json2_raw("res.partner", "search", json!({"domain": []}), Some("wrong"))
        .await;
    assert_eq!(status, 401);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(body["name"], "werkzeug.exceptions.Unauthorized");
    assert_eq!(body["message"], "Invalid apikey");
}

#[tokio::test]
async fn missing_bearer() {
    let sim = Sim::default().await;
    let (status, body) = sim
        .json2_raw("res.partner", "search", json!({"domain": []}), None)
        .await;
    assert_eq!(status, 401);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(body["name"], "werkzeug.exceptions.Unauthorized");
    assert_eq!(
        body["message"],
        "User not authenticated, use an API Key with a Bearer Authorization header."
    );
    assert!(body["debug"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn unknown_model_method_and_private_method() {
    let sim = Sim::default().await;
    let f = sim
        .fail(
            Proto::JsonRpc,
            "no.such.model",
            "search",
            None,
            json!({"domain": []}),
        )
        .await;
    assert_eq!(
        (f.name(), f.message()),
        ("odoo.exceptions.UserError", "Object no.such.model doesn't exist")
    );
    let f = sim
        .fail(
            Proto::Json2,
            "no.such.model",
            "search",
            None,
            json!({"domain": []}),
        )
        .await;
    assert_eq!((f.status, f.name()), (404, "werkzeug.exceptions.NotFound"));
    assert_eq!(f.message(), "the model 'no.such.model' does not exist");

    let f = sim
        .fail(Proto::JsonRpc, "res.partner", "no_such_method", None, json!({}))
        .await;
    assert_eq!(f.name(), "builtins.AttributeError");
    assert_eq!(
        f.message(),
        "The method 'res.partner.no_such_method' does not exist"
    );
    let f = sim
        .fail(Proto::Json2, "res.partner", "no_such_method", None, json!({}))
        .await;
    assert_eq!((f.status, f.name()), (404, "werkzeug.exceptions.NotFound"));

    for proto in BOTH {
        let f = sim
            .fail(proto, "sale.order", "_create_invoices", Some(vec![1]), json!({}))
            .await;
        assert_eq!(f.name(), "odoo.exceptions.AccessError");
        assert_eq!(
            f.message(),
            "Private methods (such as 'sale.order._create_invoices') cannot be called remotely."
        );
    }
}

#[tokio::test]
async fn business_rule_and_constraints() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let partner = sim.create(proto, "res.partner", json!({"name": "Acme"})).await;
        let order = sim
            .create(proto, "sale.order", json!({"partner_id": partner}))
            .await;
        assert_eq!(
            sim.ok(
                proto,
                "sale.order",
                "action_confirm",
                Some(vec![order]),
                json!({})
            )
            .await,
            json!(true),
            "no lines: still true"
        );
        let f = sim
            .fail(
                proto,
                "sale.order",
                "action_confirm",
                Some(vec![order]),
                json!({}),
            )
            .await;
        assert_eq!(f.name(), "odoo.exceptions.UserError");
        assert!(
            f.message()
                .starts_with("The following orders are not in a state requiring confirmation: S0"),
            "{}",
            f.message()
        );
        if proto == Proto::Json2 {
            assert_eq!(f.status, 422);
        }

        let child = sim
            .create(
                proto,
                "res.partner",
                json!({"name": "Child", "parent_id": partner}),
            )
            .await;
        let f = sim
            .fail(
                proto,
                "res.partner",
                "write",
                Some(vec![partner]),
                json!({"vals": {"parent_id": child}}),
            )
            .await;
        assert_eq!(
            (f.name(), f.message()),
            (
                "odoo.exceptions.ValidationError",
                "You cannot create recursive Partner hierarchies."
            )
        );
        let f = sim
            .fail(
                proto,
                "sale.order",
                "create",
                None,
                json!({"vals_list": [{"client_order_ref": "x"}]}),
            )
            .await;
        assert_eq!(f.name(), "odoo.exceptions.ValidationError");
        assert!(f.message().contains("Customer (partner_id)"), "{}", f.message());
        if proto == Proto::Json2 {
            assert_eq!(f.status, 422);
        }
    }
}

#[tokio::test]
async fn no_access_rights() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let f = sim
            .fail(proto, "res.users.apikeys", "search", None, json!({"domain": []}))
            .await;
        assert_eq!(f.name(), "odoo.exceptions.AccessError");
        assert!(
            f.message()
                .starts_with("You are not allowed to access 'API Key' (res.users.apikeys) records.")
        );
        if proto == Proto::Json2 {
            assert_eq!(f.status, 403);
        }
    }
}

#[tokio::test]
async fn missing_record_and_unknown_field() {
    let sim = Sim::default().await;
    for proto in BOTH {
        for method in ["write", "unlink"] {
            let kwargs = if method == "write" {
                json!({"vals": {"name": "x"}})
            } else {
                json!({})
            };
            let f = sim
                .fail(proto, "res.partner", method, Some(vec![9999]), kwargs)
                .await;
            assert_eq!(f.name(), "odoo.exceptions.MissingError");
            assert!(
                f.message()
                    .starts_with("Record does not exist or has been deleted.")
            );
            if proto == Proto::Json2 {
                assert_eq!(f.status, 404);
            }
        }
        let partner = sim.create(proto, "res.partner", json!({"name": "Acme"})).await;
        let f = sim
            .fail(
                proto,
                "res.partner",
                "write",
                Some(vec![partner]),
                json!({"vals": {"no_such_field": 1}}),
            )
            .await;
        assert_eq!((f.name(), f.message()), ("builtins.KeyError", "no_such_field"));
        if proto == Proto::Json2 {
            assert_eq!(f.status, 500);
        }
        // Not errors: a missing id reads as nothing.
        assert_eq!(
            sim.ok(
                proto,
                "res.partner",
                "read",
                Some(vec![9999]),
                json!({"fields": ["name"]})
            )
            .await,
            json!([])
        );
    }
}

#[tokio::test]
async fn misspelt_keyword_argument() {
    let sim = Sim::default().await;
    let f = sim
        .fail(
            Proto::Json2,
            "res.partner",
            "search_read",
            None,
            json!({"domain": [], "limt": 1}),
        )
        .await;
    assert_eq!((f.status, f.name()), (500, "builtins.TypeError"));
    assert!(f.message().contains("unexpected keyword argument 'limt'"));
}

#[tokio::test]
async fn unknown_database() {
    let sim = Sim::default().await;
    let env = sim
        .jsonrpc(
            "object",
            "execute_kw",
            json!(["nope", 2, "sim-api-key", "res.partner", "search", [[]]]),
        )
        .await;
    assert_eq!(env["error"]["data"]["name"], "psycopg2.OperationalError");
    assert!(
        env["error"]["data"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("database \"nope\" does not exist"))
    );
    let resp = sim
        .http
        .post(format!("{}/json/2/res.partner/search", sim.handle.url()))
        .header("Authorization", "bearer sim-api-key")
        .header("X-Odoo-Database", "nope")
        .json(&json!({"domain": []}))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 404);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/html"))
    );
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("<title>404 Not Found</title>")
    );
}

#[tokio::test]
async fn routes_and_versions() {
    let sim = Sim::default().await;
    let version = sim.jsonrpc("common", "version", json!([])).await;
    assert_eq!(version["result"]["server_version"], "19.0");
    assert_eq!(
        version["result"]["server_version_info"],
        json!([19, 0, 0, "final", 0, ""])
    );
    let resp = sim
        .http
        .post(format!("{}/web/nothing", sim.handle.url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 404);

    let old = Sim::start(SimConfig {
        server_version: "17.0".into(),
        ..SimConfig::default()
    })
    .await;
    let (status, body) = old
        .json2_raw(
            "res.partner",
            "search",
            json!({"domain": []}),
            Some("sim-api-key"),
        )
        .await;
    assert_eq!(status, 404);
    assert!(body.starts_with("<!doctype html>"));
    let v = old.jsonrpc("common", "version", json!([])).await;
    assert_eq!(v["result"]["server_version_info"][0], 17);
}

#[tokio::test]
async fn failed_call_applies_nothing() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let before = sim
            .ok(proto, "res.partner", "search_count", None, json!({"domain": []}))
            .await;
        let f = sim
            .fail(
                proto,
                "res.partner",
                "create",
                None,
                json!({"vals_list": [{"name": "ok"}, {"name": "bad", "no_such_field": 1}]}),
            )
            .await;
        assert_eq!(f.name(), "builtins.KeyError");
        let after = sim
            .ok(proto, "res.partner", "search_count", None, json!({"domain": []}))
            .await;
        assert_eq!(
            before, after,
            "the first create of the failed call was rolled back"
        );
    }
}
