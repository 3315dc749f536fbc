use super::*;
use spine_core::Currency;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").unwrap())
}

fn expect(flow: Flow, model: &'static str, amount: i64, invoice: Option<&str>) -> Expect {
    Expect {
        event_key: "shopify:e1".into(),
        source_id: "order:shopify:1#0".into(),
        flow,
        day: "2026-11-20".parse().unwrap(),
        xid: "shopify_x_1".into(),
        model,
        amount: Some(usd(amount)),
        invoice_xid: invoice.map(str::to_owned),
    }
}

fn page(records: &[(&str, &str, i64, f64, Option<&str>)]) -> OdooPage {
    let mut page = OdooPage::default();
    for (xid, model, id, total, state) in records {
        page.xids.insert((*xid).into(), ((*model).into(), *id));
        page.records.insert(
            ((*model).into(), *id),
            Facts {
                amount: Some(*total),
                currency: Some("USD".into()),
                payment_state: state.map(str::to_owned),
            },
        );
    }
    page
}

#[test]
fn a_matching_order_is_no_exception_and_counts_its_total() {
    let out = compare(
        &expect(Flow::Order, ORDER, 3450, None),
        &page(&[("shopify_x_1", ORDER, 7, 34.5, None)]),
        1,
    );
    assert!(out.exceptions.is_empty());
    assert!(out.present);
    assert_eq!(out.found, Some(usd(3450)));
}

#[test]
fn an_absent_or_dangling_external_id_is_missing() {
    let absent = compare(&expect(Flow::Order, ORDER, 3450, None), &OdooPage::default(), 1);
    assert_eq!(absent.exceptions[0].kind, ExceptionKind::Missing);
    // The external id outlived its record (deleted by hand on a server that keeps it).
    let mut dangling = page(&[]);
    dangling.xids.insert("shopify_x_1".into(), (ORDER.into(), 9));
    let out = compare(&expect(Flow::Order, ORDER, 3450, None), &dangling, 1);
    assert_eq!(out.exceptions.len(), 1);
    assert_eq!(out.exceptions[0].kind, ExceptionKind::Missing);
    assert!(!out.present);
}

#[test]
fn totals_beyond_the_tolerance_are_mismatches_and_within_are_not() {
    let e = expect(Flow::Order, ORDER, 3450, None);
    assert!(
        compare(&e, &page(&[("shopify_x_1", ORDER, 7, 34.51, None)]), 1)
            .exceptions
            .is_empty()
    );
    let out = compare(&e, &page(&[("shopify_x_1", ORDER, 7, 34.52, None)]), 1);
    assert_eq!(out.exceptions.len(), 1);
    assert_eq!(out.exceptions[0].kind, ExceptionKind::Mismatch);
    assert_eq!(out.exceptions[0].found.as_ref().unwrap().minor, 3452);
    assert_eq!(out.exceptions[0].odoo, vec!["sale.order:7".to_owned()]);
}

#[test]
fn a_record_of_another_model_under_the_id_is_missing() {
    let out = compare(
        &expect(Flow::Order, ORDER, 3450, None),
        &page(&[("shopify_x_1", MOVE, 7, 34.5, None)]),
        1,
    );
    assert_eq!(out.exceptions[0].kind, ExceptionKind::Missing);
}

#[test]
fn a_payment_checks_its_invoice_state_and_total() {
    let e = expect(Flow::Payment, PAYMENT, 3450, Some("shopify_invoice_1"));
    let paid = page(&[
        ("shopify_x_1", PAYMENT, 3, 34.5, None),
        ("shopify_invoice_1", MOVE, 4, 34.5, Some("paid")),
    ]);
    assert!(compare(&e, &paid, 1).exceptions.is_empty());
    let unpaid = page(&[
        ("shopify_x_1", PAYMENT, 3, 34.5, None),
        ("shopify_invoice_1", MOVE, 4, 40.0, Some("not_paid")),
    ]);
    let details: Vec<String> = compare(&e, &unpaid, 1)
        .exceptions
        .into_iter()
        .map(|x| x.detail)
        .collect();
    assert_eq!(
        details,
        vec![
            "state: paid at the gateway, invoice not_paid in Odoo",
            "payment_vs_invoice"
        ]
    );
    let no_invoice = page(&[("shopify_x_1", PAYMENT, 3, 34.5, None)]);
    let out = compare(&e, &no_invoice, 1);
    assert_eq!(out.exceptions.len(), 1);
    assert!(out.exceptions[0].detail.contains("no invoice"));
}

#[test]
fn another_currency_in_odoo_is_a_mismatch_and_not_totalled() {
    let mut p = page(&[("shopify_x_1", ORDER, 7, 34.5, None)]);
    if let Some(f) = p.records.get_mut(&(ORDER.to_owned(), 7)) {
        f.currency = Some("EUR".into());
    }
    let out = compare(&expect(Flow::Order, ORDER, 3450, None), &p, 1);
    assert_eq!(out.exceptions[0].kind, ExceptionKind::Mismatch);
    assert_eq!(out.found, None);
}
