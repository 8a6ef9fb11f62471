#!/usr/bin/env bash
# Real SMTP peers (aiosmtpd) on loopback for the SMTPClient tests.
#
# Usage (CI or a developer shell):
#   python3 -m pip install aiosmtpd        # once; openssl must be on PATH
#   source scripts/peers/smtp.sh
#   smtp_peers_start                       # starts the peers and exports SMTP_* below
#   swift test --filter SMTPClientTests
#   smtp_peers_stop
#
# Peers (all on $SMTP_HOST = 127.0.0.1, ports overridable by exporting them before the start):
#   SMTP_PLAIN_PORT             2525  plain, no TLS; AUTH PLAIN/LOGIN offered over plaintext, optional;
#                                     SMTPUTF8 on; SIZE $SMTP_SIZE_LIMIT
#   SMTP_STARTTLS_PORT          2587  STARTTLS required before MAIL, AUTH required (after TLS only)
#   SMTP_TLS_PORT               2465  implicit TLS (SMTPS), SMTPUTF8 on, no AUTH required
#   SMTP_STARTTLS_OPTIONAL_PORT 2526  STARTTLS offered but optional; AUTH LOGIN only, after TLS
#   SMTP_LEGACY_PORT            2527  rejects EHLO with 502 (HELO only, no extensions)
# Every peer rejects recipients whose address starts with "reject" (550 5.1.1) and stores accepted
# mail byte-for-byte in a Maildir with X-MailFrom/X-RcptTo/X-MailOptions headers prepended:
#   SMTP_MAILDIR_PLAIN, SMTP_MAILDIR_STARTTLS, SMTP_MAILDIR_TLS, SMTP_MAILDIR_STARTTLS_OPTIONAL,
#   SMTP_MAILDIR_LEGACY
# TLS: a throwaway CA ($SMTP_CA_FILE) signs a server certificate for DNS:localhost, IP:127.0.0.1.
# Credentials: SMTP_USER / SMTP_PASSWORD. Size limit: SMTP_SIZE_LIMIT (bytes).
#
# This file is meant to be sourced; it does not change the caller's shell options.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMTP_PEERS_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SMTP_PEERS_PIDS=()



# Starts one smtp_server.py instance in the background and records its pid.
_smtp_start_one() {
  local mode=$1 port=$2 maildir=$3
  python3 "$SMTP_PEERS_SCRIPT_DIR/smtp_server.py" --mode "$mode" --host "$SMTP_HOST" --port "$port" \
    --maildir "$maildir" --cert "$SMTP_PEERS_DIR/server.crt" --key "$SMTP_PEERS_DIR/server.key" \
    --size "$SMTP_SIZE_LIMIT" \
    >"$SMTP_PEERS_DIR/$mode.log" 2>&1 &
  SMTP_PEERS_PIDS+=("$!")
}

# Starts all SMTP peers, waits until they listen, and exports the SMTP_* variables.
smtp_peers_start() {
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "smtp peers: aiosmtpd is not installed (python3 -m pip install aiosmtpd)" >&2
    return 1
  fi
  export SMTP_PEERS_DIR; SMTP_PEERS_DIR=$(mktemp -d /tmp/smtp-peers.XXXXXX) || return 1
  export SMTP_HOST=127.0.0.1
  export SMTP_PLAIN_PORT=${SMTP_PLAIN_PORT:-2525}
  export SMTP_STARTTLS_PORT=${SMTP_STARTTLS_PORT:-2587}
  export SMTP_TLS_PORT=${SMTP_TLS_PORT:-2465}
  export SMTP_STARTTLS_OPTIONAL_PORT=${SMTP_STARTTLS_OPTIONAL_PORT:-2526}
  export SMTP_LEGACY_PORT=${SMTP_LEGACY_PORT:-2527}
  export SMTP_USER=${SMTP_USER:-sealdrop}
  export SMTP_PASSWORD=${SMTP_PASSWORD:-peer-password-$RANDOM}
  export SMTP_SIZE_LIMIT=${SMTP_SIZE_LIMIT:-1048576}
  export SMTP_CA_FILE="$SMTP_PEERS_DIR/ca.crt"
  export SMTP_MAILDIR_PLAIN="$SMTP_PEERS_DIR/maildir-plain"
  export SMTP_MAILDIR_STARTTLS="$SMTP_PEERS_DIR/maildir-starttls"
  export SMTP_MAILDIR_TLS="$SMTP_PEERS_DIR/maildir-tls"
  export SMTP_MAILDIR_STARTTLS_OPTIONAL="$SMTP_PEERS_DIR/maildir-starttls-optional"
  export SMTP_MAILDIR_LEGACY="$SMTP_PEERS_DIR/maildir-legacy"

  # A port someone else already listens on would pass the readiness check with the wrong server.
  local busy
  for busy in "$SMTP_PLAIN_PORT" "$SMTP_STARTTLS_PORT" "$SMTP_TLS_PORT" "$SMTP_STARTTLS_OPTIONAL_PORT" "$SMTP_LEGACY_PORT"; do
    if (exec 3<>"/dev/tcp/$SMTP_HOST/$busy") 2>/dev/null; then
      echo "smtp peers: port $busy is already in use (old peers still running? smtp_peers_stop or pkill -f smtp_server.py)" >&2
      return 1
    fi
  done
  peer_make_certificates "$SMTP_PEERS_DIR" "Sealdrop SMTP" || { echo "smtp peers: certificate generation failed" >&2; return 1; }
  _smtp_start_one plain "$SMTP_PLAIN_PORT" "$SMTP_MAILDIR_PLAIN"
  _smtp_start_one starttls "$SMTP_STARTTLS_PORT" "$SMTP_MAILDIR_STARTTLS"
  _smtp_start_one tls "$SMTP_TLS_PORT" "$SMTP_MAILDIR_TLS"
  _smtp_start_one starttls-opt "$SMTP_STARTTLS_OPTIONAL_PORT" "$SMTP_MAILDIR_STARTTLS_OPTIONAL"
  _smtp_start_one legacy "$SMTP_LEGACY_PORT" "$SMTP_MAILDIR_LEGACY"

  local port
  for port in "$SMTP_PLAIN_PORT" "$SMTP_STARTTLS_PORT" "$SMTP_TLS_PORT" \
      "$SMTP_STARTTLS_OPTIONAL_PORT" "$SMTP_LEGACY_PORT"; do
    if ! peer_wait_port "smtp peers" "$SMTP_HOST" "$port" 20; then
      tail -n 20 "$SMTP_PEERS_DIR"/*.log >&2 || true
      smtp_peers_stop
      return 1
    fi
  done
  echo "smtp peers: ready in $SMTP_PEERS_DIR (ports $SMTP_PLAIN_PORT $SMTP_STARTTLS_PORT $SMTP_TLS_PORT $SMTP_STARTTLS_OPTIONAL_PORT $SMTP_LEGACY_PORT)"
}

# Stops the peers started by smtp_peers_start and removes their temporary directory.
smtp_peers_stop() {
  local pid
  for pid in "${SMTP_PEERS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${SMTP_PEERS_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  SMTP_PEERS_PIDS=()
  if [[ -n "${SMTP_PEERS_DIR:-}" && -d "$SMTP_PEERS_DIR" ]]; then
    rm -rf "$SMTP_PEERS_DIR" || true
  fi
  unset SMTP_PEERS_DIR SMTP_CA_FILE SMTP_MAILDIR_PLAIN SMTP_MAILDIR_STARTTLS SMTP_MAILDIR_TLS \
    SMTP_MAILDIR_STARTTLS_OPTIONAL SMTP_MAILDIR_LEGACY || true
}
