//! The ledger side of the window, streamed: entries of each flow and UTC day in pages,
//! folded into per-day counts and compact expectations, each full batch compared with
//! Odoo before the next page is read. Memory holds one page, one batch of
//! expectations, the day summaries and the external id names the entries account for
//! (for the sweep).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use spine_core::{Flow, Ledger, LedgerEntry, StatusKind};
use spine_odoo::OdooClient;

use crate::compare::{self, Expect};
use crate::error::ReconcileError;
use crate::report::{DayFlow, Exception, Totals};
use crate::zone::DayZone;

/// What the scan produced.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub days: BTreeMap<(NaiveDate, Flow), DayFlow>,
    pub exceptions: Vec<Exception>,
    /// The spine external id names every entry seen (in the window or next to it, any
    /// status) accounts for: its main record's, and for payments the order's invoice.
    pub known: HashSet<String>,
}

/// The scan's inputs.
pub(crate) struct Scan<'a> {
    pub ledger: &'a dyn Ledger,
    pub odoo: &'a OdooClient,
    pub range: (DateTime<Utc>, DateTime<Utc>),
    pub zone: DayZone,
    pub tolerance_minor: i64,
    pub page_size: u32,
}

impl Scan<'_> {
    /// The UTC days to query: those the local window touches, and one more on each side
    /// so that an order dated in the window but received next to it is still known.
    fn utc_days(&self) -> impl Iterator<Item = NaiveDate> {
        let (start, end) = self.range;
        let first = start
            .date_naive()
            .checked_sub_days(Days::new(1))
            .unwrap_or(start.date_naive());
        let last_instant = end - chrono::Duration::milliseconds(1);
        let last = last_instant
            .date_naive()
            .checked_add_days(Days::new(1))
            .unwrap_or(last_instant.date_naive());
        first.iter_days().take_while(move |d| *d <= last)
    }

    /// Runs the scan over every flow.
    pub(crate) async fn run(&self) -> Result<Scanned, ReconcileError> {
        let mut out = Scanned::default();
        let mut batch: Vec<Expect> = Vec::with_capacity(self.page_size as usize);
        for flow in Flow::ALL {
            for day in self.utc_days() {
                let mut token = None;
                loop {
                    let page = self
                        .ledger
                        .query_by_flow_day(flow, day, self.page_size, token)
                        .await?;
                    for entry in &page.items {
                        self.fold(entry, &mut out, &mut batch);
                    }
                    if batch.len() >= self.page_size as usize {
                        self.resolve(&mut batch, &mut out).await?;
                    }
                    token = page.next;
                    if token.is_none() {
                        break;
                    }
                }
            }
        }
        self.resolve(&mut batch, &mut out).await?;
        Ok(out)
    }

    fn fold(&self, entry: &LedgerEntry, out: &mut Scanned, batch: &mut Vec<Expect>) {
        let invoice_xid = compare::invoice_name(entry);
        out.known.insert(compare::main_xid(entry).0);
        out.known.extend(invoice_xid.clone());
        let (start, end) = self.range;
        if entry.received_at < start || entry.received_at >= end {
            return;
        }
        let day = self.zone.day_of(entry.received_at);
        let summary = out
            .days
            .entry((day, entry.flow))
            .or_insert_with(|| empty(day, entry.flow));
        summary.accepted += 1;
        let status = entry.status.kind();
        match status {
            StatusKind::Applied => summary.applied += 1,
            StatusKind::Parked => summary.parked += 1,
            StatusKind::Received | StatusKind::Queued => summary.in_flight += 1,
            StatusKind::Discarded | StatusKind::Ignored => summary.closed += 1,
        }
        if let Some(amount) = entry.amount {
            let totals = summary
                .totals
                .entry(amount.currency.as_str().to_owned())
                .or_default();
            totals.accepted += amount.minor;
            if status == StatusKind::Applied {
                totals.applied += amount.minor;
            }
        }
        if status == StatusKind::Applied {
            batch.push(Expect::of(entry, day, invoice_xid));
        }
    }

    /// Compares the batch with Odoo and empties it.
    async fn resolve(&self, batch: &mut Vec<Expect>, out: &mut Scanned) -> Result<(), ReconcileError> {
        if batch.is_empty() {
            return Ok(());
        }
        let odoo = crate::odoo::fetch(self.odoo, batch).await?;
        for expect in batch.drain(..) {
            let outcome = compare::compare(&expect, &odoo, self.tolerance_minor);
            if let Some(summary) = out.days.get_mut(&(expect.day, expect.flow)) {
                summary.odoo_found += u64::from(outcome.present);
                if let Some(found) = outcome.found {
                    let totals: &mut Totals = summary
                        .totals
                        .entry(found.currency.as_str().to_owned())
                        .or_default();
                    totals.odoo += found.minor;
                }
            }
            out.exceptions.extend(outcome.exceptions);
        }
        Ok(())
    }
}

fn empty(day: NaiveDate, flow: Flow) -> DayFlow {
    DayFlow {
        day,
        flow,
        accepted: 0,
        applied: 0,
        parked: 0,
        in_flight: 0,
        closed: 0,
        odoo_found: 0,
        totals: BTreeMap::new(),
    }
}
