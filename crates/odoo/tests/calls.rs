//! Every typed call against the Odoo under test (the simulator, or a real Odoo from
//! `ODOO_*`), each scenario on both protocols.

mod common;

use common::{ctx, product, rec, target, unique};
use odoo_sim::SimConfig;
use secrecy::SecretString;
use serde_json::json;
use spine_odoo::{Domain, ErrorKind, OdooError, Protocol, SearchOpts};

#[tokio::test]
async fn reads_and_writes_products() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let (a, b) = (unique("SKU-A"), unique("SKU-B"));
        let vals =
            |sku: &str| rec(json!({"name": format!("P {sku}"), "default_code": sku, "is_storable": true}));
        let ids = odoo
            .create("product.product", &[vals(&a), vals(&b)])
            .await
            .expect("create many");
        assert_eq!(ids.len(), 2, "{protocol}");
        assert_ne!(ids[0], ids[1]);

        let skus = Domain::all().is_in("default_code", [a.as_str(), b.as_str()]);
        let opts = SearchOpts {
            order: Some("id asc".into()),
            ..SearchOpts::default()
        };
        let found = odoo
            .search_read("product.product", &skus, &["default_code", "is_storable"], &opts)
            .await
            .expect("search_read");
        let codes: Vec<_> = found
            .iter()
            .map(|r| r["default_code"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(codes, [a.as_str(), b.as_str()], "{protocol}");
        assert_eq!(found[0]["is_storable"], json!(true));

        assert_eq!(
            odoo.search("product.product", &skus, &opts)
                .await
                .expect("search"),
            ids
        );
        let limited = SearchOpts {
            limit: Some(1),
            offset: Some(1),
            order: Some("id asc".into()),
            context: None,
        };
        assert_eq!(
            odoo.search("product.product", &skus, &limited)
                .await
                .expect("search page"),
            vec![ids[1]]
        );
        assert_eq!(
            odoo.search_count("product.product", &skus).await.expect("count"),
            2
        );

        assert!(
            odoo.write("product.product", &[ids[0]], &rec(json!({"name": "Renamed"})))
                .await
                .expect("write")
        );
        let read = odoo.read("product.product", &ids, &["name"]).await.expect("read");
        assert_eq!(read[0]["name"], "Renamed", "{protocol}");
        assert_eq!(read.len(), 2);
        let missing = odoo
            .read("product.product", &[999_999_999], &["name"])
            .await
            .expect("missing id is no error");
        assert!(missing.is_empty(), "{protocol}: read of a missing id returns []");
    }
}

#[tokio::test]
async fn load_upserts_by_external_id_and_reports_bad_data() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let name = unique("customer");
        let xid = format!("spine.{name}");
        let row = |email: &str| vec![vec![xid.clone(), "Ann".to_owned(), email.to_owned()]];
        let first = odoo
            .load("res.partner", &["id", "name", "email"], &row("a@x.test"))
            .await
            .expect("load");
        let again = odoo
            .load("res.partner", &["id", "name", "email"], &row("b@x.test"))
            .await
            .expect("load again");
        assert_eq!(first.ids, again.ids, "{protocol}: same record");
        let email = odoo
            .read("res.partner", &first.ids, &["email"])
            .await
            .expect("read");
        assert_eq!(email[0]["email"], "b@x.test");
        let imd = Domain::all().eq("module", "spine").eq("name", name.as_str());
        assert_eq!(
            odoo.search_count("ir.model.data", &imd).await.expect("count"),
            1,
            "{protocol}"
        );

        let bad = vec![vec![
            format!("spine.{}", unique("p")),
            "P".to_owned(),
            "not-a-number".to_owned(),
        ]];
        let err = odoo
            .load("product.product", &["id", "name", "list_price"], &bad)
            .await
            .err();
        let Some(OdooError::Load { messages, .. }) = &err else {
            panic!("{protocol}: expected a load error, got {err:?}")
        };
        assert_eq!(messages[0].field.as_deref(), Some("list_price"), "{protocol}");
        assert!(
            err.as_ref()
                .is_some_and(|e| e.kind() == ErrorKind::Business && e.to_string().contains("list_price"))
        );

        let err = odoo
            .load(
                "res.partner",
                &["id", "no_such_column"],
                &[vec![xid.clone(), "x".into()]],
            )
            .await
            .err();
        assert_eq!(
            err.map(|e| e.kind()),
            Some(ErrorKind::Configuration),
            "{protocol}: unknown column is contract drift"
        );
    }
}

#[tokio::test]
async fn order_confirmed_through_call() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let partner = odoo
            .create("res.partner", &[rec(json!({"name": unique("Buyer")}))])
            .await
            .expect("partner")[0];
        let prod = product(&odoo, &unique("SKU")).await;
        let line = json!([0, 0, {"product_id": prod, "product_uom_qty": 2, "price_unit": 10.0}]);
        let order = odoo
            .create(
                "sale.order",
                &[rec(json!({"partner_id": partner, "order_line": [line]}))],
            )
            .await
            .expect("order")[0];
        let confirmed = odoo
            .call("sale.order", "action_confirm", &[order], ctx(json!({})), None)
            .await
            .expect("confirm");
        assert_eq!(confirmed, json!(true), "{protocol}");
        let so = odoo
            .read(
                "sale.order",
                &[order],
                &["state", "amount_total", "invoice_status"],
            )
            .await
            .expect("read");
        assert_eq!(so[0]["state"], "sale");
        assert_eq!(so[0]["invoice_status"], "to invoice");
        if t.sim.is_some() {
            // The simulator's 15% tax; a real server's taxes are its own.
            assert_eq!(so[0]["amount_total"], json!(23.0), "{protocol}");
        }
        let again = odoo
            .call("sale.order", "action_confirm", &[order], ctx(json!({})), None)
            .await
            .err();
        assert_eq!(
            again.map(|e| e.kind()),
            Some(ErrorKind::Business),
            "{protocol}: confirming twice is a business error"
        );
    }
}

#[tokio::test]
async fn context_reaches_the_server() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let idr = Domain::all().eq("name", "IDR");
        let plain = odoo
            .search_read("res.currency", &idr, &["active"], &SearchOpts::default())
            .await
            .expect("plain");
        assert!(plain.is_empty(), "{protocol}: inactive IDR is hidden by default");
        let all = SearchOpts {
            context: Some(ctx(json!({"active_test": false}))),
            ..SearchOpts::default()
        };
        let found = odoo
            .search_read("res.currency", &idr, &["active"], &all)
            .await
            .expect("with context");
        assert_eq!(found.len(), 1, "{protocol}");
        assert_eq!(found[0]["active"], json!(false));
    }
}

#[tokio::test]
async fn round_trips_are_counted() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let all = Domain::all();
        odoo.search_count("res.partner", &all).await.expect("first");
        let auth = u64::from(protocol == Protocol::JsonRpc);
        assert_eq!(
            odoo.metrics().round_trips,
            1 + auth,
            "{protocol}: authenticate once, then the call"
        );
        let before = odoo.metrics();
        odoo.search_count("res.partner", &all).await.expect("second");
        odoo.search("res.partner", &all, &SearchOpts::default())
            .await
            .expect("third");
        let diff = odoo.metrics().since(&before);
        assert_eq!(diff.round_trips, 2, "{protocol}: the uid is cached");
        assert_eq!(diff.by_method["res.partner.search_count"].round_trips, 1);
        assert!(diff.total_latency > std::time::Duration::ZERO);
        odoo.reset_metrics();
        assert_eq!(odoo.metrics().round_trips, 0);
    }
}

#[tokio::test]
async fn auto_picks_the_protocol_from_the_version() {
    let t = target().await;
    let odoo = t.client(Protocol::Auto);
    let picked = odoo.protocol().await.expect("version");
    if t.sim.is_some() {
        assert_eq!(picked, Protocol::Json2, "19.0 speaks JSON-2");
    }
    odoo.search_count("res.partner", &Domain::all())
        .await
        .expect("works on what it picked");
    let Some(_) = t.sim_only("auto_picks_the_protocol_from_the_version (17.0 server)") else {
        return;
    };
    let old = common::target_with(SimConfig {
        server_version: "17.0".into(),
        ..SimConfig::default()
    })
    .await;
    let odoo = old.client(Protocol::Auto);
    assert_eq!(
        odoo.protocol().await.expect("version"),
        Protocol::JsonRpc,
        "before 19: JSON-RPC"
    );
    assert!(
        odoo.search_count("res.partner", &Domain::all())
            .await
            .expect("count")
            > 0
    );
}

#[tokio::test]
async fn rotated_key_is_a_credentials_error_until_swapped() {
    let t = target().await;
    let Some(sim) = t.sim_only("rotated_key_is_a_credentials_error_until_swapped") else {
        return;
    };
    let clients: Vec<_> = t.protocols().into_iter().map(|p| (p, t.client(p))).collect();
    for (_, odoo) in &clients {
        odoo.search_count("res.partner", &Domain::all())
            .await
            .expect("old key works");
    }
    sim.rotate_api_key("rotated-key");
    for (protocol, odoo) in &clients {
        let err = odoo.search_count("res.partner", &Domain::all()).await.err();
        assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::Credentials), "{protocol}");
        odoo.set_api_key(SecretString::from("rotated-key".to_owned()))
            .await;
        odoo.search_count("res.partner", &Domain::all())
            .await
            .expect("new key works");
    }
    let (_, rpc) = &clients[1];
    assert_eq!(
        rpc.metrics().by_method["common.authenticate"].round_trips,
        2,
        "uid dropped and fetched again"
    );
}
