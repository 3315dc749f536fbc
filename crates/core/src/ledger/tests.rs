//! Unit tests of the transition rules and the in-memory ledger.

use super::memory::MemoryLedger;
use super::transition::{Transition, allowed_from, check};
use super::*;
use crate::idempotency::tests::block_on;
use crate::money::Currency;
use chrono::TimeZone;

pub(crate) fn sample_entry(event_id: &str, flow: Flow, received: DateTime<Utc>) -> LedgerEntry {
    let source = SourceName::parse("shopify").unwrap();
    let source_event_id = SourceEventId::parse(event_id).unwrap();
    LedgerEntry {
        event_key: EventKey::derive(&source, &source_event_id),
        business_key: BusinessKey {
            flow,
            source: source.clone(),
            entity_id: source_event_id.clone(),
            revision: 1,
        },
        source,
        source_event_id,
        flow,
        contract_version: format!("{flow}.v1"),
        topic: "orders/create".into(),
        correlation_id: CorrelationId::parse("corr-1").unwrap(),
        received_at: received,
        occurred_at: Some(received - chrono::Duration::seconds(3)),
        amount: Some(Money::from_minor(2350, Currency::parse("USD").unwrap())),
        status: LedgerStatus::Received,
        updated_at: received,
        history: vec![],
        payload: serde_json::json!({"id": event_id}),
    }
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

#[test]
fn final_statuses_never_reopen() {
    for to in StatusKind::ALL {
        assert_ne!(
            check(StatusKind::Applied, to),
            Transition::Apply,
            "APPLIED -> {to}"
        );
        assert_ne!(check(StatusKind::Discarded, to), Transition::Apply);
        assert_ne!(check(StatusKind::Ignored, to), Transition::Apply);
    }
    assert_eq!(check(StatusKind::Applied, StatusKind::Queued), Transition::Refuse);
    assert_eq!(check(StatusKind::Applied, StatusKind::Applied), Transition::NoOp);
    assert_eq!(
        check(StatusKind::Queued, StatusKind::Received),
        Transition::Refuse
    );
    assert_eq!(check(StatusKind::Parked, StatusKind::Queued), Transition::Apply);
    assert_eq!(
        check(StatusKind::Received, StatusKind::Applied),
        Transition::Apply
    );
    assert!(allowed_from(StatusKind::Received).is_empty());
    assert!(
        StatusKind::ALL
            .iter()
            .all(|k| StatusKind::parse(k.as_str()) == Some(*k))
    );
}

#[test]
fn duplicate_put_reports_the_existing_status() {
    let ledger = MemoryLedger::new();
    let entry = sample_entry("e1", Flow::Order, at(10, 0));
    assert_eq!(
        block_on(ledger.put_received(&entry)).unwrap(),
        PutOutcome::Inserted
    );
    assert_eq!(
        block_on(ledger.put_received(&entry)).unwrap(),
        PutOutcome::Duplicate {
            status: StatusKind::Received
        }
    );
    block_on(ledger.mark_queued(&entry.event_key, at(10, 1), "webhook")).unwrap();
    assert_eq!(
        block_on(ledger.put_received(&entry)).unwrap(),
        PutOutcome::Duplicate {
            status: StatusKind::Queued
        }
    );
    let mut bad = sample_entry("e2", Flow::Order, at(10, 0));
    bad.status = LedgerStatus::Queued;
    assert!(matches!(
        block_on(ledger.put_received(&bad)),
        Err(LedgerError::InvalidInitialStatus(StatusKind::Queued))
    ));
}

#[test]
fn transitions_are_guarded_and_recorded() {
    let ledger = MemoryLedger::new();
    let entry = sample_entry("e1", Flow::Payment, at(9, 0));
    let key = entry.event_key.clone();
    block_on(ledger.put_received(&entry)).unwrap();
    block_on(ledger.mark_queued(&key, at(9, 1), "webhook")).unwrap();
    let records = [OdooRecords {
        model: "account.payment".into(),
        ids: vec![5],
    }];
    block_on(ledger.mark_applied(&key, &records, at(9, 2), "payment-sync")).unwrap();
    block_on(ledger.mark_applied(&key, &records, at(9, 3), "payment-sync")).unwrap();
    let err = block_on(ledger.mark_queued(&key, at(9, 4), "webhook")).unwrap_err();
    assert!(matches!(
        err,
        LedgerError::InvalidTransition {
            from: StatusKind::Applied,
            to: StatusKind::Queued,
            ..
        }
    ));
    let audit = HistoryEntry {
        at: at(9, 5),
        actor: "ops@example".into(),
        action: "note".into(),
        detail: None,
    };
    block_on(ledger.append_audit(&key, &audit)).unwrap();
    let stored = block_on(ledger.get(&key)).unwrap().unwrap();
    assert_eq!(
        stored.status,
        LedgerStatus::Applied {
            records: records.to_vec()
        }
    );
    assert_eq!(stored.updated_at, at(9, 2));
    let actions: Vec<&str> = stored.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["QUEUED", "APPLIED", "note"]);
    let missing = EventKey::derive(&entry.source, &SourceEventId::parse("nope").unwrap());
    assert!(matches!(
        block_on(ledger.mark_queued(&missing, at(9, 6), "x")),
        Err(LedgerError::NotFound(_))
    ));
}

#[test]
fn queries_filter_sort_and_page() {
    let ledger = MemoryLedger::new();
    for (i, minute) in [5u32, 1, 3].into_iter().enumerate() {
        block_on(ledger.put_received(&sample_entry(&format!("o{i}"), Flow::Order, at(8, minute)))).unwrap();
    }
    let next_day = sample_entry("late", Flow::Order, at(8, 0) + chrono::Duration::days(1));
    block_on(ledger.put_received(&next_day)).unwrap();
    block_on(ledger.put_received(&sample_entry("p", Flow::Payment, at(8, 2)))).unwrap();
    let day = at(8, 0).date_naive();
    let first = block_on(ledger.query_by_flow_day(Flow::Order, day, 2, None)).unwrap();
    let second = block_on(ledger.query_by_flow_day(Flow::Order, day, 2, first.next.clone())).unwrap();
    let ids: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|e| e.source_event_id.to_string())
        .collect();
    assert_eq!(ids, ["o1", "o2", "o0"]);
    assert!(second.next.is_none());
    let stuck = block_on(ledger.query_by_status(StatusKind::Received, Some(Flow::Order), at(8, 4), 10, None))
        .unwrap();
    let ids: Vec<String> = stuck
        .items
        .iter()
        .map(|e| e.source_event_id.to_string())
        .collect();
    assert_eq!(ids, ["o1", "o2"]);
    let all = block_on(ledger.query_by_status(StatusKind::Received, None, at(8, 4), 10, None)).unwrap();
    assert_eq!(all.items.len(), 3);
    let none = block_on(ledger.query_by_status(StatusKind::Applied, None, at(23, 0), 10, None)).unwrap();
    assert!(none.items.is_empty());
    assert!(matches!(
        block_on(ledger.query_by_flow_day(Flow::Order, day, 2, Some(PageToken("x".into())))),
        Err(LedgerError::InvalidPageToken(_))
    ));
}
