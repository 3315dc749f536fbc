//! A hash-indexed Odoo stand-in answering the JSON-2 calls reconciliation makes, for the
//! benchmark's generated day: order `i` is `sale.order` id `i + 1` (unless deleted), its
//! hand-made copy (one in 100) id `copy_id(i)`; with payments, order `i`'s payment is
//! `account.payment` id `i + 1` and its posted, paid invoice `account.move` id `i + 1`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::fake::{changed, copied, copy_id, deleted, invoice_name, memo, payment_name, xid_name};

/// The stand-in's day.
struct Data {
    events: usize,
    payments: bool,
    date: String,
    day: String,
}

impl Data {
    /// Order `i`'s record of `model` exists.
    fn present(&self, model: &str, id: i64) -> bool {
        let i = id - 1;
        match model {
            "sale.order" => i >= 0 && (i as usize) < self.events && !deleted(i as usize),
            "account.payment" | "account.move" => self.payments && i >= 0 && (i as usize) < self.events,
            _ => false,
        }
    }

    fn order(&self, id: i64) -> Value {
        let total = if changed(id as usize - 1) { 46.0 } else { 34.5 };
        json!({"id": id, "amount_total": total, "currency_id": [1, "USD"], "state": "draft",
            "client_order_ref": format!("#B{}", id - 1), "date_order": self.date})
    }

    fn payment(&self, id: i64) -> Value {
        json!({"id": id, "amount": 34.5, "currency_id": [1, "USD"], "state": "paid",
            "memo": memo(id as usize - 1), "date": self.day})
    }

    fn invoice(&self, id: i64) -> Value {
        json!({"id": id, "amount_total": 34.5, "currency_id": [1, "USD"], "payment_state": "paid",
            "state": "posted", "invoice_origin": format!("S{id:05}"), "invoice_date": self.day})
    }

    fn record(&self, model: &str, id: i64) -> Value {
        match model {
            "sale.order" => self.order(id),
            "account.payment" => self.payment(id),
            _ => self.invoice(id),
        }
    }

    /// The model and id behind a spine external id name.
    fn by_name(&self, name: &str) -> Option<(&'static str, i64)> {
        let index = |prefix: &str| name.strip_prefix(prefix)?.parse::<i64>().ok();
        let (model, i) = if let Some(i) = index("shopify_order_b") {
            ("sale.order", i)
        } else if let Some(i) = index("stripe_payment_p") {
            ("account.payment", i)
        } else {
            ("account.move", index("shopify_invoice_b")?)
        };
        self.present(model, i + 1).then_some((model, i + 1))
    }

    fn name(&self, model: &str, id: i64) -> String {
        let i = id as usize - 1;
        match model {
            "sale.order" => xid_name(i),
            "account.payment" => payment_name(i),
            _ => invoice_name(i),
        }
    }
}

/// A running stand-in.
pub struct FakeOdoo {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl FakeOdoo {
    pub async fn start(events: usize, payments: bool, day: NaiveDate) -> Self {
        let data = Arc::new(Data {
            events,
            payments,
            date: format!("{day} 10:00:00"),
            day: day.to_string(),
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

fn texts(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

async fn answer(
    State(data): State<Arc<Data>>,
    Path((model, _method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let rows = match model.as_str() {
        "ir.model.data" => external_ids(&data, &body),
        _ if term(&body, "id", "in").is_some() => ids(term(&body, "id", "in"))
            .into_iter()
            .filter(|id| data.present(&model, *id))
            .map(|id| data.record(&model, id))
            .collect(),
        _ if term(&body, "id", ">").is_some() => page(&data, &model, &body),
        _ => lookup(&data, &model, &body),
    };
    Json(Value::Array(rows))
}

fn external_ids(data: &Data, body: &Value) -> Vec<Value> {
    if let Some(names) = term(body, "name", "in") {
        return texts(Some(names))
            .into_iter()
            .filter_map(|n| {
                let (model, id) = data.by_name(n)?;
                Some(json!({"id": id, "name": n, "model": model, "res_id": id}))
            })
            .collect();
    }
    let model = term(body, "model", "=").and_then(Value::as_str).unwrap_or("");
    ids(term(body, "res_id", "in"))
        .into_iter()
        .filter(|id| data.present(model, *id))
        .map(|id| json!({"id": id, "name": data.name(model, id), "res_id": id}))
        .collect()
}

/// A sweep's page: the records after `id >`, by id, up to the limit (the whole day is
/// in the window; credit notes: none).
fn page(data: &Data, model: &str, body: &Value) -> Vec<Value> {
    if term(body, "move_type", "=").and_then(Value::as_str) == Some("out_refund") {
        return vec![];
    }
    let after = term(body, "id", ">").and_then(Value::as_i64).unwrap_or(0);
    let limit = body.get("limit").and_then(Value::as_i64).unwrap_or(80);
    (after + 1..=data.events as i64)
        .filter(|id| data.present(model, *id))
        .take(limit as usize)
        .map(|id| data.record(model, id))
        .collect()
}

/// The duplicate lookup: the records carrying one of the keys, less `id not in`.
fn lookup(data: &Data, model: &str, body: &Value) -> Vec<Value> {
    let skip: HashSet<i64> = ids(term(body, "id", "not in")).into_iter().collect();
    let (field, prefix) = match model {
        "sale.order" => ("client_order_ref", "#B"),
        "account.payment" => ("memo", "stripe p"),
        _ => ("invoice_origin", "S"),
    };
    texts(term(body, field, "in"))
        .into_iter()
        .filter_map(|k| k.strip_prefix(prefix)?.parse::<usize>().ok())
        .flat_map(|n| {
            // Invoice origins number from 1 (`S00001` is id 1); the others from 0.
            let (i, id) = if model == "account.move" {
                (n.wrapping_sub(1), n as i64)
            } else {
                (n, n as i64 + 1)
            };
            let copy = (model == "sale.order" && copied(i)).then(
                || json!({"id": copy_id(i), "client_order_ref": format!("#B{i}"), "date_order": data.date}),
            );
            data.present(model, id)
                .then(|| data.record(model, id))
                .into_iter()
                .chain(copy)
        })
        .filter(|row| !row["id"].as_i64().is_some_and(|id| skip.contains(&id)))
        .collect()
}
