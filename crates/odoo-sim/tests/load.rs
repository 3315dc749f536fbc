//! `load()`: upsert by external id, relation columns, one2many sub-rows, the one2many
//! trap both ways, unknown columns and bad data.

mod common;

use common::{BOTH, Proto, Sim};
use serde_json::{Value, json};

async fn load(sim: &Sim, proto: Proto, model: &str, fields: Value, data: Value) -> Value {
    sim.ok(
        proto,
        model,
        "load",
        None,
        json!({"fields": fields, "data": data}),
    )
    .await
}

async fn line_count(sim: &Sim, proto: Proto, order: i64) -> usize {
    let so = sim.read1(proto, "sale.order", order, &["order_line"]).await;
    so["order_line"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn external_id_updates_the_same_record() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let xid = format!("spine.customer_{proto:?}");
        let first = load(
            &sim,
            proto,
            "res.partner",
            json!(["id", "name", "email"]),
            json!([[xid, "Ann", "a@x.test"]]),
        )
        .await;
        assert_eq!(first["messages"], json!([]));
        assert_eq!(first["nextrow"], json!(0));
        let id = first["ids"][0].as_i64().expect("id");
        let again = load(
            &sim,
            proto,
            "res.partner",
            json!(["id", "name", "email"]),
            json!([[xid, "Ann B", "b@x.test"]]),
        )
        .await;
        assert_eq!(again["ids"], json!([id]));
        assert_eq!(
            sim.read1(proto, "res.partner", id, &["email"]).await["email"],
            "b@x.test"
        );
        let name = xid.trim_start_matches("spine.");
        let imd = sim
            .ok(proto, "ir.model.data", "search_read", None, json!({"domain": [["module", "=", "spine"], ["name", "=", name]], "fields": ["model", "res_id"]}))
            .await;
        assert_eq!(
            (imd[0]["model"].as_str(), imd[0]["res_id"].as_i64()),
            (Some("res.partner"), Some(id))
        );
        // No module prefix: `__import__`.
        load(
            &sim,
            proto,
            "res.partner",
            json!(["id", "name"]),
            json!([[format!("bare_{proto:?}"), "Bare"]]),
        )
        .await;
        let n = sim
            .ok(
                proto,
                "ir.model.data",
                "search_count",
                None,
                json!({"domain": [["module", "=", "__import__"], ["name", "=", format!("bare_{proto:?}")]]}),
            )
            .await;
        assert_eq!(n, json!(1));
    }
}

async fn order_fixture(sim: &Sim, proto: Proto, tag: &str) -> (i64, i64) {
    let p1 = sim
        .create(
            proto,
            "product.product",
            json!({"name": format!("P1 {tag}"), "default_code": format!("A-{tag}")}),
        )
        .await;
    let p2 = sim
        .create(
            proto,
            "product.product",
            json!({"name": format!("P2 {tag}"), "default_code": format!("B-{tag}")}),
        )
        .await;
    load(
        sim,
        proto,
        "res.partner",
        json!(["id", "name"]),
        json!([[format!("spine.cust_{tag}"), format!("Cust {tag}")]]),
    )
    .await;
    (p1, p2)
}

#[tokio::test]
async fn one2many_trap_without_line_ids() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let tag = format!("trap{proto:?}");
        let (p1, p2) = order_fixture(&sim, proto, &tag).await;
        let fields = json!([
            "id",
            "partner_id/id",
            "client_order_ref",
            "order_line/product_id/.id",
            "order_line/product_uom_qty",
            "order_line/price_unit"
        ]);
        let rows = json!([
            [
                format!("spine.so_{tag}"),
                format!("spine.cust_{tag}"),
                "1001",
                p1.to_string(),
                "2",
                "10.0"
            ],
            ["", "", "", p2.to_string(), "1", "5.0"],
        ]);
        let first = load(&sim, proto, "sale.order", fields.clone(), rows.clone()).await;
        let order = first["ids"][0].as_i64().expect("order");
        assert_eq!(
            first["ids"].as_array().map(Vec::len),
            Some(1),
            "continuation rows belong to the first record"
        );
        assert_eq!(line_count(&sim, proto, order).await, 2);
        assert_eq!(
            sim.read1(proto, "sale.order", order, &["amount_total"]).await["amount_total"],
            json!(28.75)
        );
        let again = load(&sim, proto, "sale.order", fields, rows).await;
        assert_eq!(again["ids"], json!([order]), "the order itself is updated");
        assert_eq!(
            line_count(&sim, proto, order).await,
            4,
            "lines without external ids are appended again"
        );
    }
}

#[tokio::test]
async fn line_external_ids_make_loads_idempotent() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let tag = format!("lid{proto:?}");
        let (p1, p2) = order_fixture(&sim, proto, &tag).await;
        let fields = json!([
            "id",
            "partner_id/id",
            "order_line/id",
            "order_line/product_id/.id",
            "order_line/product_uom_qty",
            "order_line/price_unit"
        ]);
        let rows = |qty: &str| {
            json!([
                [
                    format!("spine.so_{tag}"),
                    format!("spine.cust_{tag}"),
                    format!("spine.sol_{tag}_1"),
                    p1.to_string(),
                    qty,
                    "10.0"
                ],
                ["", "", format!("spine.sol_{tag}_2"), p2.to_string(), "1", "5.0"],
            ])
        };
        let order = load(&sim, proto, "sale.order", fields.clone(), rows("2")).await["ids"][0]
            .as_i64()
            .expect("order");
        let again = load(&sim, proto, "sale.order", fields, rows("3")).await;
        assert_eq!(again["ids"], json!([order]));
        assert_eq!(
            line_count(&sim, proto, order).await,
            2,
            "lines with external ids are updated in place"
        );
        let so = sim.read1(proto, "sale.order", order, &["amount_untaxed"]).await;
        assert_eq!(so["amount_untaxed"], json!(35.0));
    }
}

#[tokio::test]
async fn line_discount_is_a_percentage_off_the_subtotal() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let tag = format!("disc{proto:?}");
        let (p1, _) = order_fixture(&sim, proto, &tag).await;
        let fields = json!([
            "id",
            "partner_id/id",
            "order_line/id",
            "order_line/product_id/.id",
            "order_line/product_uom_qty",
            "order_line/price_unit",
            "order_line/discount"
        ]);
        let rows = json!([[
            format!("spine.so_{tag}"),
            format!("spine.cust_{tag}"),
            format!("spine.sol_{tag}_1"),
            p1.to_string(),
            "2",
            "10.0",
            "25"
        ]]);
        let order = load(&sim, proto, "sale.order", fields, rows).await["ids"][0]
            .as_i64()
            .expect("order");
        let so = sim.read1(proto, "sale.order", order, &["amount_untaxed"]).await;
        assert_eq!(so["amount_untaxed"], json!(15.0), "2 x 10.00 less 25 %");
    }
}

#[tokio::test]
async fn relation_by_display_name_and_database_id() {
    let sim = Sim::default().await;
    let proto = Proto::Json2;
    let partner = sim
        .create(proto, "res.partner", json!({"name": "Named Co"}))
        .await;
    let child = load(
        &sim,
        proto,
        "res.partner",
        json!(["name", "parent_id"]),
        json!([["Kid", "Named Co"]]),
    )
    .await;
    let kid = child["ids"][0].as_i64().expect("kid");
    assert_eq!(
        sim.read1(proto, "res.partner", kid, &["parent_id"]).await["parent_id"],
        json!([partner, "Named Co"])
    );
    let by_id = load(
        &sim,
        proto,
        "res.partner",
        json!(["name", "parent_id/.id"]),
        json!([["Kid2", partner.to_string()]]),
    )
    .await;
    assert_eq!(by_id["messages"], json!([]));
}

#[tokio::test]
async fn errors_unknown_column_indirect_many2one_and_bad_data() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let f = sim
            .fail(
                proto,
                "res.partner",
                "load",
                None,
                json!({"fields": ["name", "no_such_col"], "data": [["x", "y"]]}),
            )
            .await;
        assert_eq!(f.name(), "builtins.ValueError");
        assert!(f.message().starts_with("Invalid field name"), "{}", f.message());

        let before = sim
            .ok(proto, "sale.order", "search_count", None, json!({"domain": []}))
            .await;
        let tag = format!("ind{proto:?}");
        order_fixture(&sim, proto, &tag).await;
        let fields = json!([
            "id",
            "partner_id/id",
            "order_line/product_id/default_code",
            "order_line/product_uom_qty"
        ]);
        let rows = json!([[
            format!("spine.so_{tag}"),
            format!("spine.cust_{tag}"),
            format!("A-{tag}"),
            "1"
        ]]);
        let answer = load(&sim, proto, "sale.order", fields, rows).await;
        assert_eq!(answer["ids"], json!(false));
        assert_error(
            &answer,
            "Can not create Many-To-One records indirectly, import the field separately",
        );
        assert_eq!(
            sim.ok(proto, "sale.order", "search_count", None, json!({"domain": []}))
                .await,
            before
        );

        let bad = load(
            &sim,
            proto,
            "product.product",
            json!(["id", "name", "list_price"]),
            json!([["spine.bad", "Bad", "abc"]]),
        )
        .await;
        assert_eq!(bad["ids"], json!(false));
        assert_error(&bad, "'abc' does not seem to be a number for field 'Sales Price'");
        assert_eq!(bad["messages"][0]["field"], "list_price");
        let missing = load(
            &sim,
            proto,
            "sale.order",
            json!(["partner_id/id"]),
            json!([["spine.nobody"]]),
        )
        .await;
        assert_error(
            &missing,
            "No matching record found for external id 'spine.nobody' in field 'Customer'",
        );
        let n = sim
            .ok(
                proto,
                "ir.model.data",
                "search_count",
                None,
                json!({"domain": [["name", "=", "bad"]]}),
            )
            .await;
        assert_eq!(n, json!(0), "a failed load registers nothing");
    }
}

fn assert_error(answer: &Value, message: &str) {
    let first = &answer["messages"][0];
    assert_eq!(first["type"], "error");
    assert_eq!(first["message"], message, "{answer}");
}
