//! The Odoo side of the window: the records the spine writes (see [`SPECS`]) dated in
//! it, read in pages by id, to find what the ledger cannot show: records under the
//! spine's module without a ledger entry (unknown) and several records for one source id
//! (duplicates, including copies made by hand without an external id).
//!
//! Per page of one model, at most three round trips: the page (`search_read` with the
//! date, state, key and link fields only), the other live records sharing the page's
//! keys whatever their date (a copy typed in today of an order placed last week is
//! still a duplicate of it; the page's own records are excluded, so the answer is
//! usually empty; skipped when the page brings no new key), and the spine external ids
//! of the page and of those records (`ir.model.data`). Memory: one page, its groups,
//! and the keys already looked up.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;
use spine_core::ids::EXTERNAL_ID_MODULE;
use spine_odoo::{Domain, OdooClient, Op, Record, SearchOpts};

use crate::config::Window;
use crate::error::ReconcileError;
use crate::report::Exception;
use crate::sweep_rules::{self, Dated, Key, Member, ODOO_DATETIME, Row, SPECS, Spec};
use crate::zone::DayZone;

/// What every model's sweep shares.
pub(crate) struct Sweep<'a> {
    pub odoo: &'a OdooClient,
    pub window: Window,
    /// The window's UTC instants `[start, end)`.
    pub range: (DateTime<Utc>, DateTime<Utc>),
    pub zone: DayZone,
    /// Every spine external id name the ledger accounts for (the window and a day on
    /// each side).
    pub known: &'a HashSet<String>,
    pub page_size: u32,
}

impl Sweep<'_> {
    /// Sweeps every model of [`SPECS`].
    pub(crate) async fn run(&self) -> Result<Vec<Exception>, ReconcileError> {
        let mut out = Vec::new();
        for spec in &SPECS {
            out.extend(self.model(spec).await?);
        }
        Ok(out)
    }

    async fn model(&self, spec: &Spec) -> Result<Vec<Exception>, ReconcileError> {
        let mut looked_up: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        let mut after = 0i64;
        loop {
            let records = self.page(spec, after).await?;
            let rows: Vec<Row> = records
                .iter()
                .filter_map(|r| Row::of(spec, r, self.zone))
                .collect();
            let Some(last) = rows.iter().map(|r| r.id).max() else {
                break;
            };
            after = last;
            let mut fresh: HashSet<String> = HashSet::new();
            for key in rows.iter().filter_map(|r| r.key.as_ref()) {
                if looked_up.insert(key.clone()) {
                    fresh.insert(key.clone());
                }
            }
            let groups = self.groups(spec, &rows, &fresh).await?;
            let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            ids.extend(groups.values().filter(|g| g.len() > 1).flatten().map(|r| r.id));
            let names = self.spine_names(spec, ids).await?;
            for row in &rows {
                if let Some(name) = names.get(&row.id) {
                    out.extend(sweep_rules::unknown(spec, row, name, self.known));
                }
            }
            for (key, group) in groups {
                let members: Vec<Member> = group
                    .into_iter()
                    .map(|r| {
                        let name = names.get(&r.id).cloned();
                        (r, name)
                    })
                    .collect();
                out.extend(sweep_rules::duplicate(spec, &key, &members));
            }
            if records.len() < self.page_size as usize {
                break;
            }
        }
        Ok(out)
    }

    /// One page of the model's records dated in the window, after id `after`.
    async fn page(&self, spec: &Spec, after: i64) -> Result<Vec<Record>, ReconcileError> {
        let mut domain = selected(spec).term("id", Op::Gt, after);
        domain = match spec.dated {
            Dated::At(field) => {
                let (start, end) = self.range;
                domain
                    .term(field, Op::Ge, start.format(ODOO_DATETIME).to_string())
                    .term(field, Op::Lt, end.format(ODOO_DATETIME).to_string())
            }
            Dated::On(field) => domain.term(field, Op::Ge, self.window.from().to_string()).term(
                field,
                Op::Le,
                self.window.to().to_string(),
            ),
        };
        let opts = SearchOpts {
            limit: Some(self.page_size),
            order: Some("id asc".into()),
            ..SearchOpts::default()
        };
        self.odoo
            .search_read(spec.model, &domain, &spec.fields(), &opts)
            .await
            .map_err(ReconcileError::odoo("sweep a page"))
    }

    /// Every live record carrying one of the `fresh` keys, whatever its date, grouped
    /// by key: the page's own, and the others found in Odoo (only those keys: a link can
    /// bring other keys along).
    async fn groups(
        &self,
        spec: &Spec,
        page: &[Row],
        fresh: &HashSet<String>,
    ) -> Result<BTreeMap<String, Vec<Row>>, ReconcileError> {
        let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        let carrying = |r: &&Row| r.key.as_ref().is_some_and(|k| fresh.contains(k));
        for row in page.iter().filter(carrying).filter(|r| r.live) {
            groups
                .entry(row.key.clone().unwrap_or_default())
                .or_default()
                .push(row.clone());
        }
        let others = selected(spec)
            .not_in("state", spec.cancelled.iter().copied())
            .not_in("id", page.iter().map(|r| r.id));
        let domain = match spec.key {
            Key::Field(_) if fresh.is_empty() => return Ok(groups),
            Key::Field(field) => others.is_in(field, fresh.iter().map(String::as_str)),
            Key::Marker { link, .. } => {
                let links: HashSet<i64> = page.iter().filter(carrying).filter_map(|r| r.link).collect();
                if links.is_empty() {
                    return Ok(groups);
                }
                others.is_in(link, links)
            }
        };
        let records = self
            .odoo
            .search_read(spec.model, &domain, &spec.fields(), &SearchOpts::default())
            .await
            .map_err(ReconcileError::odoo("look up records sharing a key"))?;
        for row in records.iter().filter_map(|r| Row::of(spec, r, self.zone)) {
            if let Some(key) = row.key.clone().filter(|k| fresh.contains(k)) {
                groups.entry(key).or_default().push(row);
            }
        }
        Ok(groups)
    }

    /// The spine external id name of each of `ids` that has one.
    async fn spine_names(
        &self,
        spec: &Spec,
        mut ids: Vec<i64>,
    ) -> Result<HashMap<i64, String>, ReconcileError> {
        ids.sort_unstable();
        ids.dedup();
        let domain = Domain::all()
            .eq("module", EXTERNAL_ID_MODULE)
            .eq("model", spec.model)
            .is_in("res_id", ids);
        let rows = self
            .odoo
            .search_read(
                "ir.model.data",
                &domain,
                &["name", "res_id"],
                &SearchOpts::default(),
            )
            .await
            .map_err(ReconcileError::odoo("read ir.model.data of swept records"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let id = r.get("res_id").and_then(Value::as_i64)?;
                let name = r.get("name").and_then(Value::as_str)?;
                Some((id, name.to_owned()))
            })
            .collect())
    }
}

/// The model's selecting terms (`move_type`), the base of every domain it uses.
fn selected(spec: &Spec) -> Domain {
    spec.select
        .iter()
        .fold(Domain::all(), |d, (field, value)| d.eq(field, *value))
}
