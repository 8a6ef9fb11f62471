#!/usr/bin/env bash
# A real Active Directory domain controller (Samba AD DC) on loopback for the LDAPClient tests.
#
# Usage (CI or a developer shell, as root: AD's ports are below 1024 and Samba cannot move them):
#   apt-get install -y --no-install-recommends samba-ad-dc samba-ad-provision   # once; openssl must be on PATH
#   source scripts/peers/samba.sh
#   samba_peer_start                       # provisions, seeds and starts Samba, exports AD_* below
#   swift test --filter LDAPClientTests
#   samba_peer_stop
#
# One samba process (only its LDAP service) on $AD_HOST = 127.0.0.1 with AD's fixed ports:
#   AD_PORT       389   ldap://  (StartTLS offered; a simple bind without TLS is refused, as AD hardening does)
#   ADS_PORT      636   ldaps://
#   AD_GC_PORT    3268  ldap://  Global Catalog (search base "")
#   ADS_GC_PORT   3269  ldaps:// Global Catalog over TLS
# Domain: $AD_REALM (SEALDROP.TEST), DNS domain $AD_DNS_DOMAIN (sealdrop.test, the UPN suffix), NetBIOS
# $AD_DOMAIN (SEALDROP), base $AD_BASE_DN (DC=sealdrop,DC=test). Directory:
#   OU=Services  the service account $AD_BIND_USER (sAMAccountName; DN $AD_BIND_DN) / $AD_BIND_PASSWORD
#   OU=People    alice and bob (enabled) and carol (disabled), all with password $AD_USER_PASSWORD,
#                mail <name>@sealdrop.test and proxyAddresses SMTP:<name>@… plus smtp: aliases
#                (alice.alias@…; robert@… and an X500: value for bob)
#   OU=Groups    engineering ∋ alice, carol; staff ∋ engineering, bob (nested: memberOf is AD's backlink)
#   OU=Bulk      $AD_BULK_USER_COUNT (1200) users bulk0001… (no password, so disabled), more than AD's
#                MaxPageSize of 1,000, for the paging tests
# TLS: a throwaway CA ($AD_CA_FILE) signs the server certificate for DNS:localhost, IP:127.0.0.1 (Samba's
# own has no SAN); $AD_WRONG_CA_FILE is a second CA that signed nothing the server presents.
# Start: provision about 7 s, offline seed (scripts/peers/samba_seed.py) about 4 s, listening about 1 s.
#
# This file is meant to be sourced; it does not change the caller's shell options.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAMBA_PEER_PID=""



# Provisions the domain into $AD_PEER_DIR: everything (databases, state, logs) stays in that directory.
_samba_provision() {
  local dir=$AD_PEER_DIR
  # Only the LDAP service: no smbd, KDC, RPC or replication, so it starts in about a second at ~80 MB.
  samba-tool domain provision --targetdir="$dir" --realm="$AD_REALM" --domain="$AD_DOMAIN" \
    --host-name=dc1 --server-role=dc --dns-backend=NONE --adminpass="$AD_ADMIN_PASSWORD" \
    --option="interfaces=lo" --option="bind interfaces only=yes" --option="server services=ldap" \
    --option="log file=$dir/log.samba" --option="tls certfile=$dir/server.crt" \
    --option="tls keyfile=$dir/server.key" --option="tls cafile=$dir/ca.crt" \
    >"$dir/provision.log" 2>&1
}

# Provisions, seeds and starts Samba, and exports the AD_* variables.
samba_peer_start() {
  if [ ! -x /usr/sbin/samba ] || ! command -v samba-tool >/dev/null || [ ! -x /usr/bin/python3 ]; then
    echo "samba peer: samba is not installed (apt-get install samba-ad-dc samba-ad-provision)" >&2
    return 1
  fi
  local started=$EPOCHREALTIME
  export AD_PEER_DIR; AD_PEER_DIR=$(mktemp -d /tmp/samba-peer.XXXXXX) || return 1
  export AD_HOST=127.0.0.1
  # Samba's AD LDAP server has these ports built in; they are exported so tests need not know that.
  export AD_PORT=389 ADS_PORT=636 AD_GC_PORT=3268 ADS_GC_PORT=3269
  export AD_REALM=SEALDROP.TEST AD_DNS_DOMAIN=sealdrop.test AD_DOMAIN=SEALDROP
  export AD_BASE_DN="DC=sealdrop,DC=test"
  export AD_ADMIN_PASSWORD=${AD_ADMIN_PASSWORD:-Admin-Pw-$RANDOM$RANDOM!}
  export AD_BIND_USER=sealdrop-svc
  export AD_BIND_DN="CN=sealdrop-svc,OU=Services,$AD_BASE_DN"
  export AD_BIND_PASSWORD=${AD_BIND_PASSWORD:-Svc-Pw-$RANDOM$RANDOM!}
  export AD_USER_PASSWORD=${AD_USER_PASSWORD:-User-Pw-$RANDOM$RANDOM!}
  export AD_BULK_USER_COUNT=${AD_BULK_USER_COUNT:-1200}
  export AD_CA_FILE="$AD_PEER_DIR/ca.crt"
  export AD_WRONG_CA_FILE="$AD_PEER_DIR/wrong-ca.crt"

  if [ "$(id -u)" -ne 0 ]; then
    echo "samba peer: must run as root (AD listens on 389, 636, 3268 and 3269)" >&2
    samba_peer_stop
    return 1
  fi
  # A port someone else already listens on would pass the readiness check with the wrong server.
  local port
  for port in "$AD_PORT" "$ADS_PORT" "$AD_GC_PORT" "$ADS_GC_PORT"; do
    if (exec 3<>"/dev/tcp/$AD_HOST/$port") 2>/dev/null; then
      echo "samba peer: port $port is already in use (an old peer still running? samba_peer_stop)" >&2
      samba_peer_stop
      return 1
    fi
  done
  if ! peer_make_certificates "$AD_PEER_DIR" "Sealdrop AD" wrong-ca; then
    echo "samba peer: certificate generation failed" >&2
    samba_peer_stop
    return 1
  fi
  if ! _samba_provision; then
    tail -n 20 "$AD_PEER_DIR/provision.log" >&2
    samba_peer_stop
    return 1
  fi
  local script_dir; script_dir=$(dirname "${BASH_SOURCE[0]}")
  if ! /usr/bin/python3 "$script_dir/samba_seed.py" "$AD_PEER_DIR/etc/smb.conf" "$AD_BASE_DN" "$AD_DNS_DOMAIN" \
      "$AD_BULK_USER_COUNT" >"$AD_PEER_DIR/seed.log" 2>&1; then
    tail -n 20 "$AD_PEER_DIR/seed.log" >&2
    samba_peer_stop
    return 1
  fi

  # -i keeps samba in the foreground (one process group, logs on stdout), so $! is samba itself.
  /usr/sbin/samba -i -s "$AD_PEER_DIR/etc/smb.conf" </dev/null >"$AD_PEER_DIR/samba.out" 2>&1 &
  SAMBA_PEER_PID=$!
  for port in "$AD_PORT" "$ADS_PORT" "$AD_GC_PORT" "$ADS_GC_PORT"; do
    if ! peer_wait_port "samba peer" "$AD_HOST" "$port" 30 "$SAMBA_PEER_PID"; then
      tail -n 20 "$AD_PEER_DIR/samba.out" >&2
      samba_peer_stop
      return 1
    fi
  done
  local elapsed; elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  echo "samba peer: ready in ${elapsed} s in $AD_PEER_DIR (ports $AD_PORT $ADS_PORT $AD_GC_PORT $ADS_GC_PORT, $AD_BULK_USER_COUNT bulk users)"
}

# Stops the samba started by samba_peer_start (its worker processes with it) and removes its directory.
samba_peer_stop() {
  if [ -n "$SAMBA_PEER_PID" ]; then
    local workers; workers=$(pgrep -P "$SAMBA_PEER_PID" 2>/dev/null || true)
    kill "$SAMBA_PEER_PID" 2>/dev/null || true
    local i
    # Our exited child stays a zombie until `wait`: a zombie counts as gone.
    for i in $(seq 1 50); do
      local state; state=$(awk '{print $3}' "/proc/$SAMBA_PEER_PID/stat" 2>/dev/null)
      [[ -n "$state" && "$state" != Z ]] || break
      sleep 0.1
    done
    kill -KILL "$SAMBA_PEER_PID" 2>/dev/null || true
    wait "$SAMBA_PEER_PID" 2>/dev/null || true
    # Workers notice their parent is gone; any that linger are ours, by pid.
    local worker
    for worker in $workers; do kill -KILL "$worker" 2>/dev/null || true; done
    SAMBA_PEER_PID=""
  fi
  if [[ -n "${AD_PEER_DIR:-}" && -d "$AD_PEER_DIR" ]]; then
    rm -rf "$AD_PEER_DIR" || true
  fi
  unset AD_PEER_DIR AD_CA_FILE AD_WRONG_CA_FILE || true
}
