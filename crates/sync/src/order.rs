//! Order sync (`order.v1`): the customer (res.partner) and the sale order with its lines
//! upserted by external id, the source's prices as `price_unit`, the source's order
//! number as `client_order_ref`, then confirmed when configured.
//!
//! Round trips: currency check (once per instance), one `search_read` for every SKU
//! (skipped while every SKU was resolved by this instance in the last 5 minutes; a
//! refused load then resolves again and retries once),
//! one `ir.model.data` lookup (does the order exist, is the partner known), the partner
//! `load` (skipped for a known, unchanged customer), the order `load`, `action_confirm`.
//! An existing order costs one `read` more; a confirmed one whose lines already match the
//! event is "already applied", any other change to it is parked ([`SyncError::OrderLocked`]):
//! only quotations are updated.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Value, json};
use spine_core::contracts::OrderV1;
use spine_core::{Currency, ExternalId, Money, Sku, SourceName};
use spine_odoo::{Domain, Kwargs, Record, SearchOpts};

use crate::applied::Applied;
use crate::error::SyncError;
use crate::order_rows::OrderPlan;
use crate::syncer::Syncer;
use crate::xids::{self, Known, m2o_id};

const ORDER: &str = "sale.order";
const LINE: &str = "sale.order.line";
const PARTNER: &str = "res.partner";

/// Product ids of the plan's SKUs, and whether they came from the instance's cache.
struct Products {
    skus: Vec<Sku>,
    ids: HashMap<Sku, i64>,
    from_cache: bool,
}

impl Products {
    async fn resolve(s: &Syncer, plan: &OrderPlan) -> Result<Self, SyncError> {
        let skus = plan.skus();
        let (ids, from_cache) = match s.cached_products(&skus) {
            Some(ids) => (ids, true),
            None => (resolve_skus(s, &skus).await?, false),
        };
        Ok(Self {
            skus,
            ids,
            from_cache,
        })
    }

    /// Drops the cache and asks Odoo; true when the ids may have changed.
    async fn refresh(&mut self, s: &Syncer) -> Result<bool, SyncError> {
        if !self.from_cache {
            return Ok(false);
        }
        s.forget_products();
        self.ids = resolve_skus(s, &self.skus).await?;
        self.from_cache = false;
        Ok(true)
    }
}

/// Applies one order (see the module documentation).
pub(crate) async fn sync(s: &Syncer, source: &SourceName, order: &OrderV1) -> Result<Applied, SyncError> {
    let plan = OrderPlan::new(source, order, s.config.shipping_sku.as_ref());
    let currency_id = currency(s, order.currency).await?;
    let mut products = Products::resolve(s, &plan).await?;
    let mut wanted: Vec<&ExternalId> = vec![&plan.order_xid, &plan.partner_xid];
    wanted.extend(plan.lines.iter().map(|l| &l.xid));
    let known = xids::lookup(&s.odoo, &wanted).await?;
    if let Some(order_id) = known.id(&plan.order_xid, ORDER)
        && let Some(done) = settled(s, &plan, order, &known, &mut products, order_id).await?
    {
        return Ok(done);
    }
    let partner_id = upsert_partner(s, &plan, order, &known).await?;
    let loaded = match load_order(s, &plan, order, currency_id, &products.ids).await {
        // A cached product may have been archived or deleted: resolve and try once more.
        Err(e) if is_refused_data(&e) && products.refresh(s).await? => {
            load_order(s, &plan, order, currency_id, &products.ids).await?
        }
        other => other?,
    };
    let order_id = single(&loaded, "load sale.order")?;
    let mut applied = Applied::default();
    applied.touch(ORDER, order_id, Some(&plan.order_xid));
    applied.touch(PARTNER, partner_id, Some(&plan.partner_xid));
    if s.config.confirm_orders {
        s.odoo
            .call(ORDER, "action_confirm", &[order_id], Kwargs::new(), None)
            .await
            .map_err(SyncError::odoo("confirm sale.order"))?;
    }
    Ok(applied)
}

/// For an order Odoo already has: `None` while it is a quotation (update it), "already
/// applied" when it is confirmed with exactly these lines, [`SyncError::OrderLocked`]
/// when it is confirmed (or cancelled) and differs.
async fn settled(
    s: &Syncer,
    plan: &OrderPlan,
    order: &OrderV1,
    known: &Known,
    products: &mut Products,
    order_id: i64,
) -> Result<Option<Applied>, SyncError> {
    let state = read_state(s, order_id).await?;
    if matches!(state.as_str(), "draft" | "sent") {
        return Ok(None);
    }
    let mut matching = lines_match(s, plan, known, &products.ids).await?;
    // Judge "already applied" on fresh product ids only.
    if !matching && products.refresh(s).await? {
        matching = lines_match(s, plan, known, &products.ids).await?;
    }
    if !matching {
        return Err(SyncError::OrderLocked {
            xid: plan.order_xid.clone(),
            state,
            revision: order.revision,
        });
    }
    let mut applied = Applied {
        already_applied: true,
        ..Applied::default()
    };
    applied.touch(ORDER, order_id, Some(&plan.order_xid));
    if let Some(partner) = known.id(&plan.partner_xid, PARTNER) {
        applied.touch(PARTNER, partner, Some(&plan.partner_xid));
    }
    Ok(Some(applied))
}

async fn load_order(
    s: &Syncer,
    plan: &OrderPlan,
    order: &OrderV1,
    currency_id: i64,
    products: &HashMap<Sku, i64>,
) -> Result<Vec<i64>, SyncError> {
    let (fields, rows) = plan.order_rows(order, currency_id, products);
    let loaded = s
        .odoo
        .load(ORDER, &fields, &rows)
        .await
        .map_err(SyncError::odoo("load sale.order"))?;
    Ok(loaded.ids)
}

/// Odoo refused the data (not the connection): what a stale product id causes.
fn is_refused_data(error: &SyncError) -> bool {
    matches!(error, SyncError::Odoo { source, .. } if matches!(source.kind(), spine_odoo::ErrorKind::Business | spine_odoo::ErrorKind::NotFound))
}

fn single(ids: &[i64], step: &'static str) -> Result<i64, SyncError> {
    match ids {
        [id] => Ok(*id),
        other => Err(SyncError::Unexpected {
            step,
            detail: format!("{} ids instead of one", other.len()),
        }),
    }
}

/// The id of an active currency; inactive or unknown ones are business failures.
async fn currency(s: &Syncer, currency: Currency) -> Result<i64, SyncError> {
    if let Some(id) = s.cached_currency(currency) {
        return Ok(id);
    }
    let mut context = Kwargs::new();
    // Inactive currencies are hidden by default; seeing them gives the clearer reason.
    context.insert("active_test".into(), json!(false));
    let opts = SearchOpts {
        context: Some(context),
        ..SearchOpts::default()
    };
    let domain = Domain::all().eq("name", currency.as_str());
    let rows = s
        .odoo
        .search_read("res.currency", &domain, &["active"], &opts)
        .await
        .map_err(SyncError::odoo("read res.currency"))?;
    let Some(row) = rows.first() else {
        return Err(SyncError::UnknownCurrency(currency));
    };
    let id = row
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| SyncError::Unexpected {
            step: "read res.currency",
            detail: "a currency without an id".into(),
        })?;
    if row.get("active") != Some(&Value::Bool(true)) {
        return Err(SyncError::InactiveCurrency(currency));
    }
    s.cache_currency(currency, id);
    Ok(id)
}

/// Every SKU's product id in one `search_read`; any SKU without an active product is a
/// business failure naming all of them.
async fn resolve_skus(s: &Syncer, skus: &[Sku]) -> Result<HashMap<Sku, i64>, SyncError> {
    let domain = Domain::all().is_in("default_code", skus.iter().map(Sku::as_str));
    let opts = SearchOpts {
        // Two products with one code: take the oldest, every time.
        order: Some("id asc".into()),
        ..SearchOpts::default()
    };
    let rows = s
        .odoo
        .search_read("product.product", &domain, &["default_code"], &opts)
        .await
        .map_err(SyncError::odoo("resolve SKUs"))?;
    let mut found = HashMap::new();
    for row in rows {
        let code = row.get("default_code").and_then(Value::as_str);
        let id = row.get("id").and_then(Value::as_i64);
        if let (Some(code), Some(id)) = (code, id)
            && let Some(sku) = skus.iter().find(|s| s.as_str() == code)
        {
            found.entry(sku.clone()).or_insert(id);
        }
    }
    let missing: Vec<Sku> = skus.iter().filter(|s| !found.contains_key(*s)).cloned().collect();
    if missing.is_empty() {
        s.remember_products(&found);
        Ok(found)
    } else {
        Err(SyncError::UnknownSkus(missing))
    }
}

async fn read_state(s: &Syncer, order_id: i64) -> Result<String, SyncError> {
    let rows = s
        .odoo
        .read(ORDER, &[order_id], &["state"])
        .await
        .map_err(SyncError::odoo("read sale.order"))?;
    // The external id outlived its order (deleted by hand): load creates it again.
    Ok(rows
        .first()
        .map_or("draft", |r| xids::text(r, "state"))
        .to_owned())
}

/// True when every planned line exists with the planned product, quantity and price.
async fn lines_match(
    s: &Syncer,
    plan: &OrderPlan,
    known: &Known,
    products: &HashMap<Sku, i64>,
) -> Result<bool, SyncError> {
    let ids: Option<Vec<i64>> = plan.lines.iter().map(|l| known.id(&l.xid, LINE)).collect();
    let Some(ids) = ids else { return Ok(false) };
    let rows = s
        .odoo
        .read(LINE, &ids, &["product_id", "product_uom_qty", "price_unit"])
        .await
        .map_err(SyncError::odoo("read sale.order.line"))?;
    let by_id: HashMap<i64, &Record> = rows
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_i64).map(|id| (id, r)))
        .collect();
    Ok(plan.lines.iter().zip(&ids).all(|(line, id)| {
        by_id.get(id).is_some_and(|row| {
            let qty = row.get("product_uom_qty").and_then(Value::as_f64);
            let price = row.get("price_unit").and_then(Value::as_f64);
            m2o_id(row.get("product_id")) == products.get(&line.sku).copied()
                && qty == Some(f64::from(line.quantity))
                && price.and_then(|p| Money::from_odoo_float(p, line.price_unit.currency).ok())
                    == Some(line.price_unit)
        })
    }))
}

/// Loads the partner unless Odoo has it and this instance loaded the same data before.
async fn upsert_partner(
    s: &Syncer,
    plan: &OrderPlan,
    order: &OrderV1,
    known: &Known,
) -> Result<i64, SyncError> {
    let (fields, rows) = plan.partner_rows(order);
    let mut hasher = DefaultHasher::new();
    rows.hash(&mut hasher);
    let fingerprint = hasher.finish();
    let xid = plan.partner_xid.as_str();
    if let Some(id) = known.id(&plan.partner_xid, PARTNER)
        && s.partner_unchanged(xid, fingerprint)
    {
        return Ok(id);
    }
    let loaded = s
        .odoo
        .load(PARTNER, &fields, &rows)
        .await
        .map_err(SyncError::odoo("load res.partner"))?;
    let id = single(&loaded.ids, "load res.partner")?;
    s.remember_partner(xid, fingerprint);
    Ok(id)
}
