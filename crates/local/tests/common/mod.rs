//! Shell scripts standing in for function binaries, shared by the integration tests.

#![allow(dead_code)] // each test binary uses its own subset

use spine_local::runtime_api::FunctionLaunch;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

pub fn script(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("spine-local-{name}-{}.sh", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).expect("script written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path
}

pub fn broken_binary() -> PathBuf {
    script(
        "broken",
        "#!/bin/sh\n\
         echo '{\"level\":\"INFO\",\"message\":\"starting\"}'\n\
         echo 'Error: webhook configuration' >&2\n\
         echo \"Caused by: environment variable $MISSING_NAME is not set\" >&2\n\
         exit 1\n",
    )
}

/// A function that starts fine: it asks the runtime API for its next event and waits.
pub fn waiting_binary() -> PathBuf {
    script(
        "waiting",
        "#!/bin/bash\n\
         exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:}\n\
         printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: local\\r\\n\\r\\n' >&3\n\
         cat <&3\n",
    )
}

pub fn launch(name: &str, binary: PathBuf, processes: usize) -> FunctionLaunch {
    FunctionLaunch {
        name: name.to_owned(),
        binary,
        environment: BTreeMap::from([("MISSING_NAME".to_owned(), "LEDGER_TABLE".to_owned())]),
        timeout: Duration::from_secs(30),
        memory_mb: 128,
        processes,
    }
}

/// A function that answers every event with the event itself, or with an error
/// `{"errorType":"Boom",...}` when the event mentions "fail": the runtime API loop
/// (next, then response or error) in bash.
pub fn echo_binary() -> PathBuf {
    script(
        "echo",
        r#"#!/bin/bash
host=${AWS_LAMBDA_RUNTIME_API%:*}; port=${AWS_LAMBDA_RUNTIME_API#*:}
while true; do
  exec 3<>"/dev/tcp/$host/$port"
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: local\r\n\r\n' >&3
  id=; len=0
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case "${line,,}" in
      lambda-runtime-aws-request-id:*) id=${line#*: } ;;
      content-length:*) len=${line#*: } ;;
    esac
  done
  body=$(head -c "$len" <&3)
  exec 3<&-
  path="response"
  case "$body" in *fail*) path="error"; body='{"errorType":"Boom","errorMessage":"asked to fail"}' ;; esac
  exec 4<>"/dev/tcp/$host/$port"
  printf 'POST /2018-06-01/runtime/invocation/%s/%s HTTP/1.1\r\nHost: local\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$id" "$path" "${#body}" "$body" >&4
  cat <&4 >/dev/null
  exec 4<&-
done
"#,
    )
}
