//! What Odoo holds for a run, read directly (never through the spine's counters): sale
//! orders by client reference, invoices and credit notes by origin, payments by memo,
//! tracking numbers on deliveries.

use crate::plan::Plan;
use anyhow::Result;
use spine_odoo::{Domain, OdooClient, Op, Record, SearchOpts};
use std::collections::{BTreeMap, BTreeSet};

/// Odoo's records concerning the run's orders (valid and forged).
#[derive(Clone, Debug, Default)]
pub struct OdooFacts {
    /// client_order_ref -> the sale orders carrying it (id, name).
    pub orders: BTreeMap<String, Vec<(i64, String)>>,
    /// Sale order name -> its customer invoices.
    pub invoices: BTreeMap<String, usize>,
    /// Sale order name -> its credit notes.
    pub credit_notes: BTreeMap<String, usize>,
    /// Reversed invoice id -> credit notes reversing it.
    pub reversals: BTreeMap<i64, usize>,
    /// Payment memo -> payments carrying it (the run's memos all contain "proof").
    pub payments: BTreeMap<String, usize>,
    /// Tracking numbers found on deliveries.
    pub tracking: BTreeSet<String>,
}

impl OdooFacts {
    /// Extra copies over all groups (a group of n holds n - 1 duplicates).
    pub fn duplicates(&self) -> u64 {
        let extra = |n: usize| n.saturating_sub(1) as u64;
        self.orders.values().map(|v| extra(v.len())).sum::<u64>()
            + self.invoices.values().map(|n| extra(*n)).sum::<u64>()
            + self.reversals.values().map(|n| extra(*n)).sum::<u64>()
            + self.payments.values().map(|n| extra(*n)).sum::<u64>()
    }
}

fn text(record: &Record, field: &str) -> String {
    record
        .get(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn many2one(record: &Record, field: &str) -> Option<i64> {
    let value = record.get(field)?;
    value.as_i64().or_else(|| value.get(0)?.as_i64())
}

async fn read_all(odoo: &OdooClient, model: &str, domain: &Domain, fields: &[&str]) -> Result<Vec<Record>> {
    Ok(odoo
        .search_read(model, domain, fields, &SearchOpts::default())
        .await?)
}

/// Reads the facts for `plan` (chunked, so a 2,000-order run stays within request sizes).
pub async fn read(odoo: &OdooClient, plan: &Plan) -> Result<OdooFacts> {
    let mut facts = OdooFacts::default();
    let mut refs: Vec<String> = plan.orders.iter().map(|o| o.client_ref()).collect();
    refs.extend(
        plan.forged_ids
            .iter()
            .flat_map(|id| [format!("#{id}"), id.to_string()]),
    );
    for chunk in refs.chunks(500) {
        let domain = Domain::all().is_in("client_order_ref", chunk.to_vec());
        for row in read_all(odoo, "sale.order", &domain, &["client_order_ref", "name"]).await? {
            let id = row.get("id").and_then(|v| v.as_i64()).unwrap_or_default();
            facts
                .orders
                .entry(text(&row, "client_order_ref"))
                .or_default()
                .push((id, text(&row, "name")));
        }
    }
    let names: Vec<String> = facts
        .orders
        .values()
        .flatten()
        .map(|(_, name)| name.clone())
        .collect();
    for chunk in names.chunks(500) {
        let domain = Domain::all().is_in("invoice_origin", chunk.to_vec());
        let fields = ["invoice_origin", "move_type", "reversed_entry_id"];
        for row in read_all(odoo, "account.move", &domain, &fields).await? {
            let origin = text(&row, "invoice_origin");
            match text(&row, "move_type").as_str() {
                "out_invoice" => *facts.invoices.entry(origin).or_default() += 1,
                "out_refund" => {
                    *facts.credit_notes.entry(origin).or_default() += 1;
                    if let Some(reversed) = many2one(&row, "reversed_entry_id") {
                        *facts.reversals.entry(reversed).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let domain = Domain::all().term("memo", Op::ILike, "proof");
    for row in read_all(odoo, "account.payment", &domain, &["memo"]).await? {
        *facts.payments.entry(text(&row, "memo")).or_default() += 1;
    }
    let domain = Domain::all().term("carrier_tracking_ref", Op::ILike, "JNE");
    for row in read_all(odoo, "stock.picking", &domain, &["carrier_tracking_ref"]).await? {
        facts.tracking.insert(text(&row, "carrier_tracking_ref"));
    }
    Ok(facts)
}

/// Genuine business objects of the plan that Odoo does not hold: (orders, payments,
/// refunds, shipments) missing.
pub fn missing(plan: &Plan, facts: &OdooFacts) -> [u64; 4] {
    let mut missing = [0u64; 4];
    for order in &plan.orders {
        let found = facts.orders.get(&order.client_ref());
        let Some((_, name)) = found.and_then(|v| v.first()) else {
            missing[0] += 1;
            missing[1] += u64::from(order.gateway.is_some());
            missing[2] += u64::from(order.refunded);
            missing[3] += u64::from(order.shipped);
            continue;
        };
        let id = order.id.to_string();
        if order.gateway.is_some() && !facts.payments.keys().any(|memo| memo.contains(&id)) {
            missing[1] += 1;
        }
        if order.refunded && facts.credit_notes.get(name).copied().unwrap_or(0) == 0 {
            missing[2] += 1;
        }
        if order.shipped && !facts.tracking.contains(&format!("JNE{id}ID")) {
            missing[3] += 1;
        }
    }
    missing
}
