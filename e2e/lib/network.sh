# shellcheck shell=bash
# The private network and its services, and the nodes' lifecycle.
#
#   namespace HUB: bridge br0 = the management network, $FLOATING (the controller's floating
#     address: dnsmasq DHCP/DNS, the stand-in API server on :6443, the proxy on :3128 when a
#     scenario wants one); it routes to the mirror unless a scenario turns forwarding off.
#   namespace MIRROR_NS: the package mirror at $MIRROR_IP (:80 and :443).
#   one namespace per node: eth0 (the node's MAC), its peer on br0; the node (nspawn --boot)
#     runs in it.

PY=$(command -v /usr/bin/python3 || command -v python3)
declare -A SERVICE_PID=()

start_network() {
  ip netns add "$HUB" && NETNS+=("$HUB")
  ip netns add "$MIRROR_NS" && NETNS+=("$MIRROR_NS")
  ip -n "$HUB" link set lo up
  ip -n "$MIRROR_NS" link set lo up
  ip -n "$HUB" link add br0 type bridge
  ip -n "$HUB" addr add "$FLOATING/24" dev br0
  ip -n "$HUB" link set br0 up
  ip link add "${P}m" type veth peer name eth0 netns "$MIRROR_NS"
  ip link set "${P}m" netns "$HUB"
  ip -n "$HUB" addr add "$HUB_MIRROR_IP/24" dev "${P}m"
  ip -n "$HUB" link set "${P}m" up
  ip -n "$MIRROR_NS" addr add "$MIRROR_IP/24" dev eth0
  ip -n "$MIRROR_NS" link set eth0 up
  ip -n "$MIRROR_NS" route add default via "$HUB_MIRROR_IP"
  routing on
}

routing() { # on|off: whether the management network reaches the mirror directly
  local v=1
  [ "$1" = on ] || v=0
  ip netns exec "$HUB" sysctl -qw net.ipv4.ip_forward=$v
}

# start_service NAME NAMESPACE COMMAND...: a background process in NAMESPACE, logged.
start_service() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  SERVICE_PID[$name]=$!
  PIDS+=($!)
}

stop_service() {
  local pid=${SERVICE_PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  unset "SERVICE_PID[$1]"
}

listening() { # NAMESPACE ADDR:PORT
  ip netns exec "$1" ss -Hltn "sport = :${2##*:}" | grep -q .
}

start_mirror() {
  : >"$logs/mirror-access.log"
  start_service mirror "$MIRROR_NS" "$PY" "$e2e/tools/mirror.py" "$run/mirror" "$logs/mirror-access.log" \
    "$MIRROR_IP:80" "$MIRROR_IP:443" "$pki/mirror.crt" "$pki/mirror.key"
  bounded_wait 10 "the mirror" listening "$MIRROR_NS" "$MIRROR_IP:443" || die "mirror did not start: $(tail -5 "$logs/mirror.log")"
}

# start_dnsmasq MODE: normal (the mirror also answers as pkgs.k8s.io), proxy (no outside
# names: only the proxy reaches them), airgap (the site mirror only; pkgs.k8s.io unknown),
# stx10 (names as normal, no reservation for the nodes: StarlingX from stx.9.0 on).
start_dnsmasq() {
  local mode=$1 n names=()
  stop_service dnsmasq
  case "$mode" in
    normal | stx10) names=(--address=/mirror.e2e/$MIRROR_IP --address=/pkgs.k8s.io/$MIRROR_IP) ;;
    airgap) names=(--address=/mirror.e2e/$MIRROR_IP) ;;
    proxy) names=() ;;
  esac
  local hosts=()
  # stx10: no DHCP at all, so nothing can lean on it.
  [ "$mode" = stx10 ] || {
    hosts=(--dhcp-range="$MGMT_NET.100,$MGMT_NET.199,1h")
    for n in "${NODES[@]}"; do hosts+=("--dhcp-host=${NODE_MAC[$n]},${NODE_IP[$n]},$n"); done
  }
  # No upstream resolver, no /etc/hosts of this machine: only the names above exist.
  start_service dnsmasq "$HUB" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --interface=br0 --listen-address="$FLOATING" --except-interface=lo \
    "${hosts[@]}" \
    --dhcp-option=option:router,"$FLOATING" --dhcp-option=option:dns-server,"$FLOATING,$DHCP_EXTRA_DNS" \
    --dhcp-leasefile="$run/dnsmasq.leases" --pid-file= --log-facility=- --log-dhcp "${names[@]}"
  bounded_wait 10 "dnsmasq" listening "$HUB" "$FLOATING:53" || die "dnsmasq did not start: $(tail -5 "$logs/dnsmasq.log")"
}

start_apiserver() {
  start_service apiserver "$HUB" env EDGEWORKER_E2E_STATE="$ctl_root/var/lib/edgeworker-e2e/cluster" \
    "$PY" "$e2e/standins/apiserver.py" "$FLOATING:6443" "$pki/cluster-ca.crt" "$pki/apiserver.crt" "$pki/apiserver.key"
  bounded_wait 10 "the API server" listening "$HUB" "$FLOATING:6443" || die "apiserver did not start: $(tail -5 "$logs/apiserver.log")"
}

start_proxy() {
  : >"$logs/proxy-access.log"
  start_service proxy "$HUB" "$PY" "$e2e/tools/proxy.py" "$FLOATING:$PROXY_PORT" "$logs/proxy-access.log" \
    "mirror.e2e=$MIRROR_IP" "pkgs.k8s.io=$MIRROR_IP"
  bounded_wait 10 "the proxy" listening "$HUB" "$FLOATING:$PROXY_PORT" || die "proxy did not start"
}

# ---------------------------------------------------------------- nodes
node_index() {
  local i
  for i in "${!NODES[@]}"; do [ "${NODES[$i]}" != "$1" ] || echo "$i"; done
}

# create_node NAME: a fresh overlay over the common image, configured as its kind.
create_node() {
  local name=$1 d=$run/nodes/$1
  rm -rf "$d" && mkdir -p "$d/upper" "$d/work" "$d/root"
  mount -t overlay overlay -o "lowerdir=$run/node-base,upperdir=$d/upper,workdir=$d/work" "$d/root"
  MOUNTS+=("$d/root")
  local r=$d/root
  echo debian >"$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n' >"$r/etc/hosts"
  case "${NODE_KIND[$name]}" in
    stock)
      # As the Debian installer leaves it: ifupdown + dhclient, systemd-networkd disabled.
      # ("auto" instead of the installer's "allow-hotplug": a container has no udev to hotplug.)
      # NODE_INSTALL=static: the address was typed in at installation (no DHCP gives it), in
      # the installer's own words.
      {
        printf 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\n'
        printf '# The primary network interface\nauto eth0\n'
        if [ "${NODE_INSTALL:-dhcp}" = static ]; then
          printf 'iface eth0 inet static\n\taddress %s/24\n\tgateway %s\n' "${NODE_IP[$name]}" "$FLOATING"
          printf '\t# dns-* options are implemented by the resolvconf package, if installed\n\tdns-nameservers %s\n' "$FLOATING"
        else
          printf 'iface eth0 inet dhcp\n'
        fi
      } >"$r/etc/network/interfaces"
      [ "${NODE_INSTALL:-dhcp}" = dhcp ] || printf 'nameserver %s\nnameserver %s\n' "$FLOATING" "$DHCP_EXTRA_DNS" >"$r/etc/resolv.conf"
      chroot "$r" systemctl disable systemd-networkd.service systemd-networkd.socket >/dev/null 2>&1 || true
      ;;
    networkd)
      printf 'auto lo\niface lo inet loopback\n' >"$r/etc/network/interfaces"
      if [ "${NODE_INSTALL:-dhcp}" = static ]; then
        printf '[Match]\nName=eth0\n\n[Network]\nAddress=%s/24\nGateway=%s\n' "${NODE_IP[$name]}" "$FLOATING" \
          >"$r/etc/systemd/network/50-eth0.network"
      else
        printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' >"$r/etc/systemd/network/50-eth0.network"
      fi
      # Without systemd-resolved nothing rewrites resolv.conf: it is what DHCP said at install.
      printf 'nameserver %s\nnameserver %s\n' "$FLOATING" "$DHCP_EXTRA_DNS" >"$r/etc/resolv.conf"
      chroot "$r" systemctl enable systemd-networkd.service >/dev/null 2>&1 || true
      ;;
  esac
}

# boot_node NAME: its namespace and link, then systemd-nspawn --boot in the background.
boot_node() {
  local name=$1 i ns link
  i=$(node_index "$name")
  ns=$P-n$i link=${P}n$i
  if ! ip netns list | grep -qw "$ns"; then
    ip netns add "$ns" && NETNS+=("$ns")
    ip link add "$link" type veth peer name eth0 netns "$ns"
    ip -n "$ns" link set eth0 address "${NODE_MAC[$name]}"
    ip link set "$link" netns "$HUB"
    ip -n "$HUB" link set "$link" master br0 up
  fi
  # CAP_NET_ADMIN and a writable /proc/sys/net: the node owns its namespace's network, as a
  # machine owns its own. /sys/module read-only: modprobe's and the playbook's view of the
  # host kernel's modules. The node's own /etc/resolv.conf and time zone, not this machine's.
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn --boot --register=no --keep-unit \
    --quiet -D "$run/nodes/$name/root" -M "$P-$name" --network-namespace-path="/run/netns/$ns" \
    --capability=CAP_NET_ADMIN --bind-ro=/sys/module --resolv-conf=off --timezone=off --console=pipe \
    </dev/null >>"$logs/$name-console.log" 2>&1 &
  NODE_PID[$name]=$!
}

# wait_node NAME: booted, every unit started (a unit that failed "at step CGROUP" -- cgroup
# v1 on this machine -- is restarted, up to 3 times), the management address from DHCP, sshd.
wait_node() {
  local name=$1 state units u tries
  bounded_wait 20 "$name to start" node_leader "$name" || return 1
  bounded_wait 30 "$name's systemd" node "$name" test -S /run/systemd/private || return 1
  state=$(node "$name" timeout 60 systemctl is-system-running --wait 2>/dev/null || true)
  for tries in 1 2 3; do
    [ "$state" != running ] || break
    units=$(node "$name" systemctl list-units --failed --plain --no-legend | awk '{print $1}')
    for u in $units; do
      # 219 is systemd's EXIT_CGROUP: the unit never ran (cgroup v1 on this machine).
      if [ "$(node "$name" systemctl show -p ExecMainStatus --value "$u")" = 219 ]; then
        say "$name: $u failed at step CGROUP (cgroup v1); restarting it (try $tries)"
        node "$name" systemctl restart "$u" || true
      else
        warn "$name: unit $u failed: $(node "$name" systemctl status "$u" --no-pager 2>&1 | grep -m3 -E 'Active:|Process:')"
      fi
    done
    state=$(node "$name" timeout 30 systemctl is-system-running --wait 2>/dev/null || true)
  done
  [ "$state" = running ] || warn "$name: system state '$state' after boot"
  bounded_wait 40 "$name's management address ${NODE_IP[$name]}" \
    sh -c "ip -n '$P-n$(node_index "$name")' -4 addr show eth0 | grep -q 'inet ${NODE_IP[$name]}/'" || return 1
  bounded_wait 20 "sshd on $name" ctl ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 "sysadmin@${NODE_IP[$name]}" true || return 1
}

stop_node() {
  local name=$1 pid=${NODE_PID[$1]:-} leader i
  [ -n "$pid" ] || return 0
  leader=$(pgrep -P "$pid" | head -n1 || true)
  kill "$pid" 2>/dev/null || true   # nspawn turns SIGTERM into an orderly poweroff
  for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  [ -n "$leader" ] && kill -9 "$leader" 2>/dev/null || true
  for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  unset "NODE_PID[$name]"
}

# fresh_nodes: every node from the common image again, booted, reachable.
fresh_nodes() {
  local n d
  for n in "${NODES[@]}"; do
    stop_node "$n"
    d=$run/nodes/$n/root
    mountpoint -q "$d" && umount "$d"
    create_node "$n"
    boot_node "$n"
  done
  for n in "${NODES[@]}"; do wait_node "$n" || die "node $n did not come up (see $logs/$n-console.log)"; done
  # The cluster forgets nodes of an earlier scenario (as `kubectl delete node` would).
  rm -f "$ctl_root/var/lib/edgeworker-e2e/cluster/nodes/"*.json
}

# reboot_nodes: the same root file systems booted again (does the configuration survive?).
reboot_nodes() {
  local n
  for n in "${NODES[@]}"; do stop_node "$n"; boot_node "$n"; done
  for n in "${NODES[@]}"; do wait_node "$n" || return 1; done
}
