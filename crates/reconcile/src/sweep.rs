//! The Odoo side of the window: sale orders dated in it, read in pages by id, to find
//! what the ledger cannot show: orders under the spine's module without a ledger entry
//! (unknown) and several orders for one client reference (duplicates, including orders
//! made by hand with a copied `client_order_ref`).
//!
//! Per page of orders: one `search_read` of `sale.order` (id, reference, date) and one
//! `search_read` of `ir.model.data` for their spine external ids. Memory: the window's
//! client references with their order ids, never the records themselves.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use spine_core::Flow;
use spine_core::ids::EXTERNAL_ID_MODULE;
use spine_odoo::{Domain, OdooClient, Op, SearchOpts};

use crate::compare::ORDER;
use crate::error::ReconcileError;
use crate::report::{Exception, ExceptionKind};

/// Odoo's datetime text, in UTC.
const ODOO_DATETIME: &str = "%Y-%m-%d %H:%M:%S";

/// One order of a reference: id, local day, spine external id name.
type RefOrder = (i64, Option<NaiveDate>, Option<String>);

/// What the sweep keeps between pages.
#[derive(Debug, Default)]
struct Refs {
    /// Client reference to (order id, local day, spine external id name).
    by_ref: BTreeMap<String, Vec<RefOrder>>,
}

/// Sweeps the sale orders dated in `[start, end)`; `known` holds the order external id
/// names the ledger accounts for (the window and its neighbouring days).
pub(crate) async fn sweep_orders(
    odoo: &OdooClient,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    offset: FixedOffset,
    known: &HashSet<String>,
    page_size: u32,
) -> Result<Vec<Exception>, ReconcileError> {
    let mut refs = Refs::default();
    let mut exceptions = Vec::new();
    let mut after = 0i64;
    loop {
        let domain = Domain::all()
            .term("date_order", Op::Ge, start.format(ODOO_DATETIME).to_string())
            .term("date_order", Op::Lt, end.format(ODOO_DATETIME).to_string())
            .term("id", Op::Gt, after);
        let opts = SearchOpts {
            limit: Some(page_size),
            order: Some("id asc".into()),
            ..SearchOpts::default()
        };
        let rows = odoo
            .search_read(ORDER, &domain, &["client_order_ref", "date_order"], &opts)
            .await
            .map_err(ReconcileError::odoo("sweep sale.order"))?;
        let Some(last) = rows.last().and_then(|r| r.get("id")).and_then(Value::as_i64) else {
            break;
        };
        after = last;
        let ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
            .collect();
        let names = spine_names(odoo, &ids).await?;
        for row in &rows {
            let Some(id) = row.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let day = row
                .get("date_order")
                .and_then(Value::as_str)
                .and_then(|d| local_day(d, offset));
            let name = names.get(&id).cloned();
            if let Some(name) = &name
                && !known.contains(name)
            {
                exceptions.push(unknown(id, day, name));
            }
            if let Some(reference) = row.get("client_order_ref").and_then(Value::as_str) {
                refs.by_ref
                    .entry(reference.to_owned())
                    .or_default()
                    .push((id, day, name));
            }
        }
        if rows.len() < page_size as usize {
            break;
        }
    }
    exceptions.extend(duplicates(refs));
    Ok(exceptions)
}

/// The spine external id name of each of `ids` that has one.
async fn spine_names(odoo: &OdooClient, ids: &[i64]) -> Result<HashMap<i64, String>, ReconcileError> {
    let domain = Domain::all()
        .eq("module", EXTERNAL_ID_MODULE)
        .eq("model", ORDER)
        .is_in("res_id", ids.iter().copied());
    let rows = odoo
        .search_read(
            "ir.model.data",
            &domain,
            &["name", "res_id"],
            &SearchOpts::default(),
        )
        .await
        .map_err(ReconcileError::odoo("read ir.model.data of orders"))?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = r.get("res_id").and_then(Value::as_i64)?;
            let name = r.get("name").and_then(Value::as_str)?;
            Some((id, name.to_owned()))
        })
        .collect())
}

fn local_day(text: &str, offset: FixedOffset) -> Option<NaiveDate> {
    let naive = NaiveDateTime::parse_from_str(text, ODOO_DATETIME).ok()?;
    Some(naive.and_utc().with_timezone(&offset).date_naive())
}

fn unknown(id: i64, day: Option<NaiveDate>, name: &str) -> Exception {
    Exception {
        kind: ExceptionKind::Unknown,
        flow: Flow::Order,
        day,
        event_key: None,
        source_id: format!("{EXTERNAL_ID_MODULE}.{name}"),
        odoo: vec![format!("{ORDER}:{id}")],
        expected: None,
        found: None,
        detail: "spine external id without a ledger entry".into(),
        action: "find who created it (import, restore, another environment) and remove or adopt it".into(),
        count: 1,
    }
}

fn duplicates(refs: Refs) -> Vec<Exception> {
    refs.by_ref
        .into_iter()
        .filter(|(_, orders)| orders.len() > 1)
        .map(|(reference, orders)| {
            let by_hand: Vec<String> = orders
                .iter()
                .filter(|(_, _, name)| name.is_none())
                .map(|(id, _, _)| format!("{ORDER}:{id}"))
                .collect();
            let action = if by_hand.is_empty() {
                "several spine orders for one reference: check the source's order ids".to_owned()
            } else {
                format!(
                    "cancel the order(s) made outside the spine: {}",
                    by_hand.join(", ")
                )
            };
            Exception {
                kind: ExceptionKind::Duplicate,
                flow: Flow::Order,
                day: orders.iter().filter_map(|(_, day, _)| *day).min(),
                event_key: None,
                source_id: reference,
                odoo: orders.iter().map(|(id, _, _)| format!("{ORDER}:{id}")).collect(),
                expected: None,
                found: None,
                detail: format!("{} sale orders share this client_order_ref", orders.len()),
                action,
                count: 1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reference_on_several_orders_is_one_duplicate_naming_the_hand_made_ones() {
        let mut refs = Refs::default();
        let day = Some("2026-11-20".parse().unwrap());
        refs.by_ref.insert(
            "#1".into(),
            vec![(1, day, Some("shopify_order_1".into())), (5, day, None)],
        );
        refs.by_ref
            .insert("#2".into(), vec![(2, day, Some("shopify_order_2".into()))]);
        let found = duplicates(refs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source_id, "#1");
        assert_eq!(found[0].odoo, vec!["sale.order:1", "sale.order:5"]);
        assert!(found[0].action.ends_with("sale.order:5"));
    }

    #[test]
    fn odoo_datetimes_are_read_as_utc_and_dated_locally() {
        let plus7 = FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(
            local_day("2026-11-20 18:30:00", plus7),
            Some("2026-11-21".parse().unwrap())
        );
        assert_eq!(local_day("not a date", plus7), None);
    }
}
