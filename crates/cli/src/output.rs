//! Rendering results as aligned text tables (default) or JSON (`--json`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use spinectl::{Discarded, Parked, RedriveSummary, Shown};

/// Columns aligned on the widest cell; cells cut to 60 characters.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cut = |s: &str| -> String {
        let mut c: String = s.chars().take(60).collect();
        if s.chars().count() > 60 {
            c.pop();
            c.push('…');
        }
        c.replace(['\n', '\r'], " ")
    };
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| cut(c)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or("-".into(), |t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn parked_json(p: &Parked, now: DateTime<Utc>) -> Value {
    serde_json::to_value(p.view(now)).unwrap_or_default()
}

/// `dlq list`.
pub fn list(parked: &[Parked], json_out: bool) -> String {
    let now = Utc::now();
    if json_out {
        return Value::from(parked.iter().map(|p| parked_json(p, now)).collect::<Vec<_>>()).to_string();
    }
    let rows: Vec<Vec<String>> = parked
        .iter()
        .map(|p| {
            let reason = p.reason.as_ref();
            vec![
                p.flow.to_string(),
                p.event_key.as_ref().map_or("-".into(), |k| k.to_string()),
                p.source_event_id.clone().unwrap_or_else(|| "-".into()),
                p.class().to_owned(),
                reason.map_or("-".into(), |r| r.message.clone()),
                reason.map_or("-".into(), |r| r.attempts.to_string()),
                time(p.first_failure()),
                spinectl::parked::age(p.first_failure(), now),
            ]
        })
        .collect();
    let headers = [
        "FLOW",
        "EVENT KEY",
        "SOURCE ID",
        "REASON",
        "MESSAGE",
        "ATTEMPTS",
        "FIRST FAILURE",
        "AGE",
    ];
    table(&headers, &rows)
}

/// `dlq show`.
pub fn show(shown: &Shown, json_out: bool) -> String {
    let p = &shown.parked;
    let envelope: Value =
        serde_json::from_str(&p.message.body).unwrap_or_else(|_| Value::from(p.message.body.clone()));
    let history: Vec<Value> = shown
        .ledger
        .iter()
        .flat_map(|e| &e.history)
        .map(|h| json!({"at": time(Some(h.at)), "actor": h.actor, "action": h.action, "detail": h.detail}))
        .collect();
    let status = shown.ledger.as_ref().map(|e| e.status.kind().to_string());
    let mut value = parked_json(p, Utc::now());
    value["envelope"] = envelope.clone();
    value["ledger_status"] = json!(status);
    value["history"] = Value::from(history.clone());
    if json_out {
        return value.to_string();
    }
    let mut out = vec![table(
        &["FIELD", "VALUE"],
        &[
            vec!["flow".into(), p.flow.to_string()],
            vec!["message id".into(), p.message.message_id.clone()],
            vec![
                "event key".into(),
                value["event_key"].as_str().unwrap_or("-").into(),
            ],
            vec!["reason".into(), p.class().into()],
            vec![
                "message".into(),
                value["reason_message"].as_str().unwrap_or("-").into(),
            ],
            vec!["attempts".into(), value["attempts"].to_string()],
            vec!["first failure".into(), time(p.first_failure())],
            vec![
                "ledger status".into(),
                status.unwrap_or_else(|| "no ledger entry".into()),
            ],
        ],
    )];
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|h| {
            ["at", "actor", "action", "detail"]
                .iter()
                .map(|f| h[f].as_str().unwrap_or("-").to_owned())
                .collect()
        })
        .collect();
    out.push(format!(
        "\nHistory:\n{}",
        table(&["AT", "ACTOR", "ACTION", "DETAIL"], &rows)
    ));
    let pretty = serde_json::to_string_pretty(&envelope).unwrap_or_default();
    out.push(format!("\nEnvelope:\n{pretty}"));
    out.join("\n")
}

/// `dlq redrive`: the items, then a one-line summary.
pub fn redrive(summary: &RedriveSummary, json_out: bool) -> String {
    if json_out {
        return serde_json::to_string(summary).unwrap_or_default();
    }
    let rows: Vec<Vec<String>> = summary
        .items
        .iter()
        .map(|i| {
            let (outcome, error) = match &i.outcome {
                spinectl::Outcome::WouldRedrive => ("would redrive", String::new()),
                spinectl::Outcome::Redriven => ("redriven", String::new()),
                spinectl::Outcome::Failed(e) => ("FAILED", e.clone()),
            };
            vec![
                i.flow.to_string(),
                i.event_key.clone().unwrap_or_else(|| "-".into()),
                i.reason_class.clone(),
                outcome.into(),
                error,
            ]
        })
        .collect();
    let verb = if summary.dry_run {
        "dry run: would redrive"
    } else {
        "redriven"
    };
    let count = if summary.dry_run {
        summary.matched
    } else {
        summary.redriven
    };
    format!(
        "{}\n{verb} {count} of {} matching ({} scanned), {} failed",
        table(&["FLOW", "EVENT KEY", "REASON", "OUTCOME", "ERROR"], &rows),
        summary.matched,
        summary.scanned,
        summary.failed
    )
}

/// `dlq discard`.
pub fn discarded(d: &Discarded, json_out: bool) -> String {
    let value = json!({
        "event_key": d.event_key.to_string(), "flow": d.flow, "deleted": d.deleted,
        "ledger_status": d.status.to_string(), "at": time(Some(d.at)),
    });
    if json_out {
        return value.to_string();
    }
    format!(
        "discarded {} ({}): {} DLQ message(s) deleted, ledger status {}",
        d.event_key, d.flow, d.deleted, d.status
    )
}
