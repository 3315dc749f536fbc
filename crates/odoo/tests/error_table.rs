//! Each row of ODOO.md's error table, answered by the Odoo under test and classified by
//! the client, on both protocols where the row applies.

mod common;

use common::{ctx, rec, target, unique};
use secrecy::SecretString;
use serde_json::{Value, json};
use spine_odoo::{Domain, ErrorKind, OdooClient, OdooError, Protocol, SearchOpts};

/// The kind, Odoo class and message of a failed call.
fn fault(result: Result<impl std::fmt::Debug, OdooError>) -> (ErrorKind, String, String) {
    let err = result.expect_err("the call must fail");
    let (name, message) = err
        .server_fault()
        .map(|f| (f.name.clone(), f.message.clone()))
        .unwrap_or_default();
    assert!(
        !err.to_string().contains("Traceback"),
        "no traceback in Display: {err}"
    );
    (err.kind(), name, message)
}

fn per_protocol<'a>(protocol: Protocol, jsonrpc: &'a str, json2: &'a str) -> &'a str {
    if protocol == Protocol::JsonRpc {
        jsonrpc
    } else {
        json2
    }
}

async fn count(odoo: &OdooClient, model: &str) -> Result<u64, OdooError> {
    odoo.search_count(model, &Domain::all()).await
}

#[tokio::test]
async fn bad_api_key_is_credentials() {
    let t = target().await;
    for protocol in t.protocols() {
        let mut config = t.config(protocol);
        config.api_key = SecretString::from("wrong-key".to_owned());
        let odoo = OdooClient::new(config).expect("client");
        let err = count(&odoo, "res.partner").await.expect_err("wrong key");
        assert_eq!(err.kind(), ErrorKind::Credentials, "{protocol}: {err}");
        match protocol {
            // authenticate answers false, which is not an Odoo error.
            Protocol::JsonRpc => assert!(matches!(err, OdooError::AuthenticationFailed { .. }), "{err:?}"),
            _ => assert_eq!(
                err.server_fault().map(|f| (f.status, f.name.as_str())),
                Some((401, "werkzeug.exceptions.Unauthorized"))
            ),
        }
    }
    // execute_kw with a key revoked after authenticate: AccessDenied.
    let Some(sim) = t.sim_only("bad_api_key_is_credentials (revoked after authenticate)") else {
        return;
    };
    let odoo = t.client(Protocol::JsonRpc);
    count(&odoo, "res.partner").await.expect("authenticated");
    sim.rotate_api_key("another-key");
    let (kind, name, message) = fault(count(&odoo, "res.partner").await);
    assert_eq!(
        (kind, name.as_str(), message.as_str()),
        (
            ErrorKind::Credentials,
            "odoo.exceptions.AccessDenied",
            "Access Denied"
        )
    );
}

#[tokio::test]
async fn missing_bearer_is_configuration() {
    let t = target().await;
    let mut config = t.config(Protocol::Json2);
    config.api_key = SecretString::from(String::new());
    let odoo = OdooClient::new(config).expect("client");
    let (kind, name, message) = fault(count(&odoo, "res.partner").await);
    assert_eq!(
        (kind, name.as_str()),
        (ErrorKind::Configuration, "werkzeug.exceptions.Unauthorized")
    );
    assert!(message.contains("Bearer Authorization header"), "{message}");
}

#[tokio::test]
async fn unknown_model_and_method_are_configuration() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let (kind, name, _) = fault(count(&odoo, "no.such.model").await);
        assert_eq!(kind, ErrorKind::Configuration, "{protocol}");
        assert_eq!(
            name,
            per_protocol(
                protocol,
                "odoo.exceptions.UserError",
                "werkzeug.exceptions.NotFound"
            )
        );

        let (kind, name, _) = fault(
            odoo.call("res.partner", "no_such_method", &[], ctx(json!({})), None)
                .await,
        );
        assert_eq!(kind, ErrorKind::Configuration, "{protocol}");
        assert_eq!(
            name,
            per_protocol(
                protocol,
                "builtins.AttributeError",
                "werkzeug.exceptions.NotFound"
            )
        );
    }
}

#[tokio::test]
async fn private_method_and_no_rights_are_access() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let (kind, name, message) = fault(
            odoo.call("sale.order", "_create_invoices", &[1], ctx(json!({})), None)
                .await,
        );
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::Access, "odoo.exceptions.AccessError"),
            "{protocol}"
        );
        assert!(message.contains("cannot be called remotely"), "{message}");

        let err = count(&odoo, "res.users.apikeys").await.expect_err("no rights");
        assert_eq!(err.kind(), ErrorKind::Access, "{protocol}");
        if protocol == Protocol::Json2 {
            assert_eq!(err.server_fault().map(|f| f.status), Some(403));
        }
    }
}

#[tokio::test]
async fn business_rules_and_constraints_are_business() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let partner = odoo
            .create("res.partner", &[rec(json!({"name": unique("Acme")}))])
            .await
            .expect("partner")[0];
        let order = odoo
            .create("sale.order", &[rec(json!({"partner_id": partner}))])
            .await
            .expect("order")[0];
        let ids = [order];
        let confirm = || odoo.call("sale.order", "action_confirm", &ids, ctx(json!({})), None);
        assert_eq!(confirm().await.expect("no lines: still true"), json!(true));
        let (kind, name, _) = fault(confirm().await);
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::Business, "odoo.exceptions.UserError"),
            "{protocol}"
        );

        let child = odoo
            .create(
                "res.partner",
                &[rec(json!({"name": "Child", "parent_id": partner}))],
            )
            .await
            .expect("child")[0];
        let (kind, name, _) = fault(
            odoo.write("res.partner", &[partner], &rec(json!({"parent_id": child})))
                .await,
        );
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::Business, "odoo.exceptions.ValidationError"),
            "{protocol}: recursion"
        );
        let (kind, name, _) = fault(
            odoo.create("sale.order", &[rec(json!({"client_order_ref": "x"}))])
                .await,
        );
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::Business, "odoo.exceptions.ValidationError"),
            "{protocol}: required field"
        );
        let status = odoo
            .create("sale.order", &[rec(json!({}))])
            .await
            .err()
            .and_then(|e| e.server_fault().map(|f| f.status));
        let expected = if protocol == Protocol::JsonRpc { 200 } else { 422 };
        assert_eq!(
            status,
            Some(expected),
            "{protocol}: JSON-RPC errors are HTTP 200, JSON-2 says 422"
        );
    }
}

#[tokio::test]
async fn missing_record_is_not_found() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let (kind, name, _) = fault(
            odoo.write("res.partner", &[999_999_999], &rec(json!({"name": "x"})))
                .await,
        );
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::NotFound, "odoo.exceptions.MissingError"),
            "{protocol}"
        );
        let (kind, _, _) = fault(
            odoo.call("res.partner", "unlink", &[999_999_999], ctx(json!({})), None)
                .await,
        );
        assert_eq!(kind, ErrorKind::NotFound, "{protocol}");
    }
}

#[tokio::test]
async fn unknown_field_and_misspelt_kwarg_are_configuration() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        let partner = odoo
            .create("res.partner", &[rec(json!({"name": unique("Acme")}))])
            .await
            .expect("partner")[0];
        let (kind, name, message) = fault(
            odoo.write("res.partner", &[partner], &rec(json!({"no_such_field": 1})))
                .await,
        );
        assert_eq!(
            (kind, name.as_str(), message.as_str()),
            (ErrorKind::Configuration, "builtins.KeyError", "no_such_field"),
            "{protocol}"
        );

        // The row is JSON-2's, but a misspelt keyword fails the same way over execute_kw.
        let kwargs = ctx(json!({"domain": [], "limt": 1}));
        let (kind, name, message) = fault(odoo.call("res.partner", "search_read", &[], kwargs, None).await);
        assert_eq!(
            (kind, name.as_str()),
            (ErrorKind::Configuration, "builtins.TypeError"),
            "{protocol}"
        );
        assert!(message.contains("limt"), "{message}");
    }
}

#[tokio::test]
async fn unknown_database_is_configuration() {
    let t = target().await;
    for protocol in t.protocols() {
        let mut config = t.config(protocol);
        config.database = unique("no_such_db");
        let odoo = OdooClient::new(config).expect("client");
        let err = odoo
            .search_read("res.partner", &Domain::all(), &["name"], &SearchOpts::default())
            .await
            .expect_err("no db");
        assert_eq!(err.kind(), ErrorKind::Configuration, "{protocol}: {err}");
        match protocol {
            Protocol::JsonRpc => assert_eq!(
                err.server_fault().map(|f| f.name.as_str()),
                Some("psycopg2.OperationalError")
            ),
            // An HTML 404 on /json/2: configuration, not a protocol error.
            _ => assert!(matches!(err, OdooError::Http { status: 404, .. }), "{err:?}"),
        }
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn not_errors_stay_answers() {
    let t = target().await;
    for protocol in t.protocols() {
        let odoo = t.client(protocol);
        assert_eq!(
            odoo.read("res.partner", &[999_999_999], &["name"])
                .await
                .expect("read"),
            Vec::<spine_odoo::Record>::new()
        );
        let partner = odoo
            .create("res.partner", &[rec(json!({"name": unique("Empty")}))])
            .await
            .expect("partner")[0];
        let order = odoo
            .create("sale.order", &[rec(json!({"partner_id": partner}))])
            .await
            .expect("order")[0];
        let answer = odoo
            .call("sale.order", "action_confirm", &[order], ctx(json!({})), None)
            .await
            .expect("true");
        assert_eq!(answer, Value::Bool(true), "{protocol}");
    }
}
