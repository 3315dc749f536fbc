//! The verdict: each claim of the spine checked against Odoo and the ledger (never the
//! spine's own counters), printed as a table; the run fails when any claim fails.

use crate::drive::Answer;
use crate::odoo_facts::{self, OdooFacts};
use crate::plan::Plan;
use crate::settle::{self, Redriven};
use crate::sign::Kind;
use crate::spine::Spine;
use anyhow::Result;
use spine_core::ledger::{Ledger, LedgerStatus};
use spine_reconcile::{ExceptionKind, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Everything a run recorded that the verdict needs besides Odoo and the ledger.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub answers: Vec<Answer>,
    /// The DLQ messages redriven after the fix.
    pub redriven: Vec<Redriven>,
    /// Reconciliation after the first settle, before the fix and redrive: its
    /// exceptions must all be explained by the injected business failures.
    pub before_redrive: Option<Report>,
}

/// One claim: what was measured and whether it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub name: &'static str,
    pub found: u64,
    /// What it must be, in words (`0`, `= 12`).
    pub expected: String,
    pub pass: bool,
    pub detail: String,
}

/// All claims of a run.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    pub claims: Vec<Claim>,
}

impl Verdict {
    /// True when every claim holds.
    pub fn passed(&self) -> bool {
        self.claims.iter().all(|c| c.pass)
    }

    /// The claim named `name`, if any.
    pub fn claim(&self, name: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| c.name == name)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| claim | found | must be | verdict | detail |")?;
        writeln!(f, "| --- | ---: | --- | --- | --- |")?;
        for c in &self.claims {
            let verdict = if c.pass { "PASS" } else { "FAIL" };
            writeln!(
                f,
                "| {} | {} | {} | {verdict} | {} |",
                c.name, c.found, c.expected, c.detail
            )?;
        }
        write!(f, "overall: {}", if self.passed() { "PASS" } else { "FAIL" })
    }
}

fn zero(name: &'static str, found: u64, detail: String) -> Claim {
    Claim {
        name,
        found,
        expected: "0".into(),
        pass: found == 0,
        detail,
    }
}

/// Claim names, shared with tests.
pub mod names {
    pub const DUPLICATES: &str = "duplicates in Odoo";
    pub const MISSING: &str = "genuine events missing in Odoo";
    pub const OPEN: &str = "accepted events neither applied nor parked";
    pub const REFUSED: &str = "genuine events never accepted";
    pub const BAD_ACCEPTED: &str = "forged/malformed webhooks accepted";
    pub const RECONCILE: &str = "reconciliation exceptions not explained by injected faults";
    pub const BUSINESS: &str = "business failures not applied after redrive";
}

/// Checks every claim for the run described by `plan` and `evidence`.
pub async fn check(spine: &Spine, plan: &Plan, evidence: &Evidence, report: &Report) -> Result<Verdict> {
    let facts = odoo_facts::read(&spine.odoo, plan).await?;
    let mut claims = vec![duplicates(&facts)];
    let [o, p, r, s] = odoo_facts::missing(plan, &facts);
    claims.push(zero(
        names::MISSING,
        o + p + r + s,
        format!("orders {o}, payments {p}, refunds {r}, shipments {s}"),
    ));
    claims.push(open_claim(spine, evidence).await?);
    claims.push(refused(evidence));
    claims.push(bad_accepted(plan, evidence, &facts));
    claims.push(reconcile_claim(plan, evidence.before_redrive.as_ref(), report));
    claims.push(business(spine, plan, evidence, &facts).await?);
    Ok(Verdict { claims })
}

fn duplicates(facts: &OdooFacts) -> Claim {
    let orders: usize = facts.orders.values().map(|v| v.len().saturating_sub(1)).sum();
    let detail = format!(
        "sale orders {orders}, invoices/credit notes/payments {} (over {} refs, {} payments)",
        facts.duplicates() - orders as u64,
        facts.orders.len(),
        facts.payments.len()
    );
    zero(names::DUPLICATES, facts.duplicates(), detail)
}

/// Ledger entries still RECEIVED/QUEUED, plus event keys answered 202 that the ledger
/// does not know.
async fn open_claim(spine: &Spine, evidence: &Evidence) -> Result<Claim> {
    let open = settle::open_entries(spine.ledger.as_ref()).await?;
    let keys: BTreeSet<&String> = evidence
        .answers
        .iter()
        .filter(|a| a.status == 202)
        .filter_map(|a| a.event_key.as_ref())
        .collect();
    let mut unknown = 0;
    for key in &keys {
        let Ok(parsed) = spine_core::EventKey::parse(key) else {
            unknown += 1;
            continue;
        };
        if spine.ledger.get(&parsed).await?.is_none() {
            unknown += 1;
        }
    }
    let detail = format!(
        "{} open in the ledger, {unknown} of {} accepted keys absent",
        open.len(),
        keys.len()
    );
    Ok(zero(names::OPEN, open.len() as u64 + unknown, detail))
}

/// Genuine events none of whose copies got a 2xx.
fn refused(evidence: &Evidence) -> Claim {
    let mut answered: BTreeMap<(u64, &str), bool> = BTreeMap::new();
    for a in &evidence.answers {
        if let Kind::Valid { order, what } = &a.kind {
            let ok = answered.entry((*order, what)).or_default();
            *ok |= (200..300).contains(&a.status);
        }
    }
    let refused: Vec<String> = answered
        .iter()
        .filter(|(_, ok)| !**ok)
        .map(|((order, what), _)| format!("{what} {order}"))
        .take(5)
        .collect();
    let count = answered.values().filter(|ok| !**ok).count() as u64;
    zero(
        names::REFUSED,
        count,
        format!("{} events; e.g. {}", answered.len(), refused.join(", ")),
    )
}

fn bad_accepted(plan: &Plan, evidence: &Evidence, facts: &OdooFacts) -> Claim {
    let bad: Vec<&Answer> = evidence
        .answers
        .iter()
        .filter(|a| matches!(a.kind, Kind::Bad { .. }))
        .collect();
    let accepted = bad.iter().filter(|a| a.status < 400).count() as u64;
    let in_odoo = plan
        .forged_ids
        .iter()
        .filter(|id| {
            facts.orders.contains_key(&format!("#{id}")) || facts.orders.contains_key(&id.to_string())
        })
        .count() as u64;
    let mut codes: BTreeMap<u16, u64> = BTreeMap::new();
    for a in &bad {
        *codes.entry(a.status).or_default() += 1;
    }
    let detail = format!(
        "{} sent, answers {codes:?}, {in_odoo} forged orders in Odoo",
        bad.len()
    );
    zero(names::BAD_ACCEPTED, accepted + in_odoo, detail)
}

/// Before the redrive, an exception is explained when it is a parked message (the DLQ
/// is where injected business failures, and transient faults past their last retry,
/// must go) or names an unknown-SKU order; after the redrive nothing is left to
/// explain one, so every exception counts.
fn reconcile_claim(plan: &Plan, before: Option<&Report>, after: &Report) -> Claim {
    let injected: Vec<String> = plan
        .orders
        .iter()
        .filter(|o| o.unknown_sku.is_some())
        .map(|o| o.id.to_string())
        .collect();
    let explained = |e: &spine_reconcile::Exception| {
        e.kind == ExceptionKind::Parked || injected.iter().any(|id| e.source_id.contains(id.as_str()))
    };
    let (mut before_total, mut unexplained) = (0u64, 0u64);
    for kind in ExceptionKind::ALL {
        for e in before.into_iter().flat_map(|r| r.of_kind(kind)) {
            before_total += 1;
            unexplained += u64::from(!explained(e));
        }
    }
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for kind in ExceptionKind::ALL {
        let n = after.of_kind(kind).count() as u64;
        if n > 0 {
            kinds.insert(kind.as_str(), n);
        }
    }
    let example = ExceptionKind::ALL
        .into_iter()
        .flat_map(|k| after.of_kind(k))
        .next()
        .map(|e| {
            format!(
                "; e.g. {} {} {}: {} expected {:?} found {:?}",
                e.kind.as_str(),
                e.flow.as_str(),
                e.source_id,
                e.detail,
                e.expected,
                e.found
            )
        })
        .unwrap_or_default();
    let detail = format!(
        "before redrive {before_total} ({unexplained} unexplained); after redrive {} {kinds:?}{example}",
        after.total_exceptions()
    );
    zero(names::RECONCILE, unexplained + after.total_exceptions(), detail)
}

/// Every unknown-SKU order must have been parked, redriven, and then applied.
async fn business(spine: &Spine, plan: &Plan, evidence: &Evidence, facts: &OdooFacts) -> Result<Claim> {
    let keys: BTreeMap<u64, &String> = evidence
        .answers
        .iter()
        .filter_map(|a| match (&a.kind, &a.event_key) {
            (Kind::Valid { order, what: "order" }, Some(key)) => Some((*order, key)),
            _ => None,
        })
        .collect();
    let redriven: BTreeSet<&str> = evidence
        .redriven
        .iter()
        .filter(|r| r.ok)
        .filter_map(|r| r.event_key.as_deref())
        .collect();
    let (mut injected, mut failed) = (0u64, 0u64);
    for order in plan.orders.iter().filter(|o| o.unknown_sku.is_some()) {
        injected += 1;
        let Some(key) = keys.get(&order.id) else {
            failed += 1;
            continue;
        };
        let applied = match spine_core::EventKey::parse(key) {
            Ok(parsed) => matches!(
                spine.ledger.get(&parsed).await?.map(|e| e.status),
                Some(LedgerStatus::Applied { .. })
            ),
            Err(_) => false,
        };
        let in_odoo = facts
            .orders
            .get(&order.client_ref())
            .is_some_and(|v| !v.is_empty());
        if !(applied && in_odoo && redriven.contains(key.as_str())) {
            failed += 1;
        }
    }
    let detail = format!(
        "{injected} injected, {} DLQ messages redriven",
        evidence.redriven.len()
    );
    Ok(zero(names::BUSINESS, failed, detail))
}
