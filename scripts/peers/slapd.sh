#!/usr/bin/env bash
# A real OpenLDAP directory (slapd) on loopback for the LDAPClient tests.
#
# Usage (CI or a developer shell):
#   apt-get install -y --no-install-recommends slapd ldap-utils   # once; openssl must be on PATH
#   source scripts/peers/slapd.sh
#   slapd_peer_start                       # starts slapd and exports LDAP_* below
#   swift test --filter LDAPClientTests
#   slapd_peer_stop
#
# One slapd serves one directory on four listeners (all on $LDAP_HOST = 127.0.0.1, ports overridable
# by exporting them before the start; high ports because the peer runs unprivileged):
#   LDAP_PORT          13389  ldap://  (StartTLS offered, not required)
#   LDAPS_PORT         13636  ldaps:// (TLS from the first byte)
#   LDAP_GC_PORT       13268  ldap://  standing in for the Active Directory Global Catalog 3268
#   LDAPS_GC_PORT      13269  ldaps:// standing in for the Global Catalog over TLS 3269
# A second, small slapd that tests may stop, pause and restart (the pool's reconnect tests):
#   LDAP_RESTARTABLE_PORT 13390  ldap:// (StartTLS offered), controlled by
#   LDAP_RESTARTABLE_CTL  a script taking start | stop | pause | resume
# Directory ($LDAP_BASE_DN = dc=example,dc=org):
#   ou=people   $LDAP_USER_COUNT inetOrgPerson users uid=user0001… with mail user0001@example.org,
#               plus uid=alice (password $LDAP_USER_PASSWORD, DN $LDAP_USER_DN) and uid=bob
#   ou=groups   groupOfNames: engineering ∋ alice; staff ∋ engineering group + bob (nested);
#               added online, so the memberof overlay sets memberOf on alice and bob
#   ou=services the bind user $LDAP_BIND_DN / $LDAP_BIND_PASSWORD, which may read everything
# Limits: size limit $LDAP_SIZE_LIMIT (500) for everyone but the rootdn, so a search for all users
# needs the paged-results control. Anonymous users may only bind.
# TLS: a throwaway CA ($LDAP_CA_FILE) signs a server certificate for DNS:localhost, IP:127.0.0.1;
# $LDAP_WRONG_CA_FILE is a second CA that signed nothing the server presents.
#
# This file is meant to be sourced; it does not change the caller's shell options.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SLAPD_PEER_PID=""



# Writes a slapd.conf for one instance (name, database directory).
_slapd_write_config() {
  local name=$1 db=$2
  local hashed; hashed=$(slappasswd -s "$LDAP_BIND_PASSWORD") || return 1
  cat > "$LDAP_PEER_DIR/$name.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $LDAP_PEER_DIR/$name.pid
argsfile $LDAP_PEER_DIR/$name.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCertificateFile $LDAP_PEER_DIR/server.crt
TLSCertificateKeyFile $LDAP_PEER_DIR/server.key
# Everyone but the rootdn sees at most this many entries per search; paged searches may go on.
sizelimit size.soft=$LDAP_SIZE_LIMIT size.hard=$LDAP_SIZE_LIMIT size.prtotal=unlimited
database mdb
maxsize 104857600
suffix "$LDAP_BASE_DN"
rootdn "cn=admin,$LDAP_BASE_DN"
rootpw $LDAP_ADMIN_PASSWORD
directory $db
index objectClass,uid,mail,cn eq
index member,memberOf eq
overlay memberof
memberof-refint true
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="$LDAP_BIND_DN" read by users read by * none
CONF
  # The service account's hashed password is loaded with the data below.
  echo "$hashed" > "$LDAP_PEER_DIR/$name.bindhash"
}

# Writes the offline seed: base, OUs, the service account, alice, bob and $LDAP_USER_COUNT users.
_slapd_write_seed() {
  local file=$1 count=$2
  local base=$LDAP_BASE_DN
  {
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n' "$base"
    local ou
    for ou in people groups services; do
      printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$base" "$ou"
    done
    printf 'dn: %s\nobjectClass: inetOrgPerson\ncn: sealdrop-svc\nsn: Service\nuserPassword: %s\n\n' \
      "$LDAP_BIND_DN" "$(cat "$LDAP_PEER_DIR/main.bindhash")"
    printf 'dn: uid=alice,ou=people,%s\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice Example\nsn: Example\nmail: alice@example.org\nuserPassword: %s\n\n' \
      "$base" "$LDAP_USER_PASSWORD"
    printf 'dn: uid=bob,ou=people,%s\nobjectClass: inetOrgPerson\nuid: bob\ncn: Bob Example\nsn: Example\nmail: bob@example.org\nmail: robert@example.org\n\n' \
      "$base"
    # Values with characters a filter or DN must escape, for the escaping tests.
    printf 'dn: uid=star*user,ou=people,%s\nobjectClass: inetOrgPerson\nuid: star*user\ncn: Star (Paren) \\ Back\nsn: Special\nmail: star@example.org\n\n' \
      "$base"
    printf 'dn: cn=Smith\\2C John,ou=people,%s\nobjectClass: inetOrgPerson\ncn: Smith, John\nsn: Smith\nuid: jsmith\nmail: john.smith@example.org\n\n' \
      "$base"
    awk -v n="$count" -v base="$base" 'BEGIN {
      for (i = 1; i <= n; i++) {
        u = sprintf("user%04d", i)
        printf "dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: User %d\nsn: %d\nmail: %s@example.org\n\n", u, base, u, i, i, u
      }
    }'
  } > "$file"
}

# Writes the groups, added online after the start (the memberof overlay ignores slapadd).
_slapd_write_groups() {
  local base=$LDAP_BASE_DN
  cat > "$1" <<LDIF
dn: cn=engineering,ou=groups,$base
objectClass: groupOfNames
cn: engineering
member: uid=alice,ou=people,$base

dn: cn=staff,ou=groups,$base
objectClass: groupOfNames
cn: staff
member: cn=engineering,ou=groups,$base
member: uid=bob,ou=people,$base
LDIF
}

# Writes the control script for the restartable instance (start | stop | pause | resume).
_slapd_write_restartable_ctl() {
  cat > "$LDAP_RESTARTABLE_CTL" <<CTL
#!/usr/bin/env bash
# Controls the restartable slapd of scripts/peers/slapd.sh; slapd daemonizes and writes its pid file.
set -u
pidfile="$LDAP_PEER_DIR/restartable.pid"
pid() { cat "\$pidfile" 2>/dev/null; }
# A daemonized slapd's parent is PID 1, which in a container may never reap it: a zombie counts as gone.
alive() { local state; state=\$(awk '{print \$3}' "/proc/\$1/stat" 2>/dev/null); [ -n "\$state" ] && [ "\$state" != Z ]; }
case "\${1:-}" in
  start)
    /usr/sbin/slapd -f "$LDAP_PEER_DIR/restartable.conf" -h "ldap://$LDAP_HOST:$LDAP_RESTARTABLE_PORT/" || exit 1
    for i in \$(seq 1 200); do
      (exec 3<>"/dev/tcp/$LDAP_HOST/$LDAP_RESTARTABLE_PORT") 2>/dev/null && exit 0
      sleep 0.1
    done
    echo "restartable slapd did not listen" >&2; exit 1 ;;
  stop)
    p=\$(pid) || exit 0
    [ -n "\$p" ] || exit 0
    kill -CONT "\$p" 2>/dev/null; kill "\$p" 2>/dev/null || exit 0
    # A slapd spawned with SIGTERM blocked (some process launchers do that) ignores it: KILL after 3 s.
    for i in \$(seq 1 30); do alive "\$p" || exit 0; sleep 0.1; done
    kill -KILL "\$p" 2>/dev/null; exit 0 ;;
  pause) kill -STOP "\$(pid)" ;;
  resume) kill -CONT "\$(pid)" ;;
  *) echo "usage: \$0 start|stop|pause|resume" >&2; exit 2 ;;
esac
CTL
  chmod 755 "$LDAP_RESTARTABLE_CTL"
}

# Starts slapd (and the restartable instance), loads the data, and exports the LDAP_* variables.
slapd_peer_start() {
  if [ ! -x /usr/sbin/slapd ] || ! command -v ldapadd >/dev/null; then
    echo "slapd peer: slapd or ldap-utils is not installed (apt-get install slapd ldap-utils)" >&2
    return 1
  fi
  local started=$EPOCHREALTIME
  export LDAP_PEER_DIR; LDAP_PEER_DIR=$(mktemp -d /tmp/slapd-peer.XXXXXX) || return 1
  export LDAP_HOST=127.0.0.1
  export LDAP_PORT=${LDAP_PORT:-13389}
  export LDAPS_PORT=${LDAPS_PORT:-13636}
  export LDAP_GC_PORT=${LDAP_GC_PORT:-13268}
  export LDAPS_GC_PORT=${LDAPS_GC_PORT:-13269}
  export LDAP_RESTARTABLE_PORT=${LDAP_RESTARTABLE_PORT:-13390}
  export LDAP_BASE_DN=${LDAP_BASE_DN:-dc=example,dc=org}
  export LDAP_BIND_DN="cn=sealdrop-svc,ou=services,$LDAP_BASE_DN"
  export LDAP_BIND_PASSWORD=${LDAP_BIND_PASSWORD:-svc-password-$RANDOM}
  export LDAP_ADMIN_PASSWORD=${LDAP_ADMIN_PASSWORD:-admin-password-$RANDOM}
  export LDAP_USER_DN="uid=alice,ou=people,$LDAP_BASE_DN"
  export LDAP_USER_PASSWORD=${LDAP_USER_PASSWORD:-alice-password-$RANDOM}
  export LDAP_USER_COUNT=${LDAP_USER_COUNT:-2000}
  export LDAP_SIZE_LIMIT=${LDAP_SIZE_LIMIT:-500}
  export LDAP_CA_FILE="$LDAP_PEER_DIR/ca.crt"
  export LDAP_WRONG_CA_FILE="$LDAP_PEER_DIR/wrong-ca.crt"
  export LDAP_RESTARTABLE_CTL="$LDAP_PEER_DIR/restartable-ctl.sh"

  # A port someone else already listens on would pass the readiness check with the wrong server.
  local port
  for port in "$LDAP_PORT" "$LDAPS_PORT" "$LDAP_GC_PORT" "$LDAPS_GC_PORT" "$LDAP_RESTARTABLE_PORT"; do
    if (exec 3<>"/dev/tcp/$LDAP_HOST/$port") 2>/dev/null; then
      echo "slapd peer: port $port is already in use (an old peer still running? slapd_peer_stop)" >&2
      return 1
    fi
  done
  peer_make_certificates "$LDAP_PEER_DIR" "Sealdrop LDAP" wrong-ca || { echo "slapd peer: certificate generation failed" >&2; return 1; }
  mkdir -p "$LDAP_PEER_DIR/main-db" "$LDAP_PEER_DIR/restartable-db"
  _slapd_write_config main "$LDAP_PEER_DIR/main-db" || return 1
  _slapd_write_config restartable "$LDAP_PEER_DIR/restartable-db" || return 1
  _slapd_write_seed "$LDAP_PEER_DIR/seed.ldif" "$LDAP_USER_COUNT"
  _slapd_write_seed "$LDAP_PEER_DIR/seed-small.ldif" 10
  _slapd_write_groups "$LDAP_PEER_DIR/groups.ldif"
  if ! slapadd -q -f "$LDAP_PEER_DIR/main.conf" -l "$LDAP_PEER_DIR/seed.ldif" >"$LDAP_PEER_DIR/slapadd.log" 2>&1 \
      || ! slapadd -q -f "$LDAP_PEER_DIR/restartable.conf" -l "$LDAP_PEER_DIR/seed-small.ldif" >>"$LDAP_PEER_DIR/slapadd.log" 2>&1; then
    cat "$LDAP_PEER_DIR/slapadd.log" >&2
    return 1
  fi

  # -d 0 keeps slapd in the foreground, so $! is slapd itself.
  /usr/sbin/slapd -f "$LDAP_PEER_DIR/main.conf" -d 0 \
    -h "ldap://$LDAP_HOST:$LDAP_PORT/ ldaps://$LDAP_HOST:$LDAPS_PORT/ ldap://$LDAP_HOST:$LDAP_GC_PORT/ ldaps://$LDAP_HOST:$LDAPS_GC_PORT/" \
    >"$LDAP_PEER_DIR/slapd.log" 2>&1 &
  SLAPD_PEER_PID=$!
  _slapd_write_restartable_ctl
  for port in "$LDAP_PORT" "$LDAPS_PORT" "$LDAP_GC_PORT" "$LDAPS_GC_PORT"; do
    if ! peer_wait_port "slapd peer" "$LDAP_HOST" "$port" 20; then
      tail -n 20 "$LDAP_PEER_DIR/slapd.log" >&2
      slapd_peer_stop
      return 1
    fi
  done
  if ! "$LDAP_RESTARTABLE_CTL" start; then
    slapd_peer_stop
    return 1
  fi
  local url
  for url in "ldap://$LDAP_HOST:$LDAP_PORT" "ldap://$LDAP_HOST:$LDAP_RESTARTABLE_PORT"; do
    if ! ldapadd -x -H "$url" -D "cn=admin,$LDAP_BASE_DN" -w "$LDAP_ADMIN_PASSWORD" \
        -f "$LDAP_PEER_DIR/groups.ldif" >"$LDAP_PEER_DIR/ldapadd.log" 2>&1; then
      cat "$LDAP_PEER_DIR/ldapadd.log" >&2
      slapd_peer_stop
      return 1
    fi
  done
  local elapsed; elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  echo "slapd peer: ready in ${elapsed} s in $LDAP_PEER_DIR (ports $LDAP_PORT $LDAPS_PORT $LDAP_GC_PORT $LDAPS_GC_PORT, restartable $LDAP_RESTARTABLE_PORT)"
}

# Stops both slapd instances started by slapd_peer_start and removes their temporary directory.
slapd_peer_stop() {
  if [[ -n "${LDAP_RESTARTABLE_CTL:-}" && -x "$LDAP_RESTARTABLE_CTL" ]]; then
    "$LDAP_RESTARTABLE_CTL" stop || true
  fi
  if [ -n "$SLAPD_PEER_PID" ]; then
    kill "$SLAPD_PEER_PID" 2>/dev/null || true
    wait "$SLAPD_PEER_PID" 2>/dev/null || true
    SLAPD_PEER_PID=""
  fi
  if [[ -n "${LDAP_PEER_DIR:-}" && -d "$LDAP_PEER_DIR" ]]; then
    rm -rf "$LDAP_PEER_DIR" || true
  fi
  unset LDAP_PEER_DIR LDAP_CA_FILE LDAP_WRONG_CA_FILE LDAP_RESTARTABLE_CTL || true
}
