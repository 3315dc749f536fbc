//! Answers a quiet server never gives but production does (ODOO.md: 429, 502/503/504,
//! serialization failures, HTML pages, broken JSON), served by a canned-answer server;
//! and the retry rules that follow from each.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::capture::{Canned, CaptureServer, Captured};
use common::rec;
use serde_json::{Value, json};
use spine_odoo::{Domain, ErrorKind, OdooClient, OdooError, Protocol, RetryPolicy};

const BOTH: [Protocol; 2] = [Protocol::Json2, Protocol::JsonRpc];

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

fn is_auth(req: &Captured) -> bool {
    req.body["params"]["method"] == "authenticate"
}

/// Answers authenticate with uid 2; every other request with `fail` for the first
/// `failures` calls, then with `ok` (a bare result or a JSON-RPC envelope around it).
async fn flaky(
    failures: usize,
    fail: impl Fn(&Captured) -> Canned + Send + Sync + 'static,
    ok: Value,
) -> CaptureServer {
    let seen = Arc::new(AtomicUsize::new(0));
    CaptureServer::start(move |req| {
        if is_auth(req) {
            return Canned::rpc_result(req, json!(2));
        }
        if seen.fetch_add(1, Ordering::SeqCst) < failures {
            return fail(req);
        }
        if req.path == "/jsonrpc" {
            Canned::rpc_result(req, ok.clone())
        } else {
            Canned::json(200, ok.clone())
        }
    })
    .await
}

fn calls(srv: &mut CaptureServer) -> usize {
    srv.drain().iter().filter(|r| !is_auth(r)).count()
}

async fn count(odoo: &OdooClient) -> Result<u64, OdooError> {
    odoo.search_count("res.partner", &Domain::all()).await
}

async fn create(odoo: &OdooClient) -> Result<Vec<i64>, OdooError> {
    odoo.create("res.partner", &[rec(json!({"name": "A"}))]).await
}

#[tokio::test]
async fn proxy_statuses_are_transient_and_reads_retry_through_them() {
    for protocol in BOTH {
        for status in [502, 503, 504] {
            let mut srv = flaky(2, move |_| Canned::html(status, "<h1>proxy</h1>"), json!(4)).await;
            let odoo = srv.client(protocol, quick(4));
            assert_eq!(
                count(&odoo).await.expect("third attempt succeeds"),
                4,
                "{protocol} {status}"
            );
            assert_eq!(calls(&mut srv), 3);

            let mut srv = flaky(9, move |_| Canned::html(status, "<h1>proxy</h1>"), json!(4)).await;
            let err = count(&srv.client(protocol, quick(3)))
                .await
                .expect_err("always failing");
            assert_eq!(err.kind(), ErrorKind::Transient, "{protocol} {status}");
            assert!(matches!(err, OdooError::Http { status: s, .. } if s == status));
            assert_eq!(calls(&mut srv), 3, "max_attempts bounds the retries");
        }
    }
}

#[tokio::test]
async fn create_retries_only_where_the_server_cannot_have_applied_it() {
    for protocol in BOTH {
        // 503 and 429 are answered before Odoo runs anything: safe to send again.
        let mut srv = flaky(1, |_| Canned::html(503, "busy"), json!([7])).await;
        assert_eq!(
            create(&srv.client(protocol, quick(3))).await.expect("retried"),
            vec![7],
            "{protocol}"
        );
        assert_eq!(calls(&mut srv), 2);
        // 502 and 504 may come after Odoo committed: a create is not sent twice.
        for status in [502, 504] {
            let mut srv = flaky(1, move |_| Canned::html(status, "gateway"), json!([7])).await;
            let err = create(&srv.client(protocol, quick(3)))
                .await
                .expect_err("not retried");
            assert!(
                err.is_transient() && err.may_have_applied(),
                "{protocol} {status}: {err}"
            );
            assert_eq!(calls(&mut srv), 1, "{protocol} {status}");
        }
    }
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    for protocol in BOTH {
        let mut srv = flaky(
            1,
            |_| Canned::html(429, "slow down").with_header("retry-after", "0"),
            json!(4),
        )
        .await;
        assert_eq!(
            count(&srv.client(protocol, quick(3)))
                .await
                .expect("retried after 0 s"),
            4
        );
        assert_eq!(calls(&mut srv), 2, "{protocol}");

        // A hint longer than max_delay is handed back to the caller instead of slept on.
        let mut srv = flaky(
            1,
            |_| Canned::html(429, "slow down").with_header("retry-after", "30"),
            json!(4),
        )
        .await;
        let err = count(&srv.client(protocol, quick(3)))
            .await
            .expect_err("hint too long");
        assert_eq!(
            (err.kind(), err.retry_after()),
            (ErrorKind::Transient, Some(Duration::from_secs(30))),
            "{protocol}"
        );
        assert_eq!(calls(&mut srv), 1);
    }
}

fn serialization_failure(req: &Captured) -> Canned {
    let (name, message) = (
        "psycopg2.errors.SerializationFailure",
        "could not serialize access due to concurrent update",
    );
    if req.path == "/jsonrpc" {
        Canned::rpc_error(req, name, message)
    } else {
        Canned::json(
            500,
            json!({"name": name, "message": message, "arguments": [message], "context": {}, "debug": "Traceback"}),
        )
    }
}

#[tokio::test]
async fn serialization_failure_is_transient_and_even_create_retries() {
    for protocol in BOTH {
        // Odoo rolled the transaction back before answering, so repeating is safe.
        let mut srv = flaky(1, serialization_failure, json!([8])).await;
        assert_eq!(
            create(&srv.client(protocol, quick(3))).await.expect("retried"),
            vec![8],
            "{protocol}"
        );
        assert_eq!(calls(&mut srv), 2);
        let mut srv = flaky(5, serialization_failure, json!([8])).await;
        let err = create(&srv.client(protocol, quick(2)))
            .await
            .expect_err("still failing");
        assert_eq!(err.kind(), ErrorKind::Transient);
        assert!(
            !err.may_have_applied(),
            "a rolled-back transaction applied nothing"
        );
        assert_eq!(calls(&mut srv), 2, "{protocol}: max_attempts 2");
    }
}

#[tokio::test]
async fn html_404_means_configuration_on_json2_and_protocol_on_jsonrpc() {
    let page = "<!doctype html>\n<title>404 Not Found</title>";
    let mut srv = CaptureServer::start(move |_| Canned::html(404, page)).await;
    let err = count(&srv.client(Protocol::Json2, quick(3)))
        .await
        .expect_err("404");
    assert_eq!(
        err.kind(),
        ErrorKind::Configuration,
        "unknown database or no JSON-2: {err}"
    );
    let err = count(&srv.client(Protocol::JsonRpc, quick(3)))
        .await
        .expect_err("404");
    assert_eq!(
        err.kind(),
        ErrorKind::Protocol,
        "/jsonrpc always answers 200 on an Odoo: {err}"
    );
    assert_eq!(srv.drain().len(), 2, "permanent errors are not retried");
}

#[tokio::test]
async fn broken_answers_are_protocol_errors() {
    for protocol in BOTH {
        let mut srv = flaky(
            9,
            |_| Canned::json(200, json!("x")).with_body("{not json"),
            json!(0),
        )
        .await;
        let err = count(&srv.client(protocol, quick(3)))
            .await
            .expect_err("invalid JSON");
        assert_eq!(err.kind(), ErrorKind::Protocol, "{protocol}: {err}");
        assert_eq!(calls(&mut srv), 1, "not retried");
        // Valid JSON of the wrong shape: a count that is a string.
        let srv = flaky(0, |_| Canned::html(500, ""), json!("four")).await;
        let err = count(&srv.client(protocol, quick(3)))
            .await
            .expect_err("wrong type");
        assert_eq!(err.kind(), ErrorKind::Protocol, "{protocol}");
    }
    // A JSON-RPC envelope answering another request's id.
    let srv = CaptureServer::start(|req| {
        if is_auth(req) {
            Canned::rpc_result(req, json!(2))
        } else {
            Canned::json(200, json!({"jsonrpc": "2.0", "id": 999, "result": 1}))
        }
    })
    .await;
    let err = count(&srv.client(Protocol::JsonRpc, quick(1)))
        .await
        .expect_err("wrong id");
    assert_eq!(err.kind(), ErrorKind::Protocol);
}

#[tokio::test]
async fn connection_refused_is_transient_and_safe_for_create() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let key = secrecy::SecretString::from("k".to_owned());
    let config =
        spine_odoo::OdooConfig::new(&format!("http://127.0.0.1:{port}"), "db", "admin", key).expect("config");
    let odoo = OdooClient::new(config.with_protocol(Protocol::Json2).with_retry(quick(3))).expect("client");
    let err = create(&odoo).await.expect_err("nobody listens");
    assert!(
        matches!(
            err,
            OdooError::Transport {
                phase: spine_odoo::Phase::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_transient() && !err.may_have_applied());
    assert_eq!(
        odoo.metrics().round_trips,
        3,
        "connect errors are retried even for create"
    );
}
