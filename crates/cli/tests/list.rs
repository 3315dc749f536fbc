//! Listing and showing parked messages against emulated AWS: reasons read back, nothing
//! consumed, ledger history shown.

mod common;

use common::*;
use spinectl::Filter;

#[tokio::test]
async fn parked_messages_are_listed_with_their_reasons_and_stay_in_the_dlq() {
    let world = world().await;
    let (a, b, c) = (order_envelope(), order_envelope(), order_envelope());
    world.park(&a, "permanent").await;
    world.park(&b, "waiting_on_dependency").await;
    world.park(&c, "waiting_on_dependency").await;
    let op = world.operator();

    let all = op.list(None, &Filter::default()).await.unwrap();

    assert_eq!(all.len(), 3);
    let listed_a = all
        .iter()
        .find(|p| p.event_key.as_ref() == Some(&a.event_key))
        .expect("a listed");
    let reason = listed_a.reason.as_ref().expect("reason read back");
    assert_eq!(reason.class, "permanent");
    assert_eq!(reason.attempts, 3);
    assert!(reason.message.contains(a.event_key.as_str()));
    assert_eq!(
        listed_a.source_event_id.as_deref(),
        Some(a.source_event_id.as_str())
    );
    // Peeking consumed nothing: a second look sees all three again at once.
    let again = op.list(None, &Filter::default()).await.unwrap();
    assert_eq!(again.len(), 3);
    let waiting = Filter {
        reason: Some("waiting_on_dependency".into()),
        ..Filter::default()
    };
    let keys: Vec<_> = op
        .list(None, &waiting)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| p.event_key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&b.event_key) && keys.contains(&c.event_key));
}

#[tokio::test]
async fn show_finds_by_event_key_or_message_id_with_the_ledger_history() {
    let world = world().await;
    let a = order_envelope();
    world.park(&a, "permanent").await;
    let op = world.operator();

    let shown = op.show(None, a.event_key.as_str()).await.unwrap();

    assert_eq!(shown.parked.message.body, a.to_json());
    let entry = shown.ledger.expect("ledger entry");
    let actions: Vec<_> = entry.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["RECEIVED", "QUEUED", "PARKED"]);
    let by_id = op.show(None, &shown.parked.message.message_id).await.unwrap();
    assert_eq!(by_id.parked.event_key, Some(a.event_key.clone()));
    let missing = op.show(None, "shopify-nothere").await.unwrap_err();
    assert_eq!(missing.exit_code(), spinectl::error::EXIT_NOT_FOUND);
}
