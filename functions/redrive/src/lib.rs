//! The redrive function: spinectl's DLQ tooling as a Lambda for teams that work from the
//! console or automation. It takes one JSON request (samples in `events/redrive/`) and
//! answers the same summary the CLI prints with `--json`.
//!
//! Requests (`action` selects):
//! - `list`: `flow`, `reason`, `events`, `since` → the parked messages.
//! - `redrive`: the same filters plus `max`, `dry_run`, `note` → [`RedriveSummary`].
//!   Without `max`, one invocation redrives at most [`DEFAULT_MAX`] messages so it ends
//!   well inside the Lambda timeout; invoke again for the rest.
//! - `discard`: `event_key`, `reason` → what was removed; the ledger entry is DISCARDED.
//!
//! Audit: `requested_by` names the operator in the ledger (`lambda:<name>`). A direct
//! invocation carries no verified caller identity, so automation should set it; without
//! it the audit says `lambda:unknown`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use spine_core::Flow;
use spinectl::{Actor, Filter, OpError, Operator, RedriveRequest, RedriveSummary};

/// Redrives per invocation when the request sets no `max`.
pub const DEFAULT_MAX: u64 = 1000;

/// One invocation's request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    List {
        #[serde(default)]
        flow: Option<Flow>,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        events: Vec<String>,
        #[serde(default)]
        since: Option<DateTime<Utc>>,
    },
    Redrive {
        #[serde(default)]
        flow: Option<Flow>,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        events: Vec<String>,
        #[serde(default)]
        since: Option<DateTime<Utc>>,
        #[serde(default)]
        max: Option<u64>,
        #[serde(default)]
        dry_run: bool,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        requested_by: Option<String>,
    },
    Discard {
        event_key: String,
        reason: String,
        #[serde(default)]
        flow: Option<Flow>,
        #[serde(default)]
        requested_by: Option<String>,
    },
}

/// A failed invocation: the operator error, one line, as the Lambda error message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(#[from] pub OpError);

/// Runs `request` with `operator` and answers its JSON result.
pub async fn handle(operator: &Operator, request: Request) -> Result<Value, HandlerError> {
    match request {
        Request::List {
            flow,
            reason,
            events,
            since,
        } => {
            let parked = operator
                .list(
                    flow,
                    &Filter {
                        reason,
                        events,
                        since,
                    },
                )
                .await?;
            let now = Utc::now();
            let views: Vec<_> = parked.iter().map(|p| p.view(now)).collect();
            Ok(json!({ "count": views.len(), "messages": views }))
        }
        Request::Redrive {
            flow,
            reason,
            events,
            since,
            max,
            dry_run,
            note,
            requested_by,
        } => {
            let request = RedriveRequest {
                flow,
                filter: Filter {
                    reason,
                    events,
                    since,
                },
                max: Some(max.unwrap_or(DEFAULT_MAX)),
                dry_run,
                note,
            };
            let summary = redrive(operator, &request, &actor(requested_by)).await?;
            Ok(serde_json::to_value(summary).unwrap_or_default())
        }
        Request::Discard {
            event_key,
            reason,
            flow,
            requested_by,
        } => {
            let done = operator
                .discard(flow, &event_key, &reason, &actor(requested_by))
                .await?;
            Ok(json!({
                "event_key": done.event_key.to_string(), "flow": done.flow, "deleted": done.deleted,
                "ledger_status": done.status.to_string(), "at": done.at,
            }))
        }
    }
}

async fn redrive(
    operator: &Operator,
    request: &RedriveRequest,
    actor: &Actor,
) -> Result<RedriveSummary, OpError> {
    let mut progress = |p: spinectl::Progress| {
        tracing::info!(flow = %p.flow, scanned = p.scanned, matched = p.matched, done = p.done, total = p.total, "redrive progress");
    };
    let summary = operator.redrive(request, actor, &mut progress).await?;
    tracing::info!(
        matched = summary.matched,
        redriven = summary.redriven,
        failed = summary.failed,
        dry_run = summary.dry_run,
        "redrive done"
    );
    Ok(summary)
}

fn actor(requested_by: Option<String>) -> Actor {
    Actor::first_of("lambda", &[requested_by])
}
