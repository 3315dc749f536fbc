//! The Lambda Invoke API over HTTP, as `cargo lambda invoke` uses it (a POST of the
//! payload, nothing else), in front of a stand-in function that echoes its event or
//! fails on request (see `common::echo_binary`).

mod common;

use common::{echo_binary, launch};
use serde_json::{Value, json};
use spine_local::invoke_api::{InvokeTargets, router};
use spine_local::runtime_api::FunctionHost;
use spine_local::stack::FunctionSpec;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

async fn serve() -> (String, Arc<FunctionHost>) {
    let function = Arc::new(
        FunctionHost::start(launch("EchoFunction", echo_binary(), 1))
            .await
            .expect("runtime API listens"),
    );
    assert_eq!(function.ready(Duration::from_secs(60)).await, Ok(true));
    let spec = FunctionSpec {
        logical_id: "EchoFunction".to_owned(),
        binary: "echo".to_owned(),
        function_name: Some("dev-spine-echo".to_owned()),
        timeout_secs: 30,
        memory_mb: 128,
        environment: BTreeMap::new(),
        triggers: Vec::new(),
    };
    let functions = BTreeMap::from([("EchoFunction".to_owned(), function.clone())]);
    let app = router(InvokeTargets::new(&[spec], &functions));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, function)
}

/// Status, `X-Amz-Function-Error`, body (JSON, or `Null` when empty).
async fn post(url: &str, name: &str, body: &str, kind: Option<&str>) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{url}/2015-03-31/functions/{name}/invocations"))
        .body(body.to_owned());
    if let Some(kind) = kind {
        request = request.header("X-Amz-Invocation-Type", kind);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let error = response
        .headers()
        .get("x-amz-function-error")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let text = response.text().await.expect("body");
    (status, error, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_answer_as_cargo_lambda_reads_them() {
    let (url, function) = serve().await;
    let event = json!({"Records": [{"messageId": "m-1", "body": "hello"}]});

    // The answer, under each name the function has (binary, logical id, FunctionName, ARN).
    for name in [
        "echo",
        "EchoFunction",
        "dev-spine-echo",
        "arn:aws:lambda:us-east-1:1:function:echo:$LATEST",
    ] {
        let answer = post(&url, name, &event.to_string(), None).await;
        assert_eq!(answer, (200, None, event.clone()), "{name}");
    }
    // A function error: 500, the header, errorType and errorMessage.
    let failed = post(&url, "echo", r#"{"please":"fail"}"#, None).await;
    let expected = json!({"errorType": "Boom", "errorMessage": "asked to fail"});
    assert_eq!(failed, (500, Some("Unhandled".to_owned()), expected));
    // Errors of the API itself are not function errors.
    let (status, error, body) = post(&url, "nope", "{}", None).await;
    assert_eq!((status, error), (404, None));
    assert_eq!(body["errorType"], "ResourceNotFoundException");
    assert!(
        body["errorMessage"].as_str().unwrap_or_default().contains("echo"),
        "{body}"
    );
    let (status, _, body) = post(&url, "echo", "{not json", None).await;
    assert_eq!(
        (status, body["errorType"].as_str()),
        (400, Some("InvalidRequestContentException"))
    );
    let (status, _, body) = post(&url, "echo", "{}", Some("Later")).await;
    assert_eq!(
        (status, body["errorType"].as_str()),
        (400, Some("InvalidParameterValueException"))
    );
    // DryRun runs nothing; Event is accepted at once and runs in the background.
    assert_eq!(post(&url, "echo", "{}", Some("DryRun")).await.0, 204);
    assert_eq!(post(&url, "echo", r#"{"async":1}"#, Some("Event")).await.0, 202);
    // An empty body is the empty event.
    assert_eq!(post(&url, "echo", "", None).await, (200, None, json!({})));
    function.stop();
}
