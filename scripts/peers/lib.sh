#!/usr/bin/env bash
# What the peer scripts (smtp.sh, slapd.sh, samba.sh) share: waiting for a port and a throwaway TLS CA.
# Sourced by them; it does not change the caller's shell options.

# peer_wait_port LABEL HOST PORT [TIMEOUT] [PID]: waits until something accepts TCP connections on host:port;
# gives up after TIMEOUT seconds (default 20), or at once when the process PID (if given) has exited.
peer_wait_port() {
  local label=$1 host=$2 port=$3 timeout=${4:-20} pid=${5:-} i
  for i in $(seq 1 $((timeout * 10))); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "$label: the server exited before listening on $port" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$label: timeout waiting for $host:$port" >&2
  return 1
}

# peer_make_certificates DIR NAME [wrong-ca]: a test CA (DIR/ca.crt) named NAME, a server certificate for
# DNS:localhost and IP:127.0.0.1 signed by it (DIR/server.crt, DIR/server.key, mode 0600), and with `wrong-ca`
# a second CA that signed nothing (DIR/wrong-ca.crt).
peer_make_certificates() {
  local dir=$1 name=$2 wrong=${3:-}
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" -subj "/CN=$name test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null || return 1
  if [[ "$wrong" == "wrong-ca" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -keyout "$dir/wrong-ca.key" -out "$dir/wrong-ca.crt" -subj "/CN=$name unrelated CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2>/dev/null || return 1
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost" 2>/dev/null || return 1
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 30 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null || return 1
  # Samba (and good practice) refuse a private key others may read.
  chmod 600 "$dir/server.key"
}
