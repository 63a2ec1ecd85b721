#!/usr/bin/env bash
# Starts a throwaway substrate-contracts-node (--dev --tmp), runs smoke.mjs against it with
# the release bundles, and stops the node. Used by `make test-node`.
#   run.sh NODE_BINARY BUNDLE_DIR
set -euo pipefail
node_bin=${1:?usage: run.sh NODE_BINARY BUNDLE_DIR}
bundles=${2:?usage: run.sh NODE_BINARY BUNDLE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${SMOKE_RPC_PORT:-19944}
log=$(mktemp -t healthchain-smoke-node.XXXXXX.log)

command -v node >/dev/null || { echo "smoke: Node.js is required (apt-get install nodejs)" >&2; exit 2; }
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

"$node_bin" --dev --tmp --rpc-port "$port" >"$log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true; wait $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  if curl -s -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' \
      "http://127.0.0.1:$port" >/dev/null 2>&1; then
    break
  fi
  kill -0 $node_pid 2>/dev/null || { echo "smoke: the node exited; its log:" >&2; cat "$log" >&2; exit 1; }
  sleep 1
done
NODE_URL="ws://127.0.0.1:$port" BUNDLE_DIR="$bundles" node "$here/smoke.mjs"
