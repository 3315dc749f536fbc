//! The handler against moto and the Odoo under test: an on-demand invoke with healing
//! finds an applied order that Odoo never got, stores the report, and re-enqueues the
//! order; a schedule event reconciles yesterday. The function reads its Odoo secret on
//! its first invocation, and again on the next one when that failed.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use reconcile::{App, Function, HandlerError, Settings};
use serde_json::json;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::{FlowQueues, QueueConfig, SqsQueues};
use spine_aws::secrets::{ConnectError, OdooFrom, OdooSecret, SecretsError};
use spine_core::contracts::{CanonicalEvent, Customer, OrderLine, OrderV1};
use spine_core::ledger::{LedgerStatus, OdooRecords};
use spine_core::{
    CorrelationId, Currency, Envelope, Flow, Ledger, LedgerEntry, Money, Sku, SourceEventId, SourceName,
};
use spine_reconcile::{
    ExceptionKind, Healer, ReconcileConfig, Reconciler, ReportStore, SqsParked, create_reports_table,
};
use spine_testkit::odoo::unique;
use spine_testkit::unique_name;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::parse("USD").unwrap())
}

/// An order event received at noon on `day` that no worker ever wrote to Odoo.
fn lost_order(day: NaiveDate) -> Envelope {
    let received = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let order = OrderV1 {
        order_id: SourceEventId::parse(&unique("lost")).unwrap(),
        order_number: unique("#"),
        revision: 0,
        placed_at: received,
        currency: Currency::parse("USD").unwrap(),
        customer: Customer {
            customer_id: unique("c"),
            name: "Grace".into(),
            email: None,
            phone: None,
        },
        lines: vec![OrderLine {
            line_id: "1".into(),
            sku: Sku::parse("MUG-1").unwrap(),
            name: "Mug".into(),
            quantity: 1,
            unit_price: usd(1000),
            discount: usd(0),
        }],
        shipping: None,
        tax_total: usd(0),
        total: usd(1000),
        prices_include_tax: false,
        shipping_address: None,
        note: None,
    };
    let source = SourceName::parse("shopify").unwrap();
    let id = SourceEventId::parse(&unique("evt")).unwrap();
    let event = CanonicalEvent::OrderV1(order);
    Envelope::new(
        source,
        id,
        "orders/create",
        CorrelationId::generate(),
        received,
        received,
        event,
    )
    .unwrap()
}

fn entry(e: &Envelope) -> LedgerEntry {
    LedgerEntry {
        event_key: e.event_key.clone(),
        source: e.source.clone(),
        source_event_id: e.source_event_id.clone(),
        flow: e.flow(),
        business_key: e.business_key.clone(),
        contract_version: e.contract().as_str().into(),
        topic: e.topic.clone(),
        correlation_id: e.correlation_id.clone(),
        received_at: e.received_at,
        occurred_at: Some(e.occurred_at),
        amount: e.event.amount(),
        status: LedgerStatus::Received,
        updated_at: e.received_at,
        history: vec![],
        payload: serde_json::to_value(e).unwrap(),
    }
}

#[tokio::test]
async fn an_on_demand_heal_stores_the_report_and_re_enqueues_the_lost_order() {
    let target = spine_testkit::odoo::target().await;
    let odoo = target.client(target.protocols()[0]);
    let (dynamodb, sqs) = (spine_testkit::dynamodb().await, spine_testkit::sqs().await);
    let ledger_table = spine_testkit::create_table(&dynamodb, "ledger", create_ledger_table).await;
    let reports_table = spine_testkit::create_table(&dynamodb, "reports", create_reports_table).await;
    let ledger = Arc::new(DynamoLedger::new(
        dynamodb.clone(),
        LedgerTableConfig { table: ledger_table },
    ));
    let (orders, dlq) = spine_testkit::create_queue_and_dlq(&sqs, "orders").await;
    let day: NaiveDate = "2016-02-29".parse().unwrap();
    let lost = lost_order(day);
    ledger.put_received(&entry(&lost)).await.unwrap();
    let at = lost.received_at + Duration::seconds(3);
    ledger.mark_queued(&lost.event_key, at, "webhook").await.unwrap();
    let records = [OdooRecords {
        model: "sale.order".into(),
        ids: vec![999_999_999],
    }];
    ledger
        .mark_applied(&lost.event_key, &records, at, "order-sync")
        .await
        .unwrap();

    let store = ReportStore::new(dynamodb.clone(), reports_table);
    let app = App::new(
        Reconciler::new(
            ledger.clone(),
            odoo.clone(),
            Some(Arc::new(SqsParked::new(sqs.clone(), vec![(Flow::Order, dlq)]))),
            ReconcileConfig::default(),
        ),
        store.clone(),
        Healer::new(
            ledger.clone(),
            Arc::new(spine_core::idempotency::memory::MemoryIdempotencyStore::new()),
            SqsQueues::new(sqs.clone()),
            [(Flow::Order, orders.clone())].into(),
        ),
        odoo,
    );
    let answer = app
        .handle(json!({"from": "2016-02-29", "to": "2016-02-29", "heal": true}))
        .await
        .unwrap();
    assert_eq!(answer.exceptions[&ExceptionKind::Missing], 1);
    assert_eq!(answer.heal_plan.unwrap().items.len(), 1);
    assert_eq!(
        answer.healed.unwrap().enqueued,
        vec![lost.event_key.as_str().to_owned()]
    );
    let stored = store.load(&answer.run_id).await.unwrap();
    assert_eq!(stored.of_kind(ExceptionKind::Missing).count(), 1);
    let received = sqs.receive_message().queue_url(&orders).send().await.unwrap();
    let bodies: Vec<&str> = received.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies.len(), 1);
    assert_eq!(Envelope::from_json(bodies[0]).unwrap(), lost);

    // The schedule covers yesterday: the 2016 order is not in it, and nothing is healed.
    let scheduled =
        app.handle(serde_json::from_str(include_str!("../../../events/schedule/reconcile.json")).unwrap());
    let answer = scheduled.await.unwrap();
    assert!(answer.from == answer.to && answer.to < Utc::now().date_naive());
    assert_eq!(answer.exceptions[&ExceptionKind::Missing], 0);
    assert!(answer.healed.is_none());
}

#[tokio::test]
async fn the_odoo_secret_is_read_on_the_first_invocation_and_again_after_a_failure() {
    let target = spine_testkit::odoo::target().await;
    let config = target.config(target.protocols()[0]);
    let (dynamodb, sqs) = (spine_testkit::dynamodb().await, spine_testkit::sqs().await);
    let ledger_table = spine_testkit::create_table(&dynamodb, "ledger", create_ledger_table).await;
    let reports_table = spine_testkit::create_table(&dynamodb, "reports", create_reports_table).await;
    let (queue_url, dlq_url) = spine_testkit::create_queue_and_dlq(&sqs, "work").await;
    let flow = FlowQueues { queue_url, dlq_url };
    let secret_id = unique_name("odoo-secret");
    let settings = Settings {
        ledger_table,
        idempotency_table: unique_name("idempotency"),
        reports_table,
        queues: QueueConfig {
            order: flow.clone(),
            payment: flow.clone(),
            refund: flow.clone(),
            shipment: flow,
        },
        odoo: OdooFrom::Secret(secret_id.clone()),
        reconcile: ReconcileConfig::default(),
    };
    // Nothing is read over the network until an invocation.
    let function = Function::new("reconcile", settings, spine_testkit::sdk_config().await);
    let request = || json!({"from": "2016-02-29", "to": "2016-02-29"});

    let err = reconcile::invoke(&function, request()).await.unwrap_err();
    assert!(
        matches!(&err, HandlerError::Connect(ConnectError::Secret(SecretsError::NotFound { secret_id: id })) if *id == secret_id),
        "{err:?}"
    );

    let value = OdooSecret::value_of(&config);
    spine_testkit::secretsmanager()
        .await
        .create_secret()
        .name(&secret_id)
        .secret_string(value.to_string())
        .send()
        .await
        .unwrap();
    let answer = reconcile::invoke(&function, request()).await.unwrap();
    assert_eq!(answer.exceptions[&ExceptionKind::Missing], 0);
    // Built once: the next invocation reuses the clients.
    assert!(reconcile::invoke(&function, request()).await.is_ok());
}
