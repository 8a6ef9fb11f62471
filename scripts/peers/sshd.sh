#!/usr/bin/env bash
# Real OpenSSH servers (sshd) on loopback for the SSHClient tests and the archive drills.
#
# Usage (CI or a developer shell, as root: sshd switches to the test users):
#   apt-get install -y --no-install-recommends openssh-server openssh-sftp-server   # once
#   source scripts/peers/sshd.sh
#   sshd_peer_start                        # starts the servers and exports SSH_* below
#   swift test --filter SSHClientTests
#   sshd_peer_stop
#
# Servers (all on $SSH_HOST = 127.0.0.1; ports overridable by exporting them before the start):
#   SSH_PORT             12222  the main server: Ed25519 and ECDSA P-256 host keys, AES-GCM among its ciphers
#   SSH_ECDSA_ONLY_PORT  12223  only the ECDSA host key (a client that prefers Ed25519 must take ECDSA here)
#   SSH_RSA_ONLY_PORT    12224  only an RSA host key (negative test: swift-nio-ssh has no RSA)
#   SSH_CHACHA_ONLY_PORT 12226  only the chacha20-poly1305 cipher (negative test: swift-nio-ssh has only AES-GCM)
#   SSH_FAULT_PORT       12225  a copy of the main server for fault tests that stop or freeze it
# Controls (scripts taking start | stop | pause | resume; stop and pause reach the per-connection processes too,
# so open sessions end or freeze with the server):
#   SSH_CTL              the main server (for the fault drills, which run when no other test uses it)
#   SSH_FAULT_CTL        the fault server (for Swift tests that run beside others)
# Host key fingerprints as `ssh-keygen -lf` prints them: SSH_HOST_FP_ED25519, SSH_HOST_FP_ECDSA, SSH_HOST_FP_RSA.
# Users (created if missing and kept, with empty homes and random passwords that stay the same across starts in
# $SSHD_PEER_STATE, so peers started side by side do not undo each other; test files live under $SSH_PEER_DIR and
# the chroot, removed at stop):
#   SSH_PASSWORD_USER / SSH_PASSWORD   password login
#   SSH_KEY_USER                       key login with SSH_KEY_FILE (Ed25519), SSH_ECDSA_KEY_FILE (ECDSA P-256) or
#                                      SSH_ENCRYPTED_KEY_FILE (Ed25519, aes256-ctr + bcrypt, SSH_KEY_PASSPHRASE)
#   SSH_SFTP_USER / SSH_SFTP_PASSWORD  SFTP only (ForceCommand internal-sftp), chrooted to SSH_SFTP_ROOT, which holds
#                                      a writable `archive` folder; also logs in with SSH_KEY_FILE
#   SSH_ARCHIVE_DIR                    a folder the password and key users may write (mode 1777)
# Logs: $SSH_PEER_DIR/NAME.log for each server (LogLevel VERBOSE).
#
# This file is meant to be sourced; it does not change the caller's shell options.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The servers this peer runs, in start order.
SSHD_PEER_INSTANCES=(main ecdsa-only rsa-only chacha-only fault)
# What outlives a peer: the test users' homes and passwords (root-only).
SSHD_PEER_STATE=/var/lib/sealdrop-ssh-peer

# Writes NAME.conf: the shared settings, the host keys and extra lines given, and the SFTP-only user's block.
_sshd_write_config() {
  local name=$1 port=$2 hostkeys=$3 extra=${4:-}
  local key
  {
    echo "# sshd $name of scripts/peers/sshd.sh"
    echo "ListenAddress $SSH_HOST"
    echo "Port $port"
    for key in $hostkeys; do echo "HostKey $SSH_PEER_DIR/keys/$key"; done
    cat <<CONF
PidFile none
UsePAM no
StrictModes no
PermitRootLogin no
AllowUsers $SSH_PASSWORD_USER $SSH_KEY_USER $SSH_SFTP_USER
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile $SSH_PEER_DIR/authorized_keys/%u
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel VERBOSE
# Tests connect in parallel: no random drops of unauthenticated connections.
MaxStartups 200
MaxSessions 50
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
    [ -n "$extra" ] && printf '%s\n' "$extra"
    cat <<CONF
Match User $SSH_SFTP_USER
  ChrootDirectory $SSH_SFTP_ROOT
  ForceCommand internal-sftp
  AllowTcpForwarding no
  X11Forwarding no
CONF
  } > "$SSH_PEER_DIR/$name.conf"
}

# Writes the control script of one server (start | stop | pause | resume).
_sshd_write_ctl() {
  local name=$1 port=$2 ctl="$SSH_PEER_DIR/$1-ctl.sh"
  cat > "$ctl" <<CTL
#!/usr/bin/env bash
# Controls the $name sshd of scripts/peers/sshd.sh: start | stop | pause | resume.
# stop and pause reach the listener's descendants (one sshd per connection, the commands it runs) too.
set -u
pidfile="$SSH_PEER_DIR/$name.pid"
pid() { cat "\$pidfile" 2>/dev/null; }
# A server whose parent exited is reparented to PID 1, which in a container may never reap it: a zombie is gone.
alive() { local state; state=\$(awk '{print \$3}' "/proc/\$1/stat" 2>/dev/null); [ -n "\$state" ] && [ "\$state" != Z ]; }
descendants() { local child; for child in \$(ps -o pid= --ppid "\$1" 2>/dev/null); do echo "\$child"; descendants "\$child"; done; }
case "\${1:-}" in
  start)
    p=\$(pid); if [ -n "\$p" ] && alive "\$p"; then exit 0; fi
    /usr/sbin/sshd -D -e -f "$SSH_PEER_DIR/$name.conf" >>"$SSH_PEER_DIR/$name.log" 2>&1 </dev/null &
    p=\$!
    echo "\$p" > "\$pidfile"
    for i in \$(seq 1 100); do
      (exec 3<>"/dev/tcp/$SSH_HOST/$port") 2>/dev/null && exit 0
      alive "\$p" || break
      sleep 0.1
    done
    echo "sshd $name did not listen on $port:" >&2; tail -n 5 "$SSH_PEER_DIR/$name.log" >&2; exit 1 ;;
  stop)
    p=\$(pid); [ -n "\$p" ] || exit 0
    tree="\$p \$(descendants "\$p")"
    kill -CONT \$tree 2>/dev/null; kill -TERM \$tree 2>/dev/null
    for i in \$(seq 1 30); do
      remaining=""; for q in \$tree; do alive "\$q" && remaining="\$remaining \$q"; done
      [ -z "\$remaining" ] && break
      sleep 0.1
    done
    [ -n "\$remaining" ] && kill -KILL \$remaining 2>/dev/null
    rm -f "\$pidfile"; exit 0 ;;
  pause)
    p=\$(pid); [ -n "\$p" ] || exit 1
    kill -STOP "\$p" && kill -STOP \$(descendants "\$p") 2>/dev/null; exit 0 ;;
  resume)
    p=\$(pid); [ -n "\$p" ] || exit 1
    kill -CONT "\$p" \$(descendants "\$p") 2>/dev/null; exit 0 ;;
  *) echo "usage: \$0 start|stop|pause|resume" >&2; exit 2 ;;
esac
CTL
  chmod 755 "$ctl"
}

# Creates a test user if missing, and points its home at HOME (sshd complains on stderr when a home is missing).
_sshd_ensure_user() {
  local user=$1 home=$2
  if ! id -u "$user" >/dev/null 2>&1; then
    useradd --no-create-home --home-dir "$home" --shell /bin/sh "$user" >/dev/null || return 1
  fi
  [ "$(getent passwd "$user" | cut -d: -f6)" = "$home" ] || usermod --home "$home" "$user"
}

# The stored password of a test user, made up (and set) the first time.
_sshd_password() {
  local user=$1 file=$SSHD_PEER_STATE/passwords password
  password=$(awk -F: -v u="$user" '$1 == u { print $2 }' "$file" 2>/dev/null)
  if [ -z "$password" ]; then
    password="$user-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    (umask 077; echo "$user:$password" >> "$file") || return 1
  fi
  echo "$password"
}

# Starts the servers and exports the SSH_* variables.
sshd_peer_start() {
  if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null; then
    echo "sshd peer: openssh-server is not installed (apt-get install openssh-server openssh-sftp-server)" >&2
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "sshd peer: must run as root (sshd switches to the test users, which it creates)" >&2
    return 1
  fi
  local started=$EPOCHREALTIME
  export SSH_HOST=127.0.0.1
  export SSH_PORT=${SSH_PORT:-12222}
  export SSH_ECDSA_ONLY_PORT=${SSH_ECDSA_ONLY_PORT:-12223}
  export SSH_RSA_ONLY_PORT=${SSH_RSA_ONLY_PORT:-12224}
  export SSH_FAULT_PORT=${SSH_FAULT_PORT:-12225}
  export SSH_CHACHA_ONLY_PORT=${SSH_CHACHA_ONLY_PORT:-12226}
  local port
  for port in "$SSH_PORT" "$SSH_ECDSA_ONLY_PORT" "$SSH_RSA_ONLY_PORT" "$SSH_FAULT_PORT" "$SSH_CHACHA_ONLY_PORT"; do
    if (exec 3<>"/dev/tcp/$SSH_HOST/$port") 2>/dev/null; then
      echo "sshd peer: port $port is already in use (an old peer still running? sshd_peer_stop)" >&2
      return 1
    fi
  done
  export SSH_PEER_DIR; SSH_PEER_DIR=$(mktemp -d /tmp/sshd-peer.XXXXXX) || return 1
  # The users must reach their authorized_keys and the archive folder inside.
  chmod 755 "$SSH_PEER_DIR"
  # Every component of a ChrootDirectory must be root-owned and not group- or world-writable: not under /tmp.
  export SSH_SFTP_ROOT; SSH_SFTP_ROOT=$(mktemp -d /var/lib/sealdrop-sftp-chroot.XXXXXX) || return 1
  chmod 755 "$SSH_SFTP_ROOT"
  export SSH_PASSWORD_USER=${SSH_PASSWORD_USER:-sealdrop-ssh-pw}
  export SSH_KEY_USER=${SSH_KEY_USER:-sealdrop-ssh-key}
  export SSH_SFTP_USER=${SSH_SFTP_USER:-sealdrop-sftp}
  mkdir -p "$SSHD_PEER_STATE/home" && chmod 755 "$SSHD_PEER_STATE" || return 1
  export SSH_PASSWORD; SSH_PASSWORD=${SSH_PASSWORD:-$(_sshd_password "$SSH_PASSWORD_USER")} || return 1
  export SSH_SFTP_PASSWORD; SSH_SFTP_PASSWORD=${SSH_SFTP_PASSWORD:-$(_sshd_password "$SSH_SFTP_USER")} || return 1
  export SSH_KEY_PASSPHRASE=${SSH_KEY_PASSPHRASE:-key-passphrase-$RANDOM$RANDOM}
  export SSH_ARCHIVE_DIR="$SSH_PEER_DIR/archive"
  export SSH_KEY_FILE="$SSH_PEER_DIR/keys/id_ed25519"
  export SSH_ECDSA_KEY_FILE="$SSH_PEER_DIR/keys/id_ecdsa"
  export SSH_ENCRYPTED_KEY_FILE="$SSH_PEER_DIR/keys/id_ed25519_encrypted"
  export SSH_CTL="$SSH_PEER_DIR/main-ctl.sh"
  export SSH_FAULT_CTL="$SSH_PEER_DIR/fault-ctl.sh"

  mkdir -p /run/sshd "$SSH_PEER_DIR/keys" "$SSH_PEER_DIR/authorized_keys" "$SSH_ARCHIVE_DIR" || return 1
  chmod 1777 "$SSH_ARCHIVE_DIR"
  local user
  for user in "$SSH_PASSWORD_USER" "$SSH_KEY_USER"; do
    mkdir -p "$SSHD_PEER_STATE/home/$user" || return 1
    _sshd_ensure_user "$user" "$SSHD_PEER_STATE/home/$user" || { echo "sshd peer: could not set up user $user" >&2; return 1; }
    chown "$user" "$SSHD_PEER_STATE/home/$user" || return 1
  done
  # The SFTP-only user's home is inside its chroot.
  _sshd_ensure_user "$SSH_SFTP_USER" /archive || { echo "sshd peer: could not set up user $SSH_SFTP_USER" >&2; return 1; }
  # UsePAM no: a locked account cannot log in at all, so the key user gets '*' (no password, not locked).
  printf '%s:%s\n%s:%s\n' "$SSH_PASSWORD_USER" "$SSH_PASSWORD" "$SSH_SFTP_USER" "$SSH_SFTP_PASSWORD" | chpasswd || return 1
  usermod -p '*' "$SSH_KEY_USER" || return 1
  mkdir -p "$SSH_SFTP_ROOT/archive" && chown "$SSH_SFTP_USER" "$SSH_SFTP_ROOT/archive" || return 1

  local keys=$SSH_PEER_DIR/keys
  if ! { ssh-keygen -q -t ed25519 -N '' -C "sealdrop-peer-host" -f "$keys/host_ed25519" \
      && ssh-keygen -q -t ecdsa -b 256 -N '' -C "sealdrop-peer-host" -f "$keys/host_ecdsa" \
      && ssh-keygen -q -t rsa -b 2048 -N '' -C "sealdrop-peer-host" -f "$keys/host_rsa" \
      && ssh-keygen -q -t ed25519 -N '' -C "sealdrop-test-ed25519" -f "$SSH_KEY_FILE" \
      && ssh-keygen -q -t ecdsa -b 256 -N '' -C "sealdrop-test-ecdsa" -f "$SSH_ECDSA_KEY_FILE" \
      && ssh-keygen -q -t ed25519 -N "$SSH_KEY_PASSPHRASE" -C "sealdrop-test-encrypted" -f "$SSH_ENCRYPTED_KEY_FILE"; } </dev/null
  then
    echo "sshd peer: ssh-keygen failed" >&2
    return 1
  fi
  cat "$SSH_KEY_FILE.pub" "$SSH_ECDSA_KEY_FILE.pub" "$SSH_ENCRYPTED_KEY_FILE.pub" > "$SSH_PEER_DIR/authorized_keys/$SSH_KEY_USER"
  cat "$SSH_KEY_FILE.pub" > "$SSH_PEER_DIR/authorized_keys/$SSH_SFTP_USER"
  chmod 644 "$SSH_PEER_DIR"/authorized_keys/*
  export SSH_HOST_FP_ED25519; SSH_HOST_FP_ED25519=$(ssh-keygen -lf "$keys/host_ed25519.pub" | awk '{print $2}')
  export SSH_HOST_FP_ECDSA; SSH_HOST_FP_ECDSA=$(ssh-keygen -lf "$keys/host_ecdsa.pub" | awk '{print $2}')
  export SSH_HOST_FP_RSA; SSH_HOST_FP_RSA=$(ssh-keygen -lf "$keys/host_rsa.pub" | awk '{print $2}')

  _sshd_write_config main "$SSH_PORT" "host_ed25519 host_ecdsa"
  _sshd_write_config ecdsa-only "$SSH_ECDSA_ONLY_PORT" "host_ecdsa"
  _sshd_write_config rsa-only "$SSH_RSA_ONLY_PORT" "host_rsa"
  _sshd_write_config chacha-only "$SSH_CHACHA_ONLY_PORT" "host_ed25519" "Ciphers chacha20-poly1305@openssh.com"
  _sshd_write_config fault "$SSH_FAULT_PORT" "host_ed25519 host_ecdsa"
  local name instance_port
  local -a starting=()
  for name in "${SSHD_PEER_INSTANCES[@]}"; do
    case $name in
      main) instance_port=$SSH_PORT ;;
      ecdsa-only) instance_port=$SSH_ECDSA_ONLY_PORT ;;
      rsa-only) instance_port=$SSH_RSA_ONLY_PORT ;;
      chacha-only) instance_port=$SSH_CHACHA_ONLY_PORT ;;
      fault) instance_port=$SSH_FAULT_PORT ;;
    esac
    _sshd_write_ctl "$name" "$instance_port"
    "$SSH_PEER_DIR/$name-ctl.sh" start &
    starting+=($!)
  done
  local failed=0 job
  for job in "${starting[@]}"; do wait "$job" || failed=1; done
  if [ "$failed" -ne 0 ]; then
    sshd_peer_stop
    return 1
  fi
  local elapsed; elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  echo "sshd peer: ready in ${elapsed} s in $SSH_PEER_DIR (ports $SSH_PORT, ECDSA-only $SSH_ECDSA_ONLY_PORT, RSA-only $SSH_RSA_ONLY_PORT, chacha-only $SSH_CHACHA_ONLY_PORT, fault $SSH_FAULT_PORT)"
}

# Stops every server started by sshd_peer_start and removes its files and the chroot (the users stay).
sshd_peer_stop() {
  local name
  if [[ -n "${SSH_PEER_DIR:-}" && -d "$SSH_PEER_DIR" ]]; then
    for name in "${SSHD_PEER_INSTANCES[@]}"; do
      if [ -x "$SSH_PEER_DIR/$name-ctl.sh" ]; then "$SSH_PEER_DIR/$name-ctl.sh" stop || true; fi
    done
    rm -rf "$SSH_PEER_DIR" || true
  fi
  if [[ -n "${SSH_SFTP_ROOT:-}" && "$SSH_SFTP_ROOT" == /var/lib/sealdrop-sftp-chroot.* && -d "$SSH_SFTP_ROOT" ]]; then
    rm -rf "$SSH_SFTP_ROOT" || true
  fi
  unset SSH_PEER_DIR SSH_SFTP_ROOT SSH_CTL SSH_FAULT_CTL SSH_ARCHIVE_DIR SSH_KEY_FILE SSH_ECDSA_KEY_FILE \
    SSH_ENCRYPTED_KEY_FILE SSH_HOST_FP_ED25519 SSH_HOST_FP_ECDSA SSH_HOST_FP_RSA || true
}
