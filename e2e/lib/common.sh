# shellcheck shell=bash
# Run directory, logging, bookkeeping of everything started (for cleanup), and how to run a
# command on the controller or on a node. Sourced by scripts/e2e.

# Addresses of the test network (the example fleet's management subnet).
MGMT_NET=192.168.204
FLOATING=$MGMT_NET.2
MIRROR_IP=10.99.0.2
HUB_MIRROR_IP=10.99.0.1
PROXY_PORT=3128
# DHCP offers the floating address and this second DNS server (nobody answers there), as a
# site's DHCP may; the playbook's DNS setting must be what the node ends up with.
DHCP_EXTRA_DNS=$MGMT_NET.9
NODES=(edge-stock-1 edge-networkd-1)
declare -A NODE_IP=([edge-stock-1]=$MGMT_NET.50 [edge-networkd-1]=$MGMT_NET.51)
declare -A NODE_MAC=([edge-stock-1]=08:00:27:e2:00:50 [edge-networkd-1]=08:00:27:e2:00:51)
declare -A NODE_KIND=([edge-stock-1]=stock [edge-networkd-1]=networkd)
declare -A NODE_PID=()       # nspawn process per node
PIDS=()                      # background services (dnsmasq, mirror, proxy, apiserver)
MOUNTS=()                    # overlay mounts of node roots
NETNS=()                     # namespaces we created
RESULTS=()                   # one line per scenario for the summary

say() { printf 'e2e: %s\n' "$*"; }
warn() { printf 'e2e: %s\n' "$*" >&2; }
die() { warn "FATAL: $*"; exit 1; }
phase() { printf '\n== e2e: %s (at %ss) ==\n' "$*" "$((SECONDS - start_all))"; }

setup_run() {
  # A short id keeps interface names under 15 characters and separates concurrent runs.
  id=$(printf '%04x' $((RANDOM % 65536)))
  P=ew$id
  HUB=$P-hub MIRROR_NS=$P-mir
  run=$(mktemp -d /tmp/edgeworker-e2e.XXXXXX)
  logs=$run/logs
  mkdir -p "$logs"
  say "run $P in $run (logs: $logs)"
}

# Stops what this run started, newest first; every wait is bounded.
cleanup() {
  local rc=$? name pid i m ns
  set +e
  [ -z "${PLAY_PID:-}" ] || kill -TERM -- "-$PLAY_PID" 2>/dev/null
  for name in "${!NODE_PID[@]}"; do stop_node "$name"; done
  # Whatever still runs in our namespaces is ours (ssh connection masters, services).
  for ns in "${NETNS[@]}"; do PIDS+=($(ip netns pids "$ns" 2>/dev/null)); done
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null
  done
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    m=${MOUNTS[$i]}
    mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
  done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  stop_gpg_agent
  if [ "${EDGEWORKER_E2E_KEEP:-0}" = 1 ]; then
    say "kept $run"
  else
    # Keep the logs, drop the root file systems (hundreds of MB).
    for i in 1 2 3; do
      rm -rf "$run/nodes" "$run/node-base" "$run/ctl" "$run/mirror" "$run/debs-root" \
        "$run/gnupg" "$run/pki" "$run/ssh" 2>/dev/null && break
      sleep 1
    done
    say "logs kept in $logs"
  fi
  exit "$rc"
}

# bounded_wait SECONDS DESCRIPTION COMMAND...: retry COMMAND every half second.
bounded_wait() {
  local limit=$1 what=$2 end
  shift 2
  end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { warn "timed out after ${limit}s waiting for $what"; return 1; }
    sleep 0.5
  done
}

build_cli() {
  cli=${EDGEWORKER_CLI:-$("$root/scripts/target-dir")/debug/edgeworker-cli}
  if [ -z "${EDGEWORKER_CLI:-}" ]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml" -p edgeworker-cli
  fi
  [ -x "$cli" ] || die "no edgeworker-cli at $cli"
}

# ctl [--user USER] COMMAND...: run on the controller (the chroot, in the management
# namespace; CTL_NS=host: this machine's network, only to install Ansible). A private mount
# namespace holds /proc and /dev, so nothing stays mounted.
ctl() {
  local user=root
  if [ "$1" = --user ]; then user=$2; shift 2; fi
  local home=/root netns=(ip netns exec "$HUB")
  [ "$user" = root ] || home=/home/$user
  [ "${CTL_NS:-}" != host ] || netns=()
  "${netns[@]}" unshare -m --propagation private sh -c '
    c=$1; shift
    mount -t proc proc "$c/proc" && mount --rbind /dev "$c/dev" || exit 125
    [ -d "$c/var/cache/edgeworker/pip" ] && mount --bind "$PIPCACHE" "$c/var/cache/edgeworker/pip"
    exec chroot "$c" "$@"' sh "$ctl_root" \
    env -i PATH="$ctl_venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    HOME="$home" USER="$user" LANG=C.UTF-8 \
    runuser -u "$user" -- "$@"
}

# node NAME COMMAND...: run inside a booted node (all its namespaces).
node() {
  local name=$1 leader
  shift
  leader=$(node_leader "$name") || return 125
  nsenter -t "$leader" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

node_leader() {
  local pid=${NODE_PID[$1]:-}
  [ -n "$pid" ] || return 1
  pgrep -P "$pid" | head -n1
}
