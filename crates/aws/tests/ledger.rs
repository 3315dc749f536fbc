//! The DynamoDB ledger through the real SDK against the emulator (moto). Each test
//! creates its own table.

use chrono::{DateTime, Duration, TimeZone, Utc};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table, item::entry_to_item};
use spine_core::idempotency::StoreError;
use spine_core::ledger::{HistoryEntry, OdooRecords, Page, PageToken, PutOutcome};
use spine_core::{
    BusinessKey, CorrelationId, Currency, EventKey, Flow, Ledger, LedgerEntry, LedgerError, LedgerStatus,
    Money, SourceEventId, SourceName, StatusKind,
};

async fn ledger() -> (DynamoLedger, aws_sdk_dynamodb::Client, String) {
    let client = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("ledger");
    create_ledger_table(&client, &table)
        .unwrap()
        .send()
        .await
        .unwrap();
    let ledger = DynamoLedger::new(client.clone(), LedgerTableConfig { table: table.clone() });
    (ledger, client, table)
}

fn day0(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, s).unwrap()
}

fn entry(event_id: &str, flow: Flow, received: DateTime<Utc>) -> LedgerEntry {
    let source = SourceName::parse("stripe").unwrap();
    let source_event_id = SourceEventId::parse(event_id).unwrap();
    LedgerEntry {
        event_key: EventKey::derive(&source, &source_event_id),
        business_key: BusinessKey {
            flow,
            source: source.clone(),
            entity_id: SourceEventId::parse(&format!("obj-{event_id}")).unwrap(),
            revision: 2,
        },
        source,
        source_event_id,
        flow,
        contract_version: format!("{flow}.v1"),
        topic: "payment_intent.succeeded".into(),
        correlation_id: CorrelationId::parse("trace-abc").unwrap(),
        received_at: received,
        occurred_at: Some(received - Duration::milliseconds(1500)),
        amount: Some(Money::from_minor(150_000, Currency::parse("IDR").unwrap())),
        status: LedgerStatus::Received,
        updated_at: received,
        history: vec![],
        payload: serde_json::json!({"id": event_id, "lines": [{"sku": "A-1", "qty": 2}]}),
    }
}

/// Every item of a paged query, and how many pages it took.
async fn all_pages<F, Fut>(mut query: F) -> (Vec<LedgerEntry>, usize)
where
    F: FnMut(Option<PageToken>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<LedgerEntry>, LedgerError>>,
{
    let (mut items, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let page = query(token).await.unwrap();
        pages += 1;
        items.extend(page.items);
        match page.next {
            Some(next) => token = Some(next),
            None => return (items, pages),
        }
    }
}

fn ids(items: &[LedgerEntry]) -> Vec<String> {
    items.iter().map(|e| e.source_event_id.to_string()).collect()
}

#[tokio::test]
async fn a_second_put_is_a_duplicate_carrying_the_status() {
    let (ledger, _, _) = ledger().await;
    let e = entry("evt_1", Flow::Payment, day0(10, 0, 0));
    assert_eq!(ledger.put_received(&e).await.unwrap(), PutOutcome::Inserted);
    assert_eq!(
        ledger.put_received(&e).await.unwrap(),
        PutOutcome::Duplicate {
            status: StatusKind::Received
        }
    );
    ledger
        .mark_queued(&e.event_key, day0(10, 0, 1), "webhook")
        .await
        .unwrap();
    let mut retry = e.clone();
    retry.correlation_id = CorrelationId::parse("another-trace").unwrap();
    assert_eq!(
        ledger.put_received(&retry).await.unwrap(),
        PutOutcome::Duplicate {
            status: StatusKind::Queued
        }
    );
    // The duplicate did not overwrite the first entry.
    let stored = ledger.get(&e.event_key).await.unwrap().unwrap();
    assert_eq!(stored.correlation_id, e.correlation_id);
}

#[tokio::test]
async fn an_entry_reads_back_as_written() {
    let (ledger, _, _) = ledger().await;
    let mut e = entry(
        "evt_rt",
        Flow::Order,
        day0(11, 30, 15) + Duration::milliseconds(123),
    );
    e.occurred_at = None;
    ledger.put_received(&e).await.unwrap();
    assert_eq!(ledger.get(&e.event_key).await.unwrap(), Some(e.clone()));
    let mut ignored = entry("evt_ign", Flow::Order, day0(11, 31, 0));
    ignored.status = LedgerStatus::Ignored;
    ignored.amount = None;
    ledger.put_received(&ignored).await.unwrap();
    assert_eq!(ledger.get(&ignored.event_key).await.unwrap(), Some(ignored));
    let absent = EventKey::derive(&e.source, &SourceEventId::parse("never").unwrap());
    assert_eq!(ledger.get(&absent).await.unwrap(), None);
}

#[tokio::test]
async fn transitions_are_guarded_and_history_is_kept() {
    let (ledger, _, _) = ledger().await;
    let e = entry("evt_tr", Flow::Order, day0(9, 0, 0));
    let key = e.event_key.clone();
    ledger.put_received(&e).await.unwrap();
    ledger.mark_queued(&key, day0(9, 0, 1), "webhook").await.unwrap();
    ledger
        .mark_parked(
            &key,
            "business",
            "product A-1 unknown",
            day0(9, 1, 0),
            "order-sync",
        )
        .await
        .unwrap();
    ledger.mark_queued(&key, day0(9, 2, 0), "redrive").await.unwrap();
    let records = vec![OdooRecords {
        model: "sale.order".into(),
        ids: vec![41],
    }];
    ledger
        .mark_applied(&key, &records, day0(9, 3, 0), "order-sync")
        .await
        .unwrap();
    // A worker retry marking APPLIED again is a no-op, not an error.
    ledger
        .mark_applied(&key, &records, day0(9, 4, 0), "order-sync")
        .await
        .unwrap();
    let err = ledger
        .mark_queued(&key, day0(9, 5, 0), "webhook")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::InvalidTransition {
                from: StatusKind::Applied,
                to: StatusKind::Queued,
                ..
            }
        ),
        "{err:?}"
    );
    let err = ledger
        .mark_parked(&key, "x", "y", day0(9, 5, 0), "w")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        LedgerError::InvalidTransition {
            from: StatusKind::Applied,
            ..
        }
    ));
    let stored = ledger.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.status, LedgerStatus::Applied { records });
    assert_eq!(stored.updated_at, day0(9, 3, 0));
    let trail: Vec<(&str, &str)> = stored
        .history
        .iter()
        .map(|h| (h.action.as_str(), h.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("QUEUED", "webhook"),
            ("PARKED", "order-sync"),
            ("QUEUED", "redrive"),
            ("APPLIED", "order-sync")
        ]
    );
    assert_eq!(
        stored.history[1].detail.as_deref(),
        Some("business: product A-1 unknown")
    );
    let missing = EventKey::derive(&e.source, &SourceEventId::parse("nope").unwrap());
    let err = ledger
        .mark_queued(&missing, day0(9, 6, 0), "webhook")
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::NotFound(k) if k == missing));
}

#[tokio::test]
async fn discard_is_final_and_audit_lines_are_appended() {
    let (ledger, _, _) = ledger().await;
    let e = entry("evt_dc", Flow::Refund, day0(8, 0, 0));
    let key = e.event_key.clone();
    ledger.put_received(&e).await.unwrap();
    ledger
        .mark_parked(&key, "contract", "bad amount", day0(8, 1, 0), "refund-sync")
        .await
        .unwrap();
    let redrive = HistoryEntry {
        at: day0(8, 2, 0),
        actor: "arn:aws:iam::1:user/ops".into(),
        action: "redrive-dry-run".into(),
        detail: Some("would send to refunds".into()),
    };
    ledger.append_audit(&key, &redrive).await.unwrap();
    ledger
        .mark_discarded(&key, "test order", "ops@example.com", day0(8, 3, 0))
        .await
        .unwrap();
    let err = ledger
        .mark_queued(&key, day0(8, 4, 0), "redrive")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        LedgerError::InvalidTransition {
            from: StatusKind::Discarded,
            ..
        }
    ));
    let note = HistoryEntry {
        at: day0(8, 5, 0),
        actor: "ops@example.com".into(),
        action: "note".into(),
        detail: None,
    };
    ledger.append_audit(&key, &note).await.unwrap();
    let stored = ledger.get(&key).await.unwrap().unwrap();
    assert_eq!(
        stored.status,
        LedgerStatus::Discarded {
            reason: "test order".into(),
            by: "ops@example.com".into()
        }
    );
    assert_eq!(stored.history.len(), 4);
    assert_eq!(stored.history[1], redrive);
    assert_eq!(stored.history[3], note);
    let missing = EventKey::derive(&e.source, &SourceEventId::parse("nope").unwrap());
    assert!(matches!(
        ledger.append_audit(&missing, &note).await,
        Err(LedgerError::NotFound(_))
    ));
}

#[tokio::test]
async fn flow_and_day_query_returns_exactly_that_day_in_pages() {
    let (ledger, _, _) = ledger().await;
    let mut expected = Vec::new();
    // Seven payments on day 0, inserted out of order, the last at 23:59:59.999.
    for (i, minute) in [30u32, 5, 59, 0, 17, 44, 8].into_iter().enumerate() {
        let at = day0(12, minute, 0) + Duration::milliseconds(i as i64);
        expected.push((at, format!("p{i}")));
        ledger
            .put_received(&entry(&format!("p{i}"), Flow::Payment, at))
            .await
            .unwrap();
    }
    let edge = day0(23, 59, 59) + Duration::milliseconds(999);
    expected.push((edge, "p-edge".into()));
    ledger
        .put_received(&entry("p-edge", Flow::Payment, edge))
        .await
        .unwrap();
    // Noise: the same flow on neighbouring days, another flow on the same day.
    ledger
        .put_received(&entry("p-next", Flow::Payment, day0(0, 0, 0) + Duration::days(1)))
        .await
        .unwrap();
    ledger
        .put_received(&entry(
            "p-prev",
            Flow::Payment,
            day0(0, 0, 0) - Duration::milliseconds(1),
        ))
        .await
        .unwrap();
    ledger
        .put_received(&entry("o-same", Flow::Order, day0(12, 1, 0)))
        .await
        .unwrap();
    expected.sort();
    let day = day0(0, 0, 0).date_naive();
    let (items, pages) = all_pages(|token| ledger.query_by_flow_day(Flow::Payment, day, 3, token)).await;
    let want: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids(&items), want);
    assert!(pages >= 3, "8 items at 3 a page took {pages} pages");
    assert!(
        items
            .iter()
            .all(|e| e.payload["id"] == e.source_event_id.as_str())
    );
}

#[tokio::test]
async fn status_and_age_query_finds_the_stuck_ones() {
    let (ledger, _, _) = ledger().await;
    let base = day0(6, 0, 0);
    for i in 0..9u32 {
        let flow = if i % 3 == 2 { Flow::Shipment } else { Flow::Order };
        let e = entry(&format!("s{i}"), flow, base);
        ledger.put_received(&e).await.unwrap();
        // s0..s8 queued at minute i; s2 and s6 then applied, s4 parked.
        ledger
            .mark_queued(&e.event_key, base + Duration::minutes(i64::from(i)), "webhook")
            .await
            .unwrap();
        match i {
            2 | 6 => ledger
                .mark_applied(&e.event_key, &[], base + Duration::minutes(30), "w")
                .await
                .unwrap(),
            4 => ledger
                .mark_parked(&e.event_key, "business", "x", base + Duration::minutes(1), "w")
                .await
                .unwrap(),
            _ => {}
        }
    }
    ledger
        .put_received(&entry("r0", Flow::Order, base))
        .await
        .unwrap();
    let cutoff = base + Duration::minutes(7);
    let (queued, pages) = all_pages(|t| ledger.query_by_status(StatusKind::Queued, None, cutoff, 2, t)).await;
    assert_eq!(ids(&queued), ["s0", "s1", "s3", "s5"]);
    assert!(pages >= 2);
    let (orders, _) =
        all_pages(|t| ledger.query_by_status(StatusKind::Queued, Some(Flow::Order), cutoff, 2, t)).await;
    assert_eq!(ids(&orders), ["s0", "s1", "s3"]);
    let (shipments, _) = all_pages(|t| {
        ledger.query_by_status(
            StatusKind::Queued,
            Some(Flow::Shipment),
            base + Duration::hours(1),
            10,
            t,
        )
    })
    .await;
    assert_eq!(ids(&shipments), ["s5", "s8"]);
    let (parked, _) = all_pages(|t| ledger.query_by_status(StatusKind::Parked, None, cutoff, 10, t)).await;
    assert_eq!(ids(&parked), ["s4"]);
    let (received, _) =
        all_pages(|t| ledger.query_by_status(StatusKind::Received, None, cutoff, 10, t)).await;
    assert_eq!(ids(&received), ["r0"]);
    let applied = ledger
        .query_by_status(StatusKind::Applied, None, base + Duration::days(9), 10, None)
        .await;
    assert_eq!(
        applied.unwrap(),
        Page {
            items: vec![],
            next: None
        }
    );
}

#[tokio::test]
async fn bad_tokens_and_malformed_items_are_clear_errors() {
    let (ledger, client, table) = ledger().await;
    let day = day0(0, 0, 0).date_naive();
    let bad = ledger
        .query_by_flow_day(Flow::Order, day, 5, Some(PageToken("{\"x\":1}".into())))
        .await;
    assert!(matches!(bad, Err(LedgerError::InvalidPageToken(_))));
    let e = entry("evt_bad", Flow::Order, day0(1, 0, 0));
    let mut item = entry_to_item(&e);
    item.insert(
        "flow".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("invoice".into()),
    );
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let err = ledger.get(&e.event_key).await.unwrap_err();
    assert!(
        matches!(&err, LedgerError::Store(StoreError::Malformed { attribute, .. }) if attribute == "flow"),
        "{err:?}"
    );
}
