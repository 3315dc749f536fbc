#!/usr/bin/env bash
# Emulated AWS (moto's standalone server) for tests and local runs.
#
#   infra/aws-emulator.sh install   create infra/.venv and install moto into it (idempotent)
#   infra/aws-emulator.sh ensure    start the emulator unless one is already running;
#                                   prints its endpoint URL (one line) on stdout
#   infra/aws-emulator.sh stop      stop the emulator started by `ensure`
#   infra/aws-emulator.sh env       print `export` lines that point the AWS SDK at it
#
# State lives in infra/.run (git-ignored). Only 127.0.0.1 is ever bound.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
run="$here/.run"
python=${PYTHON:-python3}

log() { echo "aws-emulator: $*" >&2; }

install() {
  if [ -x "$venv/bin/moto_server" ] && cmp -s "$here/requirements-emulator.txt" "$venv/.requirements"; then
    return 0
  fi
  log "installing moto into $venv (from PyPI)"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-emulator.txt"
  cp "$here/requirements-emulator.txt" "$venv/.requirements"
}

alive() {
  [ -f "$run/moto.pid" ] && [ -f "$run/moto.port" ] || return 1
  kill -0 "$(cat "$run/moto.pid")" 2>/dev/null || return 1
  curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$run/moto.port")/moto-api/" 2>/dev/null
}

ensure() {
  mkdir -p "$run"
  exec 9>"$run/moto.lock"
  flock 9
  if ! alive; then
    install
    rm -f "$run/moto.port" "$run/moto.pid"
    port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    nohup "$venv/bin/python" "$here/moto_server.py" -H 127.0.0.1 -p "$port" >"$run/moto.log" 2>&1 9>&- &
    echo $! >"$run/moto.pid"
    for _ in $(seq 1 100); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
        echo "$port" >"$run/moto.port"
        break
      fi
      kill -0 "$(cat "$run/moto.pid")" 2>/dev/null || { log "moto_server exited; see $run/moto.log"; tail -5 "$run/moto.log" >&2; exit 1; }
      sleep 0.1
    done
    [ -f "$run/moto.port" ] || { log "moto_server did not answer within 10 s; see $run/moto.log"; exit 1; }
    log "started on 127.0.0.1:$port (pid $(cat "$run/moto.pid"))"
  fi
  echo "http://127.0.0.1:$(cat "$run/moto.port")"
}

stop() {
  if [ -f "$run/moto.pid" ]; then
    kill "$(cat "$run/moto.pid")" 2>/dev/null || true
    rm -f "$run/moto.pid" "$run/moto.port"
    log "stopped"
  fi
}

case "${1:-}" in
  install) install ;;
  ensure) ensure ;;
  stop) stop ;;
  env)
    url=$(ensure)
    echo "export AWS_ENDPOINT_URL=$url AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
    ;;
  *) echo "usage: $0 install|ensure|stop|env" >&2; exit 2 ;;
esac
