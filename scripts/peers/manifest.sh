#!/usr/bin/env bash
# A real HTTPS server of signed release manifests (Python http.server + ssl) on loopback for the update check tests.
#
# Usage (CI or a developer shell):
#   source scripts/peers/manifest.sh       # needs python3 and openssl on PATH, nothing else
#   manifest_peer_start                    # starts the server and exports MANIFEST_* below
#   swift test --filter UpdateCheckPeerTests
#   manifest_peer_stop
#
# Exports:
#   MANIFEST_HOST       127.0.0.1
#   MANIFEST_PORT       18443 (overridable by exporting it before the start)
#   MANIFEST_URL_BASE   https://127.0.0.1:$MANIFEST_PORT: scenarios at $MANIFEST_URL_BASE/<scenario>/manifest.json
#                       (newer, same, old, badsig, nosig, garbage, oversize, oversize-chunked, redirect-same,
#                       redirect-other, redirect-loop; scripts/peers/manifest_server.py describes each)
#   MANIFEST_CA         the throwaway CA that signed the server certificate (DNS:localhost, IP:127.0.0.1)
#   MANIFEST_KEY_PUB    base64 of the raw 32-byte Ed25519 public key the manifests are signed with
#   MANIFEST_CLOSED_URL an https URL on a loopback port nothing listens on (the unreachable case)
#
# This file is meant to be sourced; it does not change the caller's shell options.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MANIFEST_PEER_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST_PEER_PID=""

# Starts the manifest server, waits until it listens, and exports MANIFEST_*.
manifest_peer_start() {
  if ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
    echo "manifest peer: python3 and openssl are needed" >&2
    return 1
  fi
  export MANIFEST_PEER_DIR; MANIFEST_PEER_DIR=$(mktemp -d /tmp/manifest-peer.XXXXXX) || return 1
  export MANIFEST_HOST=127.0.0.1
  export MANIFEST_PORT=${MANIFEST_PORT:-18443}
  export MANIFEST_URL_BASE="https://$MANIFEST_HOST:$MANIFEST_PORT"
  export MANIFEST_CA="$MANIFEST_PEER_DIR/ca.crt"
  if (exec 3<>"/dev/tcp/$MANIFEST_HOST/$MANIFEST_PORT") 2>/dev/null; then
    echo "manifest peer: port $MANIFEST_PORT is already in use (an old peer still running? manifest_peer_stop)" >&2
    return 1
  fi
  peer_make_certificates "$MANIFEST_PEER_DIR" "Sealdrop manifest" || { echo "manifest peer: certificate generation failed" >&2; return 1; }
  openssl genpkey -algorithm ed25519 -out "$MANIFEST_PEER_DIR/signing.key" 2>/dev/null \
    || { echo "manifest peer: Ed25519 key generation failed" >&2; return 1; }
  chmod 600 "$MANIFEST_PEER_DIR/signing.key"
  # The raw public key is the last 32 bytes of its DER SubjectPublicKeyInfo.
  export MANIFEST_KEY_PUB; MANIFEST_KEY_PUB=$(openssl pkey -in "$MANIFEST_PEER_DIR/signing.key" -pubout -outform DER | tail -c 32 | base64)
  # A port that was free a moment ago and that nothing listens on: connections are refused.
  local closed; closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  export MANIFEST_CLOSED_URL="https://127.0.0.1:$closed/newer/manifest.json"
  python3 "$MANIFEST_PEER_SCRIPT_DIR/manifest_server.py" --host "$MANIFEST_HOST" --port "$MANIFEST_PORT" \
    --dir "$MANIFEST_PEER_DIR/www" --cert "$MANIFEST_PEER_DIR/server.crt" --key "$MANIFEST_PEER_DIR/server.key" \
    --signing-key "$MANIFEST_PEER_DIR/signing.key" >"$MANIFEST_PEER_DIR/server.log" 2>&1 &
  MANIFEST_PEER_PID=$!
  if ! peer_wait_port "manifest peer" "$MANIFEST_HOST" "$MANIFEST_PORT" 20 "$MANIFEST_PEER_PID"; then
    tail -n 20 "$MANIFEST_PEER_DIR/server.log" >&2 || true
    manifest_peer_stop
    return 1
  fi
  echo "manifest peer: ready at $MANIFEST_URL_BASE ($MANIFEST_PEER_DIR)"
}

# Stops the server started by manifest_peer_start and removes its temporary directory.
manifest_peer_stop() {
  if [[ -n "$MANIFEST_PEER_PID" ]]; then
    kill "$MANIFEST_PEER_PID" 2>/dev/null || true
    wait "$MANIFEST_PEER_PID" 2>/dev/null || true
    MANIFEST_PEER_PID=""
  fi
  if [[ -n "${MANIFEST_PEER_DIR:-}" && -d "$MANIFEST_PEER_DIR" ]]; then
    rm -rf "$MANIFEST_PEER_DIR" || true
  fi
  unset MANIFEST_PEER_DIR MANIFEST_URL_BASE MANIFEST_CA MANIFEST_KEY_PUB MANIFEST_CLOSED_URL || true
}
