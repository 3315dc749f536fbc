//! Reading Odoo for a page of expectations in few round trips: one `ir.model.data`
//! `search_read` for the page's external ids, then one `search_read` per model for the
//! records behind them, with only the fields the comparison needs.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use spine_core::ids::EXTERNAL_ID_MODULE;
use spine_odoo::{Domain, OdooClient, Record, SearchOpts};

use crate::compare::{Expect, Facts, MOVE, ORDER, OdooPage, PAYMENT, PICKING};
use crate::error::ReconcileError;

/// The fields read per model: the amount field first (when the model has one).
fn fields(model: &str) -> &'static [&'static str] {
    match model {
        ORDER => &["amount_total", "currency_id"],
        MOVE => &["amount_total", "currency_id", "payment_state"],
        PAYMENT => &["amount", "currency_id"],
        PICKING => &["state"],
        _ => &[],
    }
}

/// Everything Odoo holds for `page`'s external ids, in 1 + (models present) round trips.
pub(crate) async fn fetch(odoo: &OdooClient, page: &[Expect]) -> Result<OdooPage, ReconcileError> {
    let mut names: Vec<&str> = page.iter().map(|e| e.xid.as_str()).collect();
    names.extend(page.iter().filter_map(|e| e.invoice_xid.as_deref()));
    names.sort_unstable();
    names.dedup();
    let mut out = OdooPage::default();
    if names.is_empty() {
        return Ok(out);
    }
    let rows = odoo
        .external_ids(EXTERNAL_ID_MODULE, &names)
        .await
        .map_err(ReconcileError::odoo("read ir.model.data"))?;
    let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in rows {
        by_model.entry(row.model.clone()).or_default().push(row.res_id);
        out.xids.insert(row.name, (row.model, row.res_id));
    }
    for (model, ids) in by_model {
        out.records.extend(read_facts(odoo, &model, ids).await?);
    }
    Ok(out)
}

async fn read_facts(
    odoo: &OdooClient,
    model: &str,
    ids: Vec<i64>,
) -> Result<HashMap<(String, i64), Facts>, ReconcileError> {
    let wanted = fields(model);
    let domain = Domain::all().is_in("id", ids);
    let opts = SearchOpts {
        // A cancelled or archived record still exists: it must not read as missing.
        context: Some(serde_json::Map::from_iter([(
            "active_test".to_owned(),
            Value::Bool(false),
        )])),
        ..SearchOpts::default()
    };
    let rows = odoo
        .search_read(model, &domain, wanted, &opts)
        .await
        .map_err(ReconcileError::odoo("read records"))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let id = row.get("id").and_then(Value::as_i64)?;
            Some(((model.to_owned(), id), facts(model, &row)))
        })
        .collect())
}

fn facts(model: &str, row: &Record) -> Facts {
    let amount_field = match model {
        PAYMENT => "amount",
        PICKING => "",
        _ => "amount_total",
    };
    Facts {
        amount: row.get(amount_field).and_then(Value::as_f64),
        currency: m2o_name(row.get("currency_id")).map(str::to_owned),
        payment_state: row
            .get("payment_state")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// The display name of a many2one answer (`[id, "USD"]`): a currency's code.
pub(crate) fn m2o_name(value: Option<&Value>) -> Option<&str> {
    value?.as_array()?.get(1)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facts_take_each_models_amount_field() {
        let row = |v: Value| v.as_object().cloned().unwrap();
        let order = facts(
            ORDER,
            &row(json!({"amount_total": 34.5, "currency_id": [1, "USD"]})),
        );
        assert_eq!(order.amount, Some(34.5));
        assert_eq!(order.currency.as_deref(), Some("USD"));
        let payment = facts(PAYMENT, &row(json!({"amount": 12.0, "amount_total": 99.0})));
        assert_eq!(payment.amount, Some(12.0));
        let invoice = facts(MOVE, &row(json!({"amount_total": 1.0, "payment_state": "paid"})));
        assert_eq!(invoice.payment_state.as_deref(), Some("paid"));
        assert_eq!(facts(PICKING, &row(json!({"state": "done"}))).amount, None);
        assert_eq!(m2o_name(Some(&json!(false))), None);
    }
}
