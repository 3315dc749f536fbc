//! Secrets Manager adapter against moto through the real SDK: typed reads, cache TTL,
//! rotation picked up on a credentials error, previous version for the grace period,
//! and the typed errors.

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use spine_aws::secrets::{CredentialedError, SecretsCache, SecretsConfig, SecretsError, call_with_rotation};
use spine_odoo::{Domain, OdooClient, Protocol};
use spine_testkit::{secretsmanager, unique_name};

async fn create(client: &Client, value: &serde_json::Value) -> String {
    create_raw(client, &value.to_string()).await
}

async fn create_raw(client: &Client, text: &str) -> String {
    let name = unique_name("spine-secret");
    client
        .create_secret()
        .name(&name)
        .secret_string(text)
        .send()
        .await
        .expect("moto creates the secret");
    name
}

async fn rotate(client: &Client, name: &str, value: &serde_json::Value) {
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(value.to_string())
        .send()
        .await
        .expect("moto stores a new AWSCURRENT version");
}

fn long_ttl(client: Client) -> SecretsCache {
    SecretsCache::new(
        client,
        SecretsConfig {
            ttl: Duration::from_secs(3600),
        },
    )
}

fn odoo_json(url: &str, key: &str) -> serde_json::Value {
    json!({"url": url, "db": "odoo", "login": "admin", "api_key": key, "protocol": "json2"})
}

#[tokio::test]
async fn rotated_key_is_picked_up_after_a_credentials_error_without_waiting_for_the_ttl() {
    // GIVEN a running Odoo that accepts only the new key, and a secret holding the old one
    let target = spine_testkit::odoo::target().await;
    let good = target.config(Protocol::Json2);
    let sm = secretsmanager().await;
    let url = good.url.to_string();
    let name = create(&sm, &odoo_json(&url, "revoked-key")).await;
    let cache = long_ttl(sm.clone());
    let secret = cache.odoo(&name).await.expect("typed secret");
    let mut config = secret.to_config(&name).expect("valid config");
    config.database = good.database.clone();
    config.login = good.login.clone();
    let client = OdooClient::new(config).expect("client");

    // WHEN the key is rotated in Secrets Manager while the cache still holds the old one
    rotate(&sm, &name, &odoo_json(&url, good.api_key.expose_secret())).await;
    let cached = cache.odoo(&name).await.expect("cached");
    assert_eq!(
        cached.api_key.expose_secret(),
        "revoked-key",
        "TTL not yet passed"
    );
    let domain = Domain::all();
    let count = call_with_rotation(&cache, &name, &client, || {
        client.search_count("res.partner", &domain)
    })
    .await;

    // THEN the call succeeded on its retry with the new key, and the cache holds both versions
    assert!(count.is_ok(), "call after rotation: {count:?}");
    let snapshot = cache.get(&name).await.expect("snapshot");
    let current = snapshot.current.fields.require("api_key").expect("api_key");
    assert_eq!(current.expose_secret(), good.api_key.expose_secret());
    let previous = snapshot.previous.as_ref().expect("AWSPREVIOUS after a rotation");
    let old = previous.fields.require("api_key").expect("old api_key");
    assert_eq!(old.expose_secret(), "revoked-key");
    assert_ne!(previous.version_id, snapshot.current.version_id);
    assert!(snapshot.current.created_at.is_some(), "creation date read");
}

#[tokio::test]
async fn a_key_that_stays_wrong_is_returned_as_a_credentials_error_after_one_retry() {
    let target = spine_testkit::odoo::target().await;
    let good = target.config(Protocol::Json2);
    let sm = secretsmanager().await;
    let name = create(&sm, &odoo_json(good.url.as_str(), "wrong-key")).await;
    let cache = long_ttl(sm);
    let mut config = cache
        .odoo(&name)
        .await
        .expect("typed")
        .to_config(&name)
        .expect("config");
    config.database = good.database.clone();
    let client = OdooClient::new(config).expect("client");
    let mut calls = 0;
    let domain = Domain::all();
    let result = call_with_rotation(&cache, &name, &client, || {
        calls += 1;
        client.search_count("res.partner", &domain)
    })
    .await;
    assert!(
        matches!(&result, Err(CredentialedError::Odoo(e)) if e.kind() == spine_odoo::ErrorKind::Credentials),
        "{result:?}"
    );
    assert_eq!(calls, 2, "exactly one retry");
}

#[tokio::test]
async fn webhook_secrets_offer_the_previous_version_during_the_grace_period() {
    let sm = secretsmanager().await;
    let name = create(&sm, &json!({"hmac_secret": "old-secret"})).await;
    rotate(&sm, &name, &json!({"hmac_secret": "new-secret"})).await;
    let cache = long_ttl(sm);
    let hooks = cache
        .webhook(&name, "hmac_secret")
        .await
        .expect("webhook secrets");
    let rotated = hooks.snapshot().current.created_at.expect("creation date");
    let grace = chrono::Duration::minutes(30);
    let during: Vec<&str> = hooks
        .candidates("hmac_secret", rotated + chrono::Duration::minutes(1), grace)
        .into_iter()
        .map(|s| s.expose_secret())
        .collect();
    assert_eq!(during, ["new-secret", "old-secret"]);
    let after = hooks.candidates("hmac_secret", rotated + chrono::Duration::hours(1), grace);
    assert_eq!(after.len(), 1);
    assert_eq!(
        hooks.current("hmac_secret").expect("current").expose_secret(),
        "new-secret"
    );
}

#[tokio::test]
async fn missing_field_not_json_and_unknown_secret_are_typed_errors_without_values() {
    let sm = secretsmanager().await;
    let cache = long_ttl(sm.clone());
    let partial = create(
        &sm,
        &json!({"url": "http://odoo", "db": "d", "api_key": "s3cr3t"}),
    )
    .await;
    let err = cache.odoo(&partial).await.expect_err("login missing");
    assert!(
        matches!(&err, SecretsError::MissingField { field, .. } if field == "login"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("s3cr3t"));

    let garbage = create_raw(&sm, "api_key=s3cr3t").await;
    let err = cache.get(&garbage).await.expect_err("not JSON");
    assert!(matches!(err, SecretsError::NotJson { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cr3t"));

    let err = cache
        .get(&unique_name("absent"))
        .await
        .expect_err("no such secret");
    assert!(matches!(err, SecretsError::NotFound { .. }), "{err:?}");

    let bad_protocol = create(
        &sm,
        &json!({"url": "http://o", "db": "d", "login": "l", "api_key": "k", "protocol": "soap"}),
    )
    .await;
    let err = cache.odoo(&bad_protocol).await.expect_err("bad protocol");
    assert!(
        matches!(
            err,
            SecretsError::Invalid {
                field: "protocol",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn concurrent_readers_share_the_cache_and_invalidate_forces_a_fetch() {
    let sm = secretsmanager().await;
    let name = create(&sm, &json!({"hmac_secret": "v1"})).await;
    let cache = long_ttl(sm.clone());
    let reads = (0..20).map(|_| {
        let cache = cache.clone();
        let name = name.clone();
        tokio::spawn(async move { cache.get(&name).await.map(|s| s.fetched_at) })
    });
    let mut stamps = Vec::new();
    for read in reads {
        stamps.push(read.await.expect("task").expect("read"));
    }
    stamps.dedup();
    assert_eq!(stamps.len(), 1, "one fetch served all twenty readers");

    rotate(&sm, &name, &json!({"hmac_secret": "v2"})).await;
    cache.invalidate(&name).await;
    let fresh = cache.get(&name).await.expect("refetched");
    let value: &SecretString = fresh.current.fields.require("hmac_secret").expect("field");
    assert_eq!(value.expose_secret(), "v2");
}
