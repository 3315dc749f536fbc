//! The benchmark's fakes: a ledger that generates its pages on demand, and a
//! hash-indexed Odoo stand-in answering the JSON-2 calls reconciliation makes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use spine_core::ledger::{HistoryEntry, LedgerStatus, OdooRecords, Page, PageToken, PutOutcome};
use spine_core::{
    BusinessKey, CorrelationId, Currency, EventKey, Flow, Ledger, LedgerEntry, LedgerError, Money,
    SourceEventId, SourceName, StatusKind,
};

/// One event in 100 is deleted in Odoo.
pub fn deleted(i: usize) -> bool {
    i % 100 == 7
}

/// One event in 100 has another total in Odoo.
pub fn changed(i: usize) -> bool {
    i % 100 == 13
}

/// One event in 100 has a copy typed in by hand (same reference, no external id).
pub fn copied(i: usize) -> bool {
    i % 100 == 21
}

/// The stand-in's database id of event `i`'s hand-made copy.
pub fn copy_id(i: usize) -> i64 {
    10_000_000 + i as i64
}

/// The external id name of event `i`'s order.
pub fn xid_name(i: usize) -> String {
    format!("shopify_order_b{i}")
}

/// `events` applied order events received on `day`, generated page by page.
pub struct GenLedger {
    events: usize,
    day: NaiveDate,
    start: DateTime<Utc>,
}

impl GenLedger {
    pub fn new(events: usize, day: NaiveDate) -> Self {
        let start = day.and_hms_opt(0, 0, 1).map(|t| t.and_utc()).unwrap_or_default();
        Self { events, day, start }
    }

    fn entry(&self, i: usize) -> Result<LedgerEntry, LedgerError> {
        let bad = |e: spine_core::IdError| LedgerError::InvalidPageToken(e.to_string());
        let source = SourceName::parse("shopify").map_err(bad)?;
        let event_id = SourceEventId::parse(&format!("e{i}")).map_err(bad)?;
        let received = self.start + Duration::milliseconds(i as i64);
        let currency = Currency::parse("USD").map_err(|e| LedgerError::InvalidPageToken(e.to_string()))?;
        Ok(LedgerEntry {
            event_key: EventKey::derive(&source, &event_id),
            business_key: BusinessKey {
                flow: Flow::Order,
                source: source.clone(),
                entity_id: SourceEventId::parse(&format!("b{i}")).map_err(bad)?,
                revision: 0,
            },
            source,
            source_event_id: event_id,
            flow: Flow::Order,
            contract_version: "order.v1".into(),
            topic: "orders/create".into(),
            correlation_id: CorrelationId::generate(),
            received_at: received,
            occurred_at: Some(received),
            amount: Some(Money::from_minor(3450, currency)),
            status: LedgerStatus::Applied {
                records: vec![OdooRecords {
                    model: "sale.order".into(),
                    ids: vec![],
                }],
            },
            updated_at: received,
            history: vec![],
            // Stored entries carry their envelope: about 1 KB each.
            payload: json!({ "event": "x".repeat(1000) }),
        })
    }
}

fn refused() -> LedgerError {
    LedgerError::InvalidPageToken("the benchmark ledger is read-only".into())
}

#[async_trait]
impl Ledger for GenLedger {
    async fn put_received(&self, _: &LedgerEntry) -> Result<PutOutcome, LedgerError> {
        Err(refused())
    }
    async fn transition(&self, _: &EventKey, _: LedgerStatus, _: HistoryEntry) -> Result<(), LedgerError> {
        Err(refused())
    }
    async fn append_audit(&self, _: &EventKey, _: &HistoryEntry) -> Result<(), LedgerError> {
        Err(refused())
    }
    async fn get(&self, _: &EventKey) -> Result<Option<LedgerEntry>, LedgerError> {
        Ok(None)
    }
    async fn query_by_flow_day(
        &self,
        flow: Flow,
        day: NaiveDate,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        if flow != Flow::Order || day != self.day {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        }
        let from = match page {
            None => 0,
            Some(PageToken(t)) => t.parse::<usize>().map_err(|_| LedgerError::InvalidPageToken(t))?,
        };
        let to = (from + limit as usize).min(self.events);
        let items = (from..to).map(|i| self.entry(i)).collect::<Result<Vec<_>, _>>()?;
        let next = (to < self.events).then(|| PageToken(to.to_string()));
        Ok(Page { items, next })
    }
    async fn query_by_status(
        &self,
        _: StatusKind,
        _: Option<Flow>,
        _: DateTime<Utc>,
        _: u32,
        _: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        Ok(Page {
            items: vec![],
            next: None,
        })
    }
}

/// The stand-in's data: order `i` has id `i + 1` unless deleted.
struct Data {
    events: usize,
    date: String,
    by_name: HashMap<String, i64>,
}

impl Data {
    fn present(&self, id: i64) -> bool {
        id >= 1 && (id as usize) <= self.events && !deleted(id as usize - 1)
    }

    fn order(&self, id: i64) -> Value {
        let total = if changed(id as usize - 1) { 46.0 } else { 34.5 };
        json!({"id": id, "amount_total": total, "currency_id": [1, "USD"],
            "client_order_ref": format!("#B{}", id - 1), "date_order": self.date})
    }
}

/// A running stand-in.
pub struct FakeOdoo {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl FakeOdoo {
    pub async fn start(events: usize, day: NaiveDate) -> Self {
        let by_name = (0..events)
            .filter(|i| !deleted(*i))
            .map(|i| (xid_name(i), i as i64 + 1))
            .collect();
        let data = Arc::new(Data {
            events,
            date: format!("{day} 10:00:00"),
            by_name,
        });
        let app = Router::new()
            .route("/json/2/{model}/{method}", post(answer))
            .with_state(data);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, task }
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// The value of the domain term on `field` with operator `op`.
fn term<'a>(body: &'a Value, field: &str, op: &str) -> Option<&'a Value> {
    body.get("domain")?.as_array()?.iter().find_map(|t| {
        let t = t.as_array()?;
        (t.first()?.as_str()? == field && t.get(1)?.as_str()? == op).then(|| t.get(2))?
    })
}

fn ids(value: Option<&Value>) -> Vec<i64> {
    value
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

async fn answer(
    State(data): State<Arc<Data>>,
    Path((model, _method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let rows: Vec<Value> = match model.as_str() {
        "ir.model.data" => {
            if let Some(names) = term(&body, "name", "in").and_then(Value::as_array) {
                names
                    .iter()
                    .filter_map(|n| {
                        let id = data.by_name.get(n.as_str()?)?;
                        Some(json!({"id": id, "name": n, "model": "sale.order", "res_id": id}))
                    })
                    .collect()
            } else if term(&body, "model", "=").and_then(Value::as_str) != Some("sale.order") {
                vec![]
            } else {
                ids(term(&body, "res_id", "in"))
                    .into_iter()
                    .filter(|id| data.present(*id))
                    .map(|id| json!({"id": id, "name": xid_name(id as usize - 1), "res_id": id}))
                    .collect()
            }
        }
        "sale.order" if term(&body, "id", "in").is_some() => ids(term(&body, "id", "in"))
            .into_iter()
            .filter(|id| data.present(*id))
            .map(|id| data.order(id))
            .collect(),
        // The sweep's duplicate lookup: every order carrying one of the references.
        "sale.order" if term(&body, "client_order_ref", "in").is_some() => {
            let skip: HashSet<i64> = ids(term(&body, "id", "not in")).into_iter().collect();
            term(&body, "client_order_ref", "in")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str()?.strip_prefix("#B")?.parse::<usize>().ok())
                .flat_map(|i| {
                    let id = i as i64 + 1;
                    let copy = copied(i).then(|| {
                        json!({"id": copy_id(i), "client_order_ref": format!("#B{i}"),
                        "date_order": data.date})
                    });
                    data.present(id).then(|| data.order(id)).into_iter().chain(copy)
                })
                .filter(|row| !row["id"].as_i64().is_some_and(|id| skip.contains(&id)))
                .collect()
        }
        "sale.order" => {
            let after = term(&body, "id", ">").and_then(Value::as_i64).unwrap_or(0);
            let limit = body.get("limit").and_then(Value::as_i64).unwrap_or(80);
            (after + 1..=data.events as i64)
                .filter(|id| data.present(*id))
                .take(limit as usize)
                .map(|id| data.order(id))
                .collect()
        }
        _ => vec![],
    };
    Json(Value::Array(rows))
}
