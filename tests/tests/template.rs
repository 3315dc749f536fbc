//! One source of truth for names: template.yaml against the code.
//!
//! Every function crate has a template resource building its binary; every environment
//! variable a function reads is set on its resource (and nothing else is); every table
//! and index has the keys the adapters use; every queue variable points at the right
//! queue; the queue settings follow the rules (visibility >= 6x the consumer's timeout,
//! DLQ retention longer than the source's, batch item failures, a concurrency cap); and
//! no policy grants `*`. A name changed on one side only fails here.

use serde_yaml::Value;
use spine_core::Flow;
use spine_local::template::{Template, scalar};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template_text() -> String {
    std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml is readable")
}

/// The environment variables each function's code reads, keyed by template logical id.
fn code_environment() -> BTreeMap<&'static str, BTreeSet<String>> {
    let set = |names: Vec<&str>| names.into_iter().map(str::to_owned).collect::<BTreeSet<_>>();
    let mut map = BTreeMap::new();
    map.insert("WebhookFunction", set(webhook::env::VARIABLES.to_vec()));
    for (id, flow) in [
        ("OrderSyncFunction", Flow::Order),
        ("PaymentSyncFunction", Flow::Payment),
        ("RefundSyncFunction", Flow::Refund),
        ("ShipmentSyncFunction", Flow::Shipment),
    ] {
        map.insert(id, set(spine_sync::lambda::env_names::all(flow)));
    }
    map.insert("StockPushFunction", set(spine_stock::config::ENV_VARS.to_vec()));
    let queues: Vec<&str> = spine_aws::queue::QueueConfig::ENV
        .iter()
        .flat_map(|(_, q, d)| [*q, *d])
        .collect();
    let mut redrive = vec![spine_aws::ledger::ENV_LEDGER_TABLE];
    redrive.extend(&queues);
    map.insert("RedriveFunction", set(redrive));
    use spine_reconcile::env_names as r;
    let mut reconcile = vec![
        spine_aws::ledger::ENV_LEDGER_TABLE,
        spine_aws::idempotency::ENV_IDEMPOTENCY_TABLE,
        r::REPORTS_TABLE,
        reconcile::ENV_ODOO_SECRET_ID,
        r::TIME_ZONE,
        r::TOLERANCE_MINOR,
        r::SLA_MINUTES,
    ];
    reconcile.extend(&queues);
    map.insert("ReconcileFunction", set(reconcile));
    map
}

/// Which resource an environment variable must point at (`!Ref`).
fn expected_targets() -> BTreeMap<String, String> {
    let mut map = BTreeMap::from([
        (
            spine_aws::ledger::ENV_LEDGER_TABLE.to_owned(),
            "LedgerTable".to_owned(),
        ),
        (
            spine_aws::idempotency::ENV_IDEMPOTENCY_TABLE.to_owned(),
            "IdempotencyTable".to_owned(),
        ),
        (
            spine_stock::config::ENV_STOCK_TABLE.to_owned(),
            "StockTable".to_owned(),
        ),
    ]);
    for (flow, queue, dlq) in spine_aws::queue::QueueConfig::ENV {
        let name = match flow {
            Flow::Order => "Order",
            Flow::Payment => "Payment",
            Flow::Refund => "Refund",
            Flow::Shipment => "Shipment",
        };
        map.insert(queue.to_owned(), format!("{name}Queue"));
        map.insert(dlq.to_owned(), format!("{name}Dlq"));
    }
    map
}

/// `X` of `!Ref X` / `{Ref: X}`, or of `!GetAtt X.Arn`.
fn target(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(t) if t.tag == "!Ref" => scalar(&t.value),
        Value::Tagged(t) if t.tag == "!GetAtt" => {
            scalar(&t.value).map(|v| v.split('.').next().unwrap_or("").to_owned())
        }
        Value::Mapping(m) => m.get("Ref").and_then(scalar),
        _ => None,
    }
}

fn keys(list: Option<&Value>) -> Vec<(String, String)> {
    list.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|k| {
            (
                k.get("AttributeName").and_then(scalar).unwrap_or_default(),
                k.get("KeyType").and_then(scalar).unwrap_or_default(),
            )
        })
        .collect()
}

fn pair(hash: &str, range: Option<&str>) -> Vec<(String, String)> {
    let mut out = vec![(hash.to_owned(), "HASH".to_owned())];
    if let Some(range) = range {
        out.push((range.to_owned(), "RANGE".to_owned()));
    }
    out
}

/// Every disagreement between the template and the code, in words.
fn problems(text: &str) -> Vec<String> {
    let template = match Template::parse(text) {
        Ok(t) => t,
        Err(e) => return vec![e.to_string()],
    };
    let mut problems = Vec::new();
    check_function_crates(&template, &mut problems);
    check_environment(&template, &mut problems);
    check_tables(&template, &mut problems);
    check_queues(&template, &mut problems);
    check_policies(text, &mut problems);
    // A test-only switch that turns idempotency layers 1 and 2 off must never be
    // deployed.
    let unsafe_switch = spine_core::idempotency::UNSAFE_SKIP_ENV;
    if text.contains(unsafe_switch) {
        problems.push(format!("the template sets the test-only {unsafe_switch}"));
    }
    problems
}

fn check_function_crates(template: &Template, problems: &mut Vec<String>) {
    let binaries: BTreeSet<String> = template
        .of_kind("AWS::Serverless::Function")
        .filter_map(|(_, r)| r.metadata.get("BuildProperties")?.get("Binary").and_then(scalar))
        .collect();
    for entry in std::fs::read_dir(root().join("functions")).expect("functions/ exists") {
        let dir = entry.expect("readable").path();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let name = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
            .unwrap_or_default()
            .to_owned();
        if !binaries.contains(&name) {
            problems.push(format!(
                "function crate {name} has no template resource building its binary"
            ));
        }
    }
    for (id, resource) in template.of_kind("AWS::Serverless::Function") {
        if resource.metadata.get("BuildMethod").and_then(scalar).as_deref() != Some("rust-cargolambda") {
            problems.push(format!("{id}: BuildMethod is not rust-cargolambda"));
        }
    }
}

fn check_environment(template: &Template, problems: &mut Vec<String>) {
    let code = code_environment();
    let targets = expected_targets();
    for (id, resource) in template.of_kind("AWS::Serverless::Function") {
        let environment = template.function_environment(resource);
        let set: BTreeSet<String> = environment.keys().filter(|k| *k != "RUST_LOG").cloned().collect();
        if let Some(wanted) = code.get(id.as_str()) {
            for missing in wanted.difference(&set) {
                problems.push(format!(
                    "{id}: the code reads {missing} but the template does not set it"
                ));
            }
            for extra in set.difference(wanted) {
                problems.push(format!(
                    "{id}: the template sets {extra} but the code never reads it"
                ));
            }
        }
        for (name, value) in &environment {
            if let Some(expected) = targets.get(name)
                && target(value).as_deref() != Some(expected.as_str())
            {
                problems.push(format!("{id}: {name} must be !Ref {expected}"));
            }
        }
    }
}

fn check_tables(template: &Template, problems: &mut Vec<String>) {
    use spine_aws::{idempotency as idem, ledger};
    let tables: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::from([
        ("LedgerTable", pair(ledger::ATTR_EVENT_KEY, None)),
        ("IdempotencyTable", pair(idem::ATTR_ID, None)),
        (
            "StockTable",
            pair(spine_stock::state::KEY_CHANNEL, Some(spine_stock::state::KEY_SKU)),
        ),
        (
            "ReportsTable",
            pair(spine_reconcile::ATTR_RUN_ID, Some(spine_reconcile::ATTR_PART)),
        ),
    ]);
    for (id, wanted) in tables {
        match template.resources.get(id) {
            None => problems.push(format!("table {id} is missing")),
            Some(table) if keys(table.properties.get("KeySchema")) != wanted => {
                problems.push(format!("{id}: key schema differs from the code's {wanted:?}"));
            }
            Some(_) => {}
        }
    }
    if let Some(ledger_table) = template.resources.get("LedgerTable") {
        let indexes: BTreeMap<String, Vec<(String, String)>> = ledger_table
            .properties
            .get("GlobalSecondaryIndexes")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .map(|i| {
                (
                    i.get("IndexName").and_then(scalar).unwrap_or_default(),
                    keys(i.get("KeySchema")),
                )
            })
            .collect();
        for (name, hash, range) in [
            (
                ledger::INDEX_BY_FLOW_DAY,
                ledger::ATTR_FLOW_DAY,
                ledger::ATTR_RECEIVED_MS,
            ),
            (
                ledger::INDEX_BY_STATUS_AGE,
                ledger::ATTR_OPEN_STATUS,
                ledger::ATTR_UPDATED_MS,
            ),
        ] {
            if indexes.get(name) != Some(&pair(hash, Some(range))) {
                problems.push(format!(
                    "LedgerTable: index {name} must be keyed ({hash}, {range})"
                ));
            }
        }
    }
    let ttl = template.resources.get("IdempotencyTable").and_then(|t| {
        t.properties
            .get("TimeToLiveSpecification")?
            .get("AttributeName")
            .and_then(scalar)
    });
    if ttl.as_deref() != Some(idem::TTL_ATTRIBUTE) {
        problems.push(format!(
            "IdempotencyTable: TTL attribute must be {}",
            idem::TTL_ATTRIBUTE
        ));
    }
    for (id, table) in template.of_kind("AWS::DynamoDB::Table") {
        let pitr = table
            .properties
            .get("PointInTimeRecoverySpecification")
            .and_then(|p| p.get("PointInTimeRecoveryEnabled"))
            .and_then(Value::as_bool);
        if pitr != Some(true) {
            problems.push(format!("{id}: point-in-time recovery is not on"));
        }
    }
}

fn number(value: Option<&Value>) -> Option<u64> {
    value.and_then(scalar).and_then(|v| v.parse().ok())
}

fn check_queues(template: &Template, problems: &mut Vec<String>) {
    for (id, function) in template.of_kind("AWS::Serverless::Function") {
        let timeout = number(template.function_property(function, "Timeout").as_ref()).unwrap_or(3);
        for (_, event) in function
            .properties
            .get("Events")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            if event.get("Type").and_then(scalar).as_deref() != Some("SQS") {
                continue;
            }
            let p = &event["Properties"];
            let queue_id = target(&p["Queue"]).unwrap_or_default();
            let Some(queue) = template.resources.get(&queue_id) else {
                problems.push(format!("{id}: SQS event names unknown queue {queue_id}"));
                continue;
            };
            let visibility = number(queue.properties.get("VisibilityTimeout")).unwrap_or(30);
            if visibility < 6 * timeout {
                problems.push(format!(
                    "{queue_id}: visibility {visibility}s < 6 x {id}'s {timeout}s"
                ));
            }
            let types = p.get("FunctionResponseTypes").and_then(Value::as_sequence);
            if !types.is_some_and(|t| t.iter().any(|v| v.as_str() == Some("ReportBatchItemFailures"))) {
                problems.push(format!("{id}: SQS event without ReportBatchItemFailures"));
            }
            if p.get("ScalingConfig")
                .and_then(|s| s.get("MaximumConcurrency"))
                .is_none()
            {
                problems.push(format!("{id}: SQS event without a MaximumConcurrency"));
            }
            let redrive = queue.properties.get("RedrivePolicy");
            let Some(dlq_id) = redrive.and_then(|r| target(&r["deadLetterTargetArn"])) else {
                problems.push(format!("{queue_id}: no redrive policy"));
                continue;
            };
            let receives = number(redrive.and_then(|r| r.get("maxReceiveCount")));
            let told = number(
                template
                    .function_environment(function)
                    .get(spine_runtime::env_names::MAX_RECEIVES),
            );
            if told != receives {
                problems.push(format!(
                    "{id}: {} is {told:?} but {queue_id}'s maxReceiveCount is {receives:?}",
                    spine_runtime::env_names::MAX_RECEIVES
                ));
            }
            let retention = |q: &str| {
                number(
                    template
                        .resources
                        .get(q)
                        .and_then(|r| r.properties.get("MessageRetentionPeriod")),
                )
                .unwrap_or(345_600)
            };
            if retention(&dlq_id) <= retention(&queue_id) {
                problems.push(format!("{dlq_id}: retention must be longer than {queue_id}'s"));
            }
        }
    }
}

fn check_policies(text: &str, problems: &mut Vec<String>) {
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        let wildcard = trimmed.starts_with("Action:")
            && (trimmed.contains("\"*\"") || trimmed.ends_with(" *"))
            || trimmed.starts_with("Resource:") && (trimmed.contains("\"*\"") || trimmed.ends_with(" *"))
            || trimmed.contains(":*]")
            || trimmed.contains(":*,");
        if wildcard {
            problems.push(format!(
                "template.yaml:{}: a wildcard grant: {trimmed}",
                number + 1
            ));
        }
    }
}

#[test]
fn the_template_and_the_code_agree() {
    let problems = problems(&template_text());
    assert!(
        problems.is_empty(),
        "template.yaml and the code disagree:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn a_name_changed_on_one_side_only_is_caught() {
    let text = template_text();
    for (from, to, expected) in [
        (
            "          LEDGER_TABLE: !Ref LedgerTable\n",
            "          LEDGER_TABL: !Ref LedgerTable\n",
            "LEDGER_TABL",
        ),
        ("IndexName: by-flow-day", "IndexName: by-flow-date", "by-flow-day"),
        (
            "AttributeName: expiration",
            "AttributeName: expires",
            "TTL attribute",
        ),
        (
            "ORDER_DLQ_URL: !Ref OrderDlq",
            "ORDER_DLQ_URL: !Ref OrderQueue",
            "ORDER_DLQ_URL must be",
        ),
        ("Binary: webhook", "Binary: webhooks", "function crate webhook"),
        ("Action: [sqs:SendMessage]", "Action: [\"*\"]", "wildcard"),
        (
            "VisibilityTimeout: 360",
            "VisibilityTimeout: 120",
            "visibility 120s",
        ),
        (
            "SPINE_MAX_RECEIVES: \"5\"",
            "SPINE_MAX_RECEIVES: \"6\"",
            "maxReceiveCount is Some(5)",
        ),
        (
            "SPINE_CONFIRM_ORDERS: !Ref ConfirmOrders\n",
            "SPINE_CONFIRM_ORDERS: !Ref ConfirmOrders\n          SPINE_UNSAFE_SKIP_IDEMPOTENCY: \"yes\"\n",
            "test-only SPINE_UNSAFE_SKIP_IDEMPOTENCY",
        ),
    ] {
        assert!(text.contains(from), "the template no longer contains {from:?}");
        let changed = text.replacen(from, to, 1);
        let found = problems(&changed);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "changing {from:?} to {to:?} was not caught: {found:?}"
        );
    }
}
