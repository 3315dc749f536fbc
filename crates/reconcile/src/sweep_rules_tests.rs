use serde_json::json;

use super::*;

fn spec(model: &str, xid_kind: &str) -> &'static Spec {
    SPECS
        .iter()
        .find(|s| s.model == model && s.xid_kind == xid_kind)
        .expect("a swept model")
}

fn row(id: i64, day: &str) -> Row {
    Row {
        id,
        day: day.parse().ok(),
        key: None,
        link: None,
        live: true,
    }
}

fn member(id: i64, name: Option<&str>) -> Member {
    (row(id, "2026-11-20"), name.map(str::to_owned))
}

fn record(value: Value) -> Record {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn a_hand_made_copy_of_a_spine_order_is_a_duplicate_naming_the_copy() {
    let orders = spec("sale.order", "order");
    let members = [member(1, Some("shopify_order_1")), member(5, None)];
    let found = duplicate(orders, "#1", &members).expect("a duplicate");
    assert_eq!(found.kind, ExceptionKind::Duplicate);
    assert_eq!(found.flow, Flow::Order);
    assert_eq!(found.source_id, "#1");
    assert_eq!(found.odoo, vec!["sale.order:1", "sale.order:5"]);
    assert!(found.action.ends_with("sale.order:5"), "{}", found.action);
    assert_eq!(found.detail, "2 sale orders share this client_order_ref");
    assert_eq!(found.day, Some("2026-11-20".parse().unwrap()));
}

#[test]
fn groups_the_spine_did_not_touch_or_one_record_are_not_duplicates() {
    let orders = spec("sale.order", "order");
    assert!(duplicate(orders, "#1", &[member(1, Some("shopify_order_1"))]).is_none());
    // A customer's PO number used twice by hand is not the spine's business.
    assert!(duplicate(orders, "PO-7", &[member(1, None), member(2, None)]).is_none());
}

#[test]
fn two_shops_with_the_same_order_number_are_not_a_duplicate_but_one_shop_twice_is() {
    let orders = spec("sale.order", "order");
    let shops = [
        member(1, Some("shopify_order_1001")),
        member(2, Some("woocommerce_order_77")),
    ];
    assert!(duplicate(orders, "#1001", &shops).is_none());
    let twice = [
        member(1, Some("shopify_order_1001")),
        member(2, Some("shopify_order_1002")),
    ];
    let found = duplicate(orders, "#1001", &twice).expect("one source twice");
    assert!(
        found.action.starts_with("several spine sale orders"),
        "{}",
        found.action
    );
}

#[test]
fn credit_notes_sharing_the_spine_marker_are_duplicates_even_untagged() {
    let credit = spec("account.move", "refund");
    let members = [member(8, None), member(9, None)];
    let found = duplicate(credit, "spine.stripe_refund_re_1", &members).expect("duplicate");
    assert_eq!(found.flow, Flow::Refund);
    assert_eq!(found.detail, "2 credit notes share this refund marker");
    let payments = spec("account.payment", "payment");
    let members = [member(3, Some("stripe_payment_pi_1")), member(4, None)];
    let found = duplicate(payments, "stripe pi_1", &members).expect("duplicate");
    assert_eq!(found.flow, Flow::Payment);
    assert_eq!(found.odoo, vec!["account.payment:3", "account.payment:4"]);
}

#[test]
fn unknown_is_a_tagged_record_the_ledger_does_not_account_for() {
    let invoices = spec("account.move", "invoice");
    let known: HashSet<String> = ["shopify_invoice_1".to_owned()].into();
    let r = row(12, "2026-11-20");
    assert!(unknown(invoices, &r, "shopify_invoice_1", &known).is_none());
    let found = unknown(invoices, &r, "shopify_invoice_2", &known).expect("unknown");
    assert_eq!(found.source_id, "spine.shopify_invoice_2");
    assert_eq!(found.odoo, vec!["account.move:12"]);
    assert_eq!(found.flow, Flow::Payment);
    assert_eq!(found.day, r.day);
}

#[test]
fn the_spine_marker_is_found_inside_a_reference() {
    assert_eq!(
        spine_marker("Reversal of: INV/2026/00001, spine.stripe_refund_re_1: damaged"),
        Some("spine.stripe_refund_re_1")
    );
    assert_eq!(spine_marker("spine.x_refund_9"), Some("spine.x_refund_9"));
    assert_eq!(spine_marker("Reversal of: INV/2026/00001, broken"), None);
    assert_eq!(spine_marker("spine."), None);
}

#[test]
fn rows_read_each_models_date_key_and_link() {
    let plus7: DayZone = "+07:00".parse().unwrap();
    let orders = spec("sale.order", "order");
    let r = Row::of(
        orders,
        &record(json!({"id": 3, "date_order": "2026-11-20 18:30:00", "client_order_ref": "#9"})),
        plus7,
    )
    .unwrap();
    // 18:30 UTC is the next day in +07:00.
    assert_eq!(r.day, Some("2026-11-21".parse().unwrap()));
    assert_eq!(r.key.as_deref(), Some("#9"));
    let payments = spec("account.payment", "payment");
    let r = Row::of(
        payments,
        &record(json!({"id": 4, "date": "2026-11-20", "memo": "  "})),
        plus7,
    )
    .unwrap();
    assert_eq!((r.day, r.key), (Some("2026-11-20".parse().unwrap()), None));
    let cancelled = record(json!({"id": 6, "date": "2026-11-20", "memo": "m", "state": "canceled"}));
    assert!(!Row::of(payments, &cancelled, plus7).unwrap().live);
    assert!(r.live, "a record without a state counts");
    let credit = spec("account.move", "refund");
    let r = Row::of(
        credit,
        &record(
            json!({"id": 5, "invoice_date": false, "ref": "Reversal of: INV/1, spine.s_refund_1",
            "reversed_entry_id": [2, "INV/1"]}),
        ),
        plus7,
    )
    .unwrap();
    assert_eq!((r.day, r.link), (None, Some(2)));
    assert_eq!(r.key.as_deref(), Some("spine.s_refund_1"));
    assert!(Row::of(credit, &record(json!({"ref": "x"})), plus7).is_none());
    assert_eq!(local_day("not a date", plus7), None);
}
