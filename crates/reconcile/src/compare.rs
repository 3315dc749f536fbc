//! The pure comparison of one applied ledger entry with what Odoo holds for it: no I/O,
//! so every rule is unit-tested here and the I/O modules only gather facts.

use std::collections::HashMap;

use chrono::NaiveDate;
use spine_core::contracts::CanonicalEvent;
use spine_core::{Envelope, ExternalId, Flow, LedgerEntry, Money};

use crate::report::{Amount, Exception, ExceptionKind};

pub(crate) const ORDER: &str = "sale.order";
pub(crate) const MOVE: &str = "account.move";
pub(crate) const PAYMENT: &str = "account.payment";
pub(crate) const PICKING: &str = "stock.picking";

/// Invoice payment states that agree with "paid at the gateway".
const PAID_STATES: [&str; 3] = ["paid", "in_payment", "partial"];

/// What the ledger says about one applied event: compact, no payload kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expect {
    pub event_key: String,
    pub source_id: String,
    pub flow: Flow,
    pub day: NaiveDate,
    /// The main record's external id name (module `spine`) and its model.
    pub xid: String,
    pub model: &'static str,
    pub amount: Option<Money>,
    /// For payments: the order's invoice, whose state and total are checked too.
    pub invoice_xid: Option<String>,
}

/// The external id name and model of an event's main Odoo record, from its business
/// key: the same ids `spine_core::contracts::xids` defines for the sync workers.
pub(crate) fn main_xid(entry: &LedgerEntry) -> (String, &'static str) {
    let key = &entry.business_key;
    let (kind, model) = match entry.flow {
        Flow::Order => ("order", ORDER),
        Flow::Payment => ("payment", PAYMENT),
        Flow::Refund => ("refund", MOVE),
        Flow::Shipment => ("shipment", PICKING),
    };
    let xid = ExternalId::from_parts(&[key.source.as_str(), kind, key.entity_id.as_str()]);
    (xid.name().to_owned(), model)
}

/// For a payment, the external id name of its order's invoice (the payment flow creates
/// and tags it); `None` for other flows, or when the stored payload is not an envelope.
pub(crate) fn invoice_name(entry: &LedgerEntry) -> Option<String> {
    if entry.flow != Flow::Payment {
        return None;
    }
    let envelope = serde_json::from_value::<Envelope>(entry.payload.clone()).ok()?;
    match envelope.event {
        CanonicalEvent::PaymentV1(p) => Some(p.order.invoice_xid().name().to_owned()),
        _ => None,
    }
}

impl Expect {
    /// The compact expectation of an applied entry; `invoice_xid` from
    /// [`invoice_name`]. A payment without one still gets its own checks, only not the
    /// invoice's.
    pub(crate) fn of(entry: &LedgerEntry, day: NaiveDate, invoice_xid: Option<String>) -> Self {
        let (xid, model) = main_xid(entry);
        Self {
            event_key: entry.event_key.as_str().to_owned(),
            source_id: entry.business_key.render(),
            flow: entry.flow,
            day,
            xid,
            model,
            amount: entry.amount,
            invoice_xid,
        }
    }
}

/// The fields of one Odoo record the comparison needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Facts {
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub payment_state: Option<String>,
}

/// What Odoo holds for one page of expectations.
#[derive(Debug, Default)]
pub(crate) struct OdooPage {
    /// External id name to (model, database id).
    pub xids: HashMap<String, (String, i64)>,
    /// (model, id) to the record's facts; a record absent here does not exist.
    pub records: HashMap<(String, i64), Facts>,
}

impl OdooPage {
    fn record(&self, xid: &str, model: &str) -> Option<(i64, &Facts)> {
        let (m, id) = self.xids.get(xid)?;
        if m != model {
            return None;
        }
        self.records.get(&(m.clone(), *id)).map(|f| (*id, f))
    }
}

/// The result of comparing one expectation.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub exceptions: Vec<Exception>,
    /// Odoo's amount for the totals, when the record was found with one.
    pub found: Option<Money>,
    pub present: bool,
}

/// Compares one applied event with Odoo (see the crate documentation for the rules).
pub(crate) fn compare(expect: &Expect, odoo: &OdooPage, tolerance_minor: i64) -> Outcome {
    let mut out = Outcome::default();
    let Some((id, facts)) = odoo.record(&expect.xid, expect.model) else {
        out.exceptions.push(exception(
            expect,
            ExceptionKind::Missing,
            vec![],
            None,
            "applied in the ledger, absent in Odoo".into(),
            "heal: re-enqueue the event from the ledger (dry-run first)",
        ));
        return out;
    };
    out.present = true;
    let odoo_ref = vec![format!("{}:{id}", expect.model)];
    if let Some(expected) = expect.amount {
        let found = amount_of(facts, expected);
        out.found = found.filter(|f| f.currency == expected.currency);
        if differs(expected, found, tolerance_minor) {
            out.exceptions.push(exception(
                expect,
                ExceptionKind::Mismatch,
                odoo_ref.clone(),
                found,
                "total".into(),
                "check taxes and prices in Odoo against the source",
            ));
        }
    }
    if let Some(invoice_xid) = &expect.invoice_xid {
        check_invoice(expect, odoo, invoice_xid, tolerance_minor, &mut out);
    }
    out
}

fn check_invoice(expect: &Expect, odoo: &OdooPage, xid: &str, tolerance_minor: i64, out: &mut Outcome) {
    let Some((id, facts)) = odoo.record(xid, MOVE) else {
        out.exceptions.push(exception(
            expect,
            ExceptionKind::Mismatch,
            vec![],
            None,
            "state: paid at the gateway, no invoice in Odoo".into(),
            "create and post the order's invoice, then register the payment",
        ));
        return;
    };
    let odoo_ref = vec![format!("{MOVE}:{id}")];
    let state = facts.payment_state.as_deref().unwrap_or("");
    if !PAID_STATES.contains(&state) {
        out.exceptions.push(exception(
            expect,
            ExceptionKind::Mismatch,
            odoo_ref.clone(),
            None,
            format!("state: paid at the gateway, invoice {state} in Odoo"),
            "register the payment on the invoice or reconcile it with the bank line",
        ));
    }
    if let Some(expected) = expect.amount {
        let total = amount_of(facts, expected);
        if differs(expected, total, tolerance_minor) {
            out.exceptions.push(exception(
                expect,
                ExceptionKind::Mismatch,
                odoo_ref,
                total,
                "payment_vs_invoice".into(),
                "check for a partial or over-payment and settle the difference",
            ));
        }
    }
}

/// Odoo's amount in the currency it names (the expected one when it names none).
fn amount_of(facts: &Facts, expected: Money) -> Option<Money> {
    let currency = match facts.currency.as_deref() {
        Some(code) => spine_core::Currency::parse(code).ok()?,
        None => expected.currency,
    };
    Money::from_odoo_float(facts.amount?, currency).ok()
}

fn differs(expected: Money, found: Option<Money>, tolerance_minor: i64) -> bool {
    match found {
        Some(found) => {
            found.currency != expected.currency || (found.minor - expected.minor).abs() > tolerance_minor
        }
        None => true,
    }
}

fn exception(
    expect: &Expect,
    kind: ExceptionKind,
    odoo: Vec<String>,
    found: Option<Money>,
    detail: String,
    action: &str,
) -> Exception {
    Exception {
        kind,
        flow: expect.flow,
        day: Some(expect.day),
        event_key: Some(expect.event_key.clone()),
        source_id: expect.source_id.clone(),
        odoo,
        expected: expect.amount.map(amount),
        found: found.map(amount),
        detail,
        action: action.to_owned(),
        count: 1,
    }
}

/// A money value as the report writes it.
pub(crate) fn amount(money: Money) -> Amount {
    Amount {
        minor: money.minor,
        currency: money.currency.as_str().to_owned(),
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
