//! ODOO.md's order-to-cash sequence over both protocols, with the answers the real
//! server gave: confirm `true`, 23.0 for 2 x 10.00 at 15%, `action_post` `false`,
//! payment `paid`, refund with `reversed_entry_id`, delivery validation.

mod common;

use common::{BOTH, Proto, Sim};
use odoo_sim::SimConfig;
use serde_json::{Value, json};

async fn seed(sim: &Sim, proto: Proto, sku: &str) -> (i64, i64) {
    let product = sim
        .create(
            proto,
            "product.product",
            json!({"name": "Widget", "default_code": sku, "is_storable": true, "list_price": 12.5}),
        )
        .await;
    let partner = sim
        .create(
            proto,
            "res.partner",
            json!({"name": format!("Customer {sku}"), "customer_rank": 1}),
        )
        .await;
    (product, partner)
}

async fn bank_journal(sim: &Sim, proto: Proto) -> i64 {
    let rows = sim
        .ok(
            proto,
            "account.journal",
            "search_read",
            None,
            json!({"domain": [["type", "=", "bank"]], "fields": ["code"]}),
        )
        .await;
    assert_eq!(rows[0]["code"], "BNK1");
    rows[0]["id"].as_i64().expect("bank journal")
}

#[tokio::test]
async fn order_invoice_payment_refund_shipment() {
    let sim = Sim::default().await;
    for (n, proto) in BOTH.into_iter().enumerate() {
        let (product, partner) = seed(&sim, proto, &format!("SKU-{n}")).await;
        let lines = json!([[0, 0, {"product_id": product, "product_uom_qty": 2, "price_unit": 10.0}]]);
        let order = sim
            .create(
                proto,
                "sale.order",
                json!({"partner_id": partner, "client_order_ref": "shop-1001", "order_line": lines}),
            )
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
            json!(true)
        );
        let so = sim
            .read1(
                proto,
                "sale.order",
                order,
                &[
                    "name",
                    "state",
                    "invoice_status",
                    "picking_ids",
                    "amount_total",
                    "amount_tax",
                ],
            )
            .await;
        assert_eq!(so["state"], "sale");
        assert_eq!(so["invoice_status"], "to invoice");
        assert_eq!(so["amount_total"], json!(23.0));
        assert_eq!(so["amount_tax"], json!(3.0));
        assert!(so["name"].as_str().is_some_and(|s| s.starts_with("S0")));
        let picking = so["picking_ids"][0].as_i64().expect("a delivery");

        // Invoice through the wizard.
        let ctx = json!({"active_model": "sale.order", "active_ids": [order], "active_id": order});
        let wiz = sim
            .create_ctx(
                proto,
                "sale.advance.payment.inv",
                json!({"advance_payment_method": "delivered"}),
                &ctx,
            )
            .await;
        let action = sim
            .ok(
                proto,
                "sale.advance.payment.inv",
                "create_invoices",
                Some(vec![wiz]),
                json!({"context": ctx}),
            )
            .await;
        assert_eq!(action["type"], "ir.actions.act_window");
        let so = sim
            .read1(proto, "sale.order", order, &["invoice_ids", "invoice_status"])
            .await;
        let invoice = so["invoice_ids"][0].as_i64().expect("an invoice");
        assert_eq!(so["invoice_status"], "invoiced");
        let inv = sim
            .read1(
                proto,
                "account.move",
                invoice,
                &["state", "move_type", "amount_total", "invoice_origin"],
            )
            .await;
        assert_eq!(
            (
                inv["state"].as_str(),
                inv["move_type"].as_str(),
                inv["amount_total"].as_f64()
            ),
            (Some("draft"), Some("out_invoice"), Some(23.0))
        );
        assert_eq!(
            sim.ok(
                proto,
                "account.move",
                "action_post",
                Some(vec![invoice]),
                json!({})
            )
            .await,
            json!(false)
        );
        let inv = sim
            .read1(
                proto,
                "account.move",
                invoice,
                &["name", "payment_state", "state"],
            )
            .await;
        assert!(
            inv["name"]
                .as_str()
                .is_some_and(|s| s.starts_with("INV/") && s.len() == "INV/2026/00001".len()),
            "{inv}"
        );
        assert_eq!(inv["payment_state"], "not_paid");

        // Payment: partial first, then the rest.
        let bank = bank_journal(&sim, proto).await;
        let pctx = json!({"active_model": "account.move", "active_ids": [invoice]});
        for (amount, state, residual) in [(3.0, "partial", 20.0), (20.0, "paid", 0.0)] {
            let vals = json!({"journal_id": bank, "amount": amount, "payment_date": "2026-11-22", "communication": "stripe pi_123"});
            let wiz = sim
                .create_ctx(proto, "account.payment.register", vals, &pctx)
                .await;
            let action = sim
                .ok(
                    proto,
                    "account.payment.register",
                    "action_create_payments",
                    Some(vec![wiz]),
                    json!({"context": pctx}),
                )
                .await;
            assert_eq!(action["res_model"], "account.payment");
            let inv = sim
                .read1(
                    proto,
                    "account.move",
                    invoice,
                    &["payment_state", "amount_residual"],
                )
                .await;
            assert_eq!(
                (inv["payment_state"].as_str(), inv["amount_residual"].as_f64()),
                (Some(state), Some(residual))
            );
        }
        let pays = sim.ok(proto, "account.payment", "search_read", None, json!({"domain": [["memo", "=", "stripe pi_123"], ["amount", "=", 20.0]], "fields": ["memo", "journal_id"]})).await;
        assert_eq!(pays[0]["journal_id"][0], json!(bank));

        // Refund.
        let rctx = json!({"active_model": "account.move", "active_ids": [invoice]});
        let wiz = sim
            .create_ctx(
                proto,
                "account.move.reversal",
                json!({"reason": "returned", "journal_id": 1}),
                &rctx,
            )
            .await;
        sim.ok(
            proto,
            "account.move.reversal",
            "refund_moves",
            Some(vec![wiz]),
            json!({"context": rctx}),
        )
        .await;
        let refunds = sim.ok(proto, "account.move", "search_read", None, json!({"domain": [["reversed_entry_id", "=", invoice]], "fields": ["move_type", "state", "reversed_entry_id"]})).await;
        assert_eq!(refunds.as_array().map(Vec::len), Some(1));
        assert_eq!(
            (refunds[0]["move_type"].as_str(), refunds[0]["state"].as_str()),
            (Some("out_refund"), Some("draft"))
        );
        assert_eq!(refunds[0]["reversed_entry_id"][0], json!(invoice));

        // Shipment.
        let w = sim
            .ok(
                proto,
                "stock.picking",
                "write",
                Some(vec![picking]),
                json!({"vals": {"carrier_tracking_ref": "1Z999"}}),
            )
            .await;
        assert_eq!(w, json!(true));
        assert_eq!(
            sim.ok(
                proto,
                "stock.picking",
                "button_validate",
                Some(vec![picking]),
                json!({})
            )
            .await,
            json!(true)
        );
        let p = sim
            .read1(
                proto,
                "stock.picking",
                picking,
                &["state", "carrier_tracking_ref", "sale_id"],
            )
            .await;
        assert_eq!(
            (p["state"].as_str(), p["carrier_tracking_ref"].as_str()),
            (Some("done"), Some("1Z999"))
        );
        assert_eq!(p["sale_id"][0], json!(order));
    }
}

#[tokio::test]
async fn payment_on_draft_invoice_is_a_user_error() {
    let sim = Sim::default().await;
    let proto = Proto::Json2;
    let (product, partner) = seed(&sim, proto, "D-1").await;
    let lines = json!([[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 5.0}]]);
    let order = sim
        .create(
            proto,
            "sale.order",
            json!({"partner_id": partner, "order_line": lines}),
        )
        .await;
    sim.ok(
        proto,
        "sale.order",
        "action_confirm",
        Some(vec![order]),
        json!({}),
    )
    .await;
    let ctx = json!({"active_model": "sale.order", "active_ids": [order]});
    let wiz = sim
        .create_ctx(proto, "sale.advance.payment.inv", json!({}), &ctx)
        .await;
    sim.ok(
        proto,
        "sale.advance.payment.inv",
        "create_invoices",
        Some(vec![wiz]),
        json!({"context": ctx}),
    )
    .await;
    let invoice = sim.read1(proto, "sale.order", order, &["invoice_ids"]).await["invoice_ids"][0].clone();
    let pctx = json!({"active_model": "account.move", "active_ids": [invoice]});
    let f = sim
        .fail(
            proto,
            "account.payment.register",
            "create",
            None,
            json!({"vals_list": [{"amount": 5.75}], "context": pctx}),
        )
        .await;
    assert_eq!((f.status, f.name()), (422, "odoo.exceptions.UserError"));
    assert_eq!(
        f.message(),
        "You can only register payment for posted journal entries."
    );
}

#[tokio::test]
async fn confirmed_order_rules_and_inactive_currency() {
    let sim = Sim::default().await;
    for (n, proto) in BOTH.into_iter().enumerate() {
        let (product, partner) = seed(&sim, proto, &format!("C-{n}")).await;
        let other = sim
            .create(proto, "product.product", json!({"name": "Other"}))
            .await;
        let lines = json!([[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 7.0}]]);
        let order = sim
            .create(
                proto,
                "sale.order",
                json!({"partner_id": partner, "order_line": lines}),
            )
            .await;
        sim.ok(
            proto,
            "sale.order",
            "action_confirm",
            Some(vec![order]),
            json!({}),
        )
        .await;
        let line = sim.read1(proto, "sale.order", order, &["order_line"]).await["order_line"][0]
            .as_i64()
            .expect("line");
        let f = sim
            .fail(
                proto,
                "sale.order",
                "write",
                Some(vec![order]),
                json!({"vals": {"order_line": [[1, line, {"product_id": other}]]}}),
            )
            .await;
        assert_eq!(f.name(), "odoo.exceptions.UserError");
        let f = sim
            .fail(
                proto,
                "sale.order",
                "write",
                Some(vec![order]),
                json!({"vals": {"order_line": [[2, line]]}}),
            )
            .await;
        assert!(
            f.message()
                .starts_with("Once a sales order is confirmed, you can't remove one of its lines")
        );
        // Quantity changes and new lines stay allowed, and totals follow.
        sim.ok(
            proto,
            "sale.order",
            "write",
            Some(vec![order]),
            json!({"vals": {"order_line": [[1, line, {"product_uom_qty": 2}]]}}),
        )
        .await;
        assert_eq!(
            sim.read1(proto, "sale.order", order, &["amount_total"]).await["amount_total"],
            json!(16.1)
        );

        let all = sim
            .ok(
                proto,
                "res.currency",
                "search_read",
                None,
                json!({"domain": [["name", "in", ["IDR", "USD"]]], "fields": ["name"]}),
            )
            .await;
        assert_eq!(
            all.as_array().map(Vec::len),
            Some(1),
            "IDR is inactive and hidden by default"
        );
        let all = sim.ok(proto, "res.currency", "search_read", None, json!({"domain": [["name", "=", "IDR"]], "fields": ["active"], "context": {"active_test": false}})).await;
        assert_eq!(all[0]["active"], json!(false));
        let idr = all[0]["id"].clone();
        let f = sim
            .fail(
                proto,
                "sale.order",
                "create",
                None,
                json!({"vals_list": [{"partner_id": partner, "currency_id": idr}]}),
            )
            .await;
        assert_eq!(f.name(), "odoo.exceptions.UserError");
        assert!(f.message().contains("IDR is not active"), "{}", f.message());
    }
}

#[tokio::test]
async fn without_stock_delivery_tracking_ref_is_unknown() {
    let sim = Sim::start(SimConfig {
        stock_delivery: false,
        ..SimConfig::default()
    })
    .await;
    for proto in BOTH {
        let fields = sim
            .ok(
                proto,
                "stock.picking",
                "fields_get",
                None,
                json!({"attributes": ["type"]}),
            )
            .await;
        assert!(fields.get("carrier_tracking_ref").is_none());
        assert_eq!(fields["state"], json!({"type": "selection"}));
        let (product, partner) = seed(&sim, proto, &format!("{proto:?}")).await;
        let lines = json!([[0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 1.0}]]);
        let order = sim
            .create(
                proto,
                "sale.order",
                json!({"partner_id": partner, "order_line": lines}),
            )
            .await;
        sim.ok(
            proto,
            "sale.order",
            "action_confirm",
            Some(vec![order]),
            json!({}),
        )
        .await;
        let picking = sim.read1(proto, "sale.order", order, &["picking_ids"]).await["picking_ids"][0]
            .as_i64()
            .expect("picking");
        let f = sim
            .fail(
                proto,
                "stock.picking",
                "write",
                Some(vec![picking]),
                json!({"vals": {"carrier_tracking_ref": "X"}}),
            )
            .await;
        assert_eq!(
            (f.name(), f.message()),
            ("builtins.KeyError", "carrier_tracking_ref")
        );
    }
}

#[tokio::test]
async fn stock_levels_and_read_group() {
    let sim = Sim::default().await;
    let proto = Proto::Json2;
    let (product, partner) = seed(&sim, proto, "STK").await;
    let quant = sim
        .create(
            proto,
            "stock.quant",
            json!({"product_id": product, "inventory_quantity": 10.0}),
        )
        .await;
    sim.ok(
        proto,
        "stock.quant",
        "action_apply_inventory",
        Some(vec![quant]),
        json!({}),
    )
    .await;
    let lines = json!([[0, 0, {"product_id": product, "product_uom_qty": 3, "price_unit": 1.0}]]);
    let order = sim
        .create(
            proto,
            "sale.order",
            json!({"partner_id": partner, "order_line": lines}),
        )
        .await;
    sim.ok(
        proto,
        "sale.order",
        "action_confirm",
        Some(vec![order]),
        json!({}),
    )
    .await;
    let p = sim
        .read1(
            proto,
            "product.product",
            product,
            &["qty_available", "free_qty", "virtual_available"],
        )
        .await;
    assert_eq!(
        (
            p["qty_available"].as_f64(),
            p["free_qty"].as_f64(),
            p["virtual_available"].as_f64()
        ),
        (Some(10.0), Some(7.0), Some(7.0))
    );
    let picking = sim.read1(proto, "sale.order", order, &["picking_ids"]).await["picking_ids"][0]
        .as_i64()
        .expect("picking");
    sim.ok(
        proto,
        "stock.picking",
        "button_validate",
        Some(vec![picking]),
        json!({}),
    )
    .await;
    let p = sim
        .read1(proto, "product.product", product, &["qty_available"])
        .await;
    assert_eq!(p["qty_available"].as_f64(), Some(7.0));

    let groups = sim
        .ok(
            proto,
            "sale.order",
            "read_group",
            None,
            json!({"domain": [], "fields": ["amount_total:sum"], "groupby": ["state"]}),
        )
        .await;
    let sale: Vec<&Value> = groups
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["state"] == "sale")
        .collect();
    assert_eq!(sale[0]["state_count"], json!(1));
    assert_eq!(sale[0]["amount_total"], json!(3.45));
}
