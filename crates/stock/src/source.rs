//! Reading free quantity per SKU from Odoo: storable, active products with an internal
//! reference, `free_qty` in the channel's location or warehouse context.
//!
//! Pages are keyset-paged on `id` (`id > last`, ordered by id) rather than by offset, so a
//! product created or archived during the read neither shifts nor repeats a page. Only the
//! two needed fields are read, with a large page, so 10,000 products cost a few round trips.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use spine_core::Sku;
use spine_odoo::{Domain, Kwargs, OdooClient, OdooError, Op, SearchOpts};
use tracing::{instrument, warn};

use crate::config::StockScope;

const FIELDS: [&str; 3] = ["id", "default_code", "free_qty"];

/// Why the stock could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The Odoo call failed (after the client's own retries).
    #[error("reading free quantity from Odoo failed")]
    Odoo(#[from] OdooError),
    /// A row lacks a field or has one of the wrong type.
    #[error("Odoo answered a product row without a usable {0}")]
    Row(&'static str),
}

/// Free quantity per SKU in one scope, and what had to be left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FreeStock {
    /// Whole units free to sell (Odoo's `free_qty` rounded down; it may be negative).
    pub by_sku: BTreeMap<Sku, i64>,
    /// Internal references that are not valid SKUs (never pushed; logged).
    pub invalid_skus: Vec<String>,
    /// SKUs held by more than one product (the lowest quantity is kept).
    pub duplicate_skus: Vec<Sku>,
}

/// The `free_qty` context of a scope.
pub fn scope_context(scope: StockScope) -> Option<Kwargs> {
    let (key, id) = match scope {
        StockScope::All => return None,
        StockScope::Location(id) => ("location", id),
        StockScope::Warehouse(id) => ("warehouse", id),
    };
    let mut ctx = Kwargs::new();
    ctx.insert(key.to_owned(), json!(id));
    Some(ctx)
}

/// Reads every storable product's free quantity in `scope`, `page_size` per round trip.
#[instrument(skip(odoo), fields(flow = "stock"))]
pub async fn read_free_stock(
    odoo: &OdooClient,
    scope: StockScope,
    page_size: u32,
) -> Result<FreeStock, SourceError> {
    let mut stock = FreeStock::default();
    let mut last_id = 0_i64;
    loop {
        let domain = Domain::all()
            .eq("is_storable", true)
            .term("default_code", Op::Ne, false)
            .term("id", Op::Gt, last_id);
        let opts = SearchOpts {
            limit: Some(page_size),
            order: Some("id".to_owned()),
            context: scope_context(scope),
            ..SearchOpts::default()
        };
        let page = odoo
            .search_read("product.product", &domain, &FIELDS, &opts)
            .await?;
        for row in &page {
            last_id = last_id.max(
                row.get("id")
                    .and_then(Value::as_i64)
                    .ok_or(SourceError::Row("id"))?,
            );
            add_row(&mut stock, row)?;
        }
        if page.len() < page_size as usize {
            return Ok(stock);
        }
    }
}

fn add_row(stock: &mut FreeStock, row: &spine_odoo::Record) -> Result<(), SourceError> {
    // Odoo answers `false` for an empty char field; the domain already excludes it.
    let Some(code) = row.get("default_code").and_then(Value::as_str) else {
        return Ok(());
    };
    let free = row
        .get("free_qty")
        .and_then(Value::as_f64)
        .ok_or(SourceError::Row("free_qty"))?;
    // Fractions of a unit cannot be sold: round down, and saturate absurd values.
    let free = free.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64;
    let Ok(sku) = Sku::parse(code) else {
        warn!(
            default_code = code,
            "internal reference is not a valid SKU: not pushed"
        );
        stock.invalid_skus.push(code.to_owned());
        return Ok(());
    };
    match stock.by_sku.get_mut(&sku) {
        // Two products with one SKU: a channel cannot tell them apart, and pushing the
        // lower level is the choice that cannot oversell.
        Some(existing) => {
            warn!(
                sku = sku.as_str(),
                "SKU held by several products: the lowest level is pushed"
            );
            *existing = (*existing).min(free);
            stock.duplicate_skus.push(sku);
        }
        None => {
            stock.by_sku.insert(sku, free);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: Value) -> spine_odoo::Record {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn rows_round_down_and_keep_the_lowest_of_duplicates() {
        let mut stock = FreeStock::default();
        for r in [
            json!({"id": 1, "default_code": "A", "free_qty": 4.9}),
            json!({"id": 2, "default_code": "B", "free_qty": -1.5}),
            json!({"id": 3, "default_code": "A", "free_qty": 2.0}),
            json!({"id": 4, "default_code": " bad", "free_qty": 1.0}),
            json!({"id": 5, "default_code": false, "free_qty": 1.0}),
        ] {
            add_row(&mut stock, &row(r)).expect("row");
        }
        let sku = |s| Sku::parse(s).expect("sku");
        assert_eq!(stock.by_sku, BTreeMap::from([(sku("A"), 2), (sku("B"), -2)]));
        assert_eq!(stock.invalid_skus, vec![" bad".to_owned()]);
        assert_eq!(stock.duplicate_skus, vec![sku("A")]);
    }

    #[test]
    fn a_row_without_free_qty_is_an_error() {
        let err = add_row(
            &mut FreeStock::default(),
            &row(json!({"id": 1, "default_code": "A"})),
        );
        assert!(matches!(err, Err(SourceError::Row("free_qty"))));
    }

    #[test]
    fn scopes_become_odoo_contexts() {
        assert_eq!(scope_context(StockScope::All), None);
        let ctx = scope_context(StockScope::Warehouse(2)).expect("context");
        assert_eq!(Value::Object(ctx), json!({"warehouse": 2}));
        let ctx = scope_context(StockScope::Location(8)).expect("context");
        assert_eq!(Value::Object(ctx), json!({"location": 8}));
    }
}
