# shellcheck shell=bash
# The scenarios and their checks. Each scenario renders the plan with edgeworker-cli from its
# own inputs, runs ansible-playbook on the controller, then checks the outcome on the
# controller, in the stand-in cluster and on the nodes. A check failing marks the scenario
# FAIL with the reason; the run goes on to the next scenario.

STATE_REL=var/lib/edgeworker-e2e/cluster
declare -a PROBLEMS=()

problem() { PROBLEMS+=("$*"); warn "  FAIL: $*"; }
ok() { say "  ok: $*"; }

run_scenario() {
  local s=$1 t=$SECONDS fn=scenario_${1//-/_}
  phase "scenario $s"
  PROBLEMS=()
  SCEN=$s
  SCEN_RECAP=""
  mirror_mark=$(wc -l <"$logs/mirror-access.log")
  events_mark=$(wc -l <"$ctl_root/$STATE_REL/events.log")
  "$fn"
  local verdict=PASS flakes
  [ ${#PROBLEMS[@]} -eq 0 ] || verdict=FAIL
  # cgroup v1 on this machine occasionally fails a unit start ("Failed at step CGROUP"); a
  # scenario that failed while that happened on a node is run once more, and says so.
  if [ $verdict = FAIL ] && flakes=$(cgroup_flakes) && [ -n "$flakes" ]; then
    warn "scenario $s failed while a unit failed at step CGROUP (cgroup v1, not the playbook): $flakes"
    warn "running scenario $s once more"
    PROBLEMS=()
    mirror_mark=$(wc -l <"$logs/mirror-access.log")
    events_mark=$(wc -l <"$ctl_root/$STATE_REL/events.log")
    SCEN=$s-retry
    "$fn"
    SCEN=$s
    verdict=PASS
    [ ${#PROBLEMS[@]} -eq 0 ] || verdict=FAIL
  fi
  RESULTS+=("$s $verdict ($((SECONDS - t))s) [${SCEN_RECAP:-no run}]")
  if [ $verdict = FAIL ]; then
    { printf '%s\n' "${PROBLEMS[@]}"; } >"$logs/$s.problems"
  fi
  say "scenario $s: $verdict in $((SECONDS - t))s"
}

summary() {
  local failed=0 r
  phase "summary (ansible $lane, $((SECONDS - start_all))s)"
  for r in "${RESULTS[@]}"; do
    say "$r"
    case "$r" in *" FAIL "*) failed=1 ;; esac
  done
  for r in "${RESULTS[@]}"; do
    case "$r" in *" FAIL "*) sed "s/^/  ${r%% *}: /" "$logs/${r%% *}.problems" ;; esac
  done
  local line="e2e summary (ansible $lane, $((SECONDS - start_all))s):"
  for r in "${RESULTS[@]}"; do line+=" ${r%% (*} ${r##*) } |"; done
  echo "${line% |}"
  return $failed
}

# ---------------------------------------------------------------- inputs and the run
# write_inputs DIR [proxy] [package_sources]   (MGMT_ADDRESSING=static: static management
# addressing, the hub as gateway)
write_inputs() {
  local dir=$1 proxy=${2:-} sources=${3:-}
  mkdir -p "$dir"
  "$PY" - "$dir" "$proxy" "$sources" "$FLOATING" "$MGMT_NET" "$(assoc_json NODE_IP)" "$(assoc_json NODE_MAC)" \
    "${K8S_VERSION:-1.29.2}" "${NODES[@]}" <<'EOF'
import json, os, sys
d, proxy, sources, floating, net, ips, macs, version = sys.argv[1:9]
names = sys.argv[9:]
ips, macs = json.loads(ips), json.loads(macs)
controller = {
    "kubernetes_version": version,
    "apiserver": floating + ":6443",
    "mgmt_floating_address": floating,
    "mgmt_subnet": net + ".0/24",
    "dns_servers": [floating],
    "ntp_servers": [floating],
    "registry": "registry.local:9001",
    "proxy": None,
    "join": None,
}
if proxy:
    controller["proxy"] = {"http": proxy, "https": proxy,
                           "no_proxy": ["localhost", "127.0.0.1", net + ".0/24", "registry.local"]}
if sources:
    controller["package_sources"] = json.loads(sources)
if os.environ.get("MGMT_ADDRESSING") == "static":
    controller["mgmt_addressing"] = "static"
    controller["mgmt_gateway"] = floating
nodes = [{
    "hostname": n, "mgmt_ip": ips[n], "mgmt_mac": macs[n],
    "os": {"id": "debian", "version": "12"}, "arch": "amd64",
    "ssh_user": "sysadmin", "python": "/usr/bin/python3",
    "labels": {"site": "e2e", "node-role.kubernetes.io/edge": ""},
    "kubelet_version": None,
} for n in names]
json.dump(controller, open(d + "/controller.json", "w"), indent=2)
json.dump(nodes, open(d + "/nodes.json", "w"), indent=2)
EOF
}

# play USER [proxy] [package_sources]: render into the operator's home on the controller and
# run ansible-playbook there as USER. Sets PLAY_RC, PLAY_LOG and PLAY_DIR; returns 1 when
# there was nothing to run (the inputs were refused), so the scenario's other checks are
# skipped. PLAN_KIND=upgrade renders `upgrade-plan` with the cluster's `kubectl get nodes -o
# json`; K8S_VERSION is the controller's kubernetes_version (default 1.29.2).
play() {
  local user=$1 proxy=${2:-} sources=${3:-} home=/root
  [ "$user" = root ] || home=/home/$user
  local dir=$home/plans/$SCEN in=$ctl_root$home/plans/$SCEN/input
  local -a render=("$cli" plan --controller "$in/controller.json" --nodes "$in/nodes.json")
  write_inputs "$in" "$proxy" "$sources"
  if [ "${PLAN_KIND:-plan}" = upgrade ]; then
    kubectl_ctl get nodes -o json >"$in/kube-nodes.json" 2>"$logs/$SCEN.render.log" \
      || { problem "kubectl get nodes failed: $(cat "$logs/$SCEN.render.log")"; PLAY_RC=125; return 1; }
    render=("$cli" upgrade-plan --controller "$in/controller.json" --nodes "$in/nodes.json" --kube-nodes "$in/kube-nodes.json")
  fi
  if ! "${render[@]}" --format ansible --out "$ctl_root$dir" >"$logs/$SCEN.render.log" 2>&1; then
    problem "edgeworker-cli ${render[1]} refused the inputs: $(cat "$logs/$SCEN.render.log")"
    PLAY_RC=125
    return 1
  fi
  chroot "$ctl_root" chown -R "$user:" "$home/plans"
  run_play "$user" "$dir"
}

# run_play USER DIR [ARG...]: ansible-playbook as USER in DIR on the controller (a plan
# already there), with ARGs added (e.g. --limit).
run_play() {
  local user=$1 dir=$2 t=$SECONDS extra=""
  shift 2
  [ $# -eq 0 ] || extra=$(printf ' %q' "$@")
  PLAY_LOG=$logs/$SCEN${PLAY_SUFFIX:-}.ansible.log
  PLAY_DIR=$dir
  PLAY_START=$(date +%s)
  say "ansible-playbook as $user (log: $PLAY_LOG)"
  # Host keys: the operator accepts each node's key on first contact (new nodes).
  # In its own process group, waited for in the background: an interrupt reaches the trap at
  # once and the trap stops the whole run (ansible, its ssh connections).
  set +e
  setsid bash -c "$(declare -f ctl); $(declare -p HUB ctl_root ctl_venv PIPCACHE); "'ctl "$@"' ctl \
    --user "$user" env ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_DEPRECATION_WARNINGS=0 sh -c "cd '$dir' && exec timeout 600 ansible-playbook -i inventory.yml playbook.yml$extra" \
    >"$PLAY_LOG" 2>&1 </dev/null &
  PLAY_PID=$!
  wait "$PLAY_PID"
  PLAY_RC=$?
  PLAY_PID=
  PLAY_END=$(date +%s)
  set -e
  SCEN_RECAP=$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" summary "${NODES[@]}")
  say "ansible-playbook exited $PLAY_RC after $((SECONDS - t))s: $SCEN_RECAP"
  [ "$PLAY_RC" -ne 124 ] || problem "ansible-playbook did not finish within 600s"
}

# expect_success [the run's failure report's first words]
expect_success() {
  if [ "$PLAY_RC" -ne 0 ]; then
    problem "ansible-playbook exited $PLAY_RC: $(grep -h -m1 "${1:-Provisioning failed on}" "$PLAY_LOG" | sed 's/^ *//' | cut -c1-400)"
    local f
    while IFS= read -r f; do problem "failed task: $f"; done < <("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" failed)
  fi
  local n v
  for n in "${NODES[@]}"; do
    for v in failed unreachable rescued; do
      [ "$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" field "$n" "$v")" = 0 ] || problem "$n: PLAY RECAP $v=$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" field "$n" "$v")"
    done
  done
}

# Units on the nodes that failed at step CGROUP while the playbook ran (one line).
cgroup_flakes() {
  local n
  [ -n "${PLAY_START:-}" ] || return 0
  for n in "${NODES[@]}"; do
    node "$n" journalctl --since "@$PLAY_START" --until "@${PLAY_END:-$(date +%s)}" --no-pager -o cat 2>/dev/null \
      | grep -m2 -E 'Failed at step CGROUP|status=219/CGROUP' | sed "s/^/$n: /" || true
  done | paste -sd';' -
}

# ---------------------------------------------------------------- checks
kubectl_ctl() { ctl kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }

# check_joined NAME: Ready in the cluster at the planned kubelet version, with its management
# address (--node-ip applied) and its labels; on the node: the pinned, held packages, the
# services running, kubelet.conf written.
check_joined() {
  local n=$1 obj
  if ! obj=$(kubectl_ctl get node "$n" -o json 2>&1); then
    problem "$n: not registered in the cluster ($obj)"
    return
  fi
  local facts
  facts=$(printf '%s' "$obj" | "$PY" -c '
import json, sys
o = json.load(sys.stdin)
ready = [c["status"] for c in o["status"]["conditions"] if c["type"] == "Ready"][0]
ip = [a["address"] for a in o["status"]["addresses"] if a["type"] == "InternalIP"]
labels = o["metadata"]["labels"]
print(ready, o["status"]["nodeInfo"]["kubeletVersion"], ip[0] if ip else "-",
      labels.get("site", "-"), "edge-role" if "node-role.kubernetes.io/edge" in labels else "no-role")')
  read -r ready version ip site role <<<"$facts"
  [ "$ready" = True ] && [ "$version" = v1.29.2 ] && [ "$ip" = "${NODE_IP[$n]}" ] \
    && ok "$n Ready, kubelet $version, InternalIP $ip" \
    || problem "$n: cluster says Ready=$ready kubelet=$version InternalIP=$ip (want True v1.29.2 ${NODE_IP[$n]})"
  [ "$site" = e2e ] && [ "$role" = edge-role ] || problem "$n: labels not applied (site=$site, $role)"
  local pkgs holds
  pkgs=$(node "$n" dpkg-query -W -f '${Package}=${Version} ' kubelet kubeadm 2>&1 || true)
  [ "$pkgs" = "kubeadm=1.29.2-1.1 kubelet=1.29.2-1.1 " ] || problem "$n: packages are '$pkgs' (want 1.29.2-1.1 from a repository that also has 1.29.3)"
  holds=$(node "$n" apt-mark showhold | sort | paste -sd, -)
  [ "$holds" = kubeadm,kubelet ] || problem "$n: held packages '$holds' (want kubeadm,kubelet)"
  local u
  for u in containerd kubelet chrony; do
    [ "$(node "$n" systemctl is-active "$u" 2>&1)" = active ] || problem "$n: $u is $(node "$n" systemctl is-active "$u" 2>&1)"
  done
  node "$n" test -s /etc/kubernetes/kubelet.conf || problem "$n: no /etc/kubernetes/kubelet.conf"
  check_network_applied "$n"
}

# The node's network configuration must be the one in effect, not a file nobody reads.
check_network_applied() {
  local n=$1 f=/etc/systemd/network/10-edgeworker-mgmt.network status
  if node "$n" test -e "$f"; then
    if [ "$(node "$n" systemctl is-active systemd-networkd 2>&1)" != active ]; then
      problem "$n: $f written but systemd-networkd is not running: the file is not applied"
    elif status=$(node "$n" networkctl status eth0 --no-pager 2>&1) && ! grep -q "Network File: $f" <<<"$status"; then
      problem "$n: systemd-networkd runs but eth0 is not configured from $f ($(grep 'Network File' <<<"$status" | sed 's/^ *//'))"
    else
      ok "$n: eth0 configured by systemd-networkd from $f"
    fi
  else
    say "  $n: no $f; eth0 is managed by: $(node "$n" sh -c 'systemctl is-active systemd-networkd NetworkManager networking 2>/dev/null | paste -sd" " -')"
  fi
  # DNS is the controller's (dns_servers), not what DHCP offers ($FLOATING and $DHCP_EXTRA_DNS).
  local ns
  ns=$(node "$n" awk '/^nameserver/ {print $2}' /etc/resolv.conf | paste -sd' ' -)
  [ "$ns" = "$FLOATING" ] && ok "$n: /etc/resolv.conf names the controller only ($ns)" \
    || problem "$n: /etc/resolv.conf names '$ns' (want the controller's DNS only: $FLOATING; $DHCP_EXTRA_DNS is DHCP's)"
}

# The run leaves no lock, no staged files, no live token of its own.
check_controller_clean() {
  ctl test ! -e /run/edgeworker-provision.lock || problem "controller: /run/edgeworker-provision.lock left behind"
  ctl test ! -e /run/edgeworker-provision || problem "controller: staging directory /run/edgeworker-provision left behind"
  local created deleted t before=${#PROBLEMS[@]}
  created=$(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" 2>/dev/null | awk '$2 == "token-create" {print $3}')
  deleted=$(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" 2>/dev/null | awk '$2 == "token-delete" {print $3}')
  [ -n "$created" ] || problem "controller: the run created no bootstrap token"
  for t in $created; do
    grep -qx "$t" <<<"$deleted" || problem "controller: token $t created by the run was not deleted"
    # No full token (id.secret) in the run's output or on any node's disk.
    if grep -qE "$t\.[a-z0-9]{16}" "$PLAY_LOG"; then problem "the bootstrap token $t.… appears in the ansible output"; fi
    local hit
    hit=$(grep -rlaE "$t\.[a-z0-9]{16}" "$run"/nodes/*/upper 2>/dev/null | sed "s|$run/nodes/||" | head -n 3 | paste -sd' ' - || true)
    [ -z "$hit" ] || problem "the bootstrap token $t.… reached node disks: $hit"
  done
  [ -z "$created" ] || [ ${#PROBLEMS[@]} -ne "$before" ] || ok "controller: lock released, staging removed, token(s) $(echo "$created" | paste -sd' ' -) deleted and never written to output or node disks"
}

check_all_joined() {
  local n
  for n in "${NODES[@]}"; do check_joined "$n"; done
}

# mirror_has PCRE: whether a request since the scenario began matches (grep reads all of it,
# so no SIGPIPE under pipefail can turn a match into a miss).
mirror_has() { [ "$(tail -n +"$((mirror_mark + 1))" "$logs/mirror-access.log" | grep -cP "$1")" -gt 0 ]; }

# ---------------------------------------------------------------- scenarios
scenario_first_run() {
  fresh_nodes
  play root || return 0
  expect_success
  check_all_joined
  check_controller_clean
  # The nodes come back on their management addresses after a reboot, joined and Ready
  # (only worth the time when the run provisioned them).
  if [ "$PLAY_RC" -ne 0 ]; then
    say "  (no reboot check: the run failed)"
  elif say "rebooting the nodes" && reboot_nodes; then
    sleep 6 # one kubelet heartbeat
    local n
    for n in "${NODES[@]}"; do
      [ "$(kubectl_ctl get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] \
        && ok "$n back on ${NODE_IP[$n]} after a reboot and Ready" || problem "$n: not Ready after a reboot"
      check_network_applied "$n"
    done
  else
    problem "a node did not come back on its management address after a reboot"
  fi
}

scenario_re_run() {
  [ ${#NODE_PID[@]} -gt 0 ] || fresh_nodes_and_first_run
  play root || return 0
  expect_success
  local n c
  for n in "${NODES[@]}"; do
    c=$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" field "$n" changed)
    if [ "$PLAY_RC" -ne 0 ]; then
      problem "$n: changed=$c on a second run that failed: not a measure of idempotence"
    elif [ "$c" = 0 ]; then
      ok "$n: changed=0 on the second run"
    else
      problem "$n: changed=$c on the second run: $("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" changed "$n" | paste -sd';' -)"
    fi
  done
  check_all_joined
  check_controller_clean
  check_limit
}

# The operator runs the same plan for one node with --limit: the run covers that node only,
# and the node left out is neither checked in the inventory nor reported as failed.
check_limit() {
  local keep=${NODES[0]} left=${NODES[1]} recap=$SCEN_RECAP
  PLAY_SUFFIX=-limit run_play root "$PLAY_DIR" --limit "localhost,$keep"
  SCEN_RECAP=$recap  # the scenario's summary stays the full re-run's
  [ "$PLAY_RC" -eq 0 ] && ok "--limit localhost,$keep: the run succeeded" \
    || problem "--limit localhost,$keep: exit $PLAY_RC: $(grep -h -m1 'failed on' "$PLAY_LOG" | sed 's/^ *//' | cut -c1-300)"
  grep -q "^$left " <(sed -n '/PLAY RECAP/,$p' "$PLAY_LOG") \
    && problem "--limit: $left is in the recap although the run was limited to $keep" \
    || ok "--limit: $left was not touched"
  grep -q "system host-show.*$left\|item=$left" "$PLAY_LOG" \
    && problem "--limit: the controller still looped over $left" \
    || ok "--limit: the controller's per-node steps covered $keep only"
  check_controller_clean
}

# re-run alone: it needs provisioned nodes first.
fresh_nodes_and_first_run() {
  say "$SCEN needs provisioned nodes: running a first run before it"
  local saved=$SCEN
  fresh_nodes
  SCEN=$saved-setup play root || true
  SCEN=$saved
}

scenario_failed_join() {
  fresh_nodes
  # A node of that name is already in the cluster and Ready: kubeadm join must refuse it.
  local bad=edge-networkd-1 good=edge-stock-1
  mkdir -p "$ctl_root/$STATE_REL/nodes"
  printf '{"name": "%s", "pinnedReady": true, "kubeletVersion": "v1.29.2", "labels": {}, "created": %s}\n' \
    "$bad" "$(date +%s)" >"$ctl_root/$STATE_REL/nodes/$bad.json"
  local ran=0
  play root && ran=1
  rm -f "$ctl_root/$STATE_REL/nodes/$bad.json"
  [ $ran = 1 ] || return 0
  [ "$PLAY_RC" -ne 0 ] && ok "the run failed (exit $PLAY_RC)" || problem "the run succeeded although $bad cannot join"
  local line
  line=$(grep -h 'Provisioning failed on' "$PLAY_LOG" | tail -n1 | sed 's/^ *//' || true)
  if grep -q "$bad[^;]*node\.k8s_join" <<<"$line"; then
    ok "the run names $bad and node.k8s_join: ${line:0:200}"
  else
    problem "the run does not name $bad failing at node.k8s_join: '${line:0:300}'"
  fi
  if grep -q "$good[^;]*failed at" <<<"$line"; then problem "the run also names $good as failed: ${line:0:300}"; fi
  # The join failed for the planted reason (the API server refused the duplicate name), not
  # for another one.
  tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" | grep -q " join-refused $bad exists" \
    && ok "the API server refused $bad's join (a Ready node of that name exists)" \
    || problem "the API server never refused $bad's join: it failed elsewhere (events: $(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" | cut -d' ' -f2- | paste -sd, -))"
  grep -q 'already exists in the cluster' "$PLAY_LOG" && ok "kubeadm's error is shown" \
    || problem "kubeadm's error ('a Node with name \"$bad\" ... already exists in the cluster') is not in the output"
  check_controller_clean
  check_joined "$good"
}

scenario_proxy_only() {
  fresh_nodes
  # The nodes reach no outside name and no route: only the proxy on the controller's network.
  routing off
  start_dnsmasq proxy
  start_proxy
  local ran=0
  play root "http://$FLOATING:$PROXY_PORT" && ran=1
  stop_service proxy
  routing on
  start_dnsmasq normal
  [ $ran = 1 ] || return 0
  expect_success
  check_all_joined
  check_controller_clean
  local n
  for n in "${NODES[@]}"; do
    grep -qP "^${NODE_IP[$n]}\tCONNECT\tpkgs\.k8s\.io:443\t200" "$logs/proxy-access.log" \
      && ok "$n reached pkgs.k8s.io through the proxy" || problem "$n: no CONNECT pkgs.k8s.io:443 through the proxy"
    grep -qP "^${NODE_IP[$n]}\tGET\thttp://mirror\.e2e/" "$logs/proxy-access.log" \
      && ok "$n reached the Debian mirror through the proxy" || problem "$n: no Debian mirror request through the proxy"
  done
  if mirror_has "^$MGMT_NET\."; then problem "a node reached the mirror without the proxy"; fi
}

scenario_air_gapped() {
  fresh_nodes
  # No pkgs.k8s.io at all: the Kubernetes repository is the site mirror, its key a file on the
  # controller.
  start_dnsmasq airgap
  local ran=0
  play root "" '{"kubernetes_deb": {"url": "http://mirror.e2e/k8s/core:/stable:/{minor}/deb/", "key": "/etc/edgeworker-e2e/kubernetes-release.key"}}' && ran=1
  start_dnsmasq normal
  [ $ran = 1 ] || return 0
  expect_success
  check_all_joined
  check_controller_clean
  local n
  for n in "${NODES[@]}"; do
    mirror_has "^${NODE_IP[$n]}\tmirror\.e2e\tGET\t/k8s/core:/stable:/v1\.29/deb/" \
      && ok "$n used the site mirror's Kubernetes repository" || problem "$n: no request to http://mirror.e2e/k8s/core:/stable:/v1.29/deb/"
  done
  if mirror_has "\tpkgs\.k8s\.io\t"; then problem "a request for pkgs.k8s.io reached the mirror"; fi
}

scenario_non_root() {
  fresh_nodes
  play sysadmin || return 0
  expect_success
  check_all_joined
  check_controller_clean
}

# static-addressing: StarlingX from stx.9.0 on reserves no DHCP address for an edgeworker, so
# the operator typed each node's management address in at installation and the plan takes
# the interface over with `mgmt_addressing: static`. dnsmasq serves no DHCP at all here.
scenario_static_addressing() {
  start_dnsmasq stx10
  NODE_INSTALL=static fresh_nodes
  local ran=0 n
  MGMT_ADDRESSING=static play root && ran=1
  if [ $ran = 1 ]; then
    expect_success
    check_all_joined
    check_controller_clean
    for n in "${NODES[@]}"; do check_static "$n"; done
    if [ "$PLAY_RC" -eq 0 ] && say "rebooting the nodes" && reboot_nodes; then
      sleep 6 # one kubelet heartbeat
      for n in "${NODES[@]}"; do
        [ "$(kubectl_ctl get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] \
          && ok "$n back on ${NODE_IP[$n]} after a reboot and Ready" || problem "$n: not Ready after a reboot"
        check_static "$n" after-reboot
      done
      # The same plan again on the rebooted nodes: nothing to change.
      local first=$SCEN_RECAP c
      SCEN=static-addressing-again run_play root "$PLAY_DIR"
      expect_success
      for n in "${NODES[@]}"; do
        c=$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" field "$n" changed)
        [ "$c" = 0 ] && ok "$n: changed=0 on the second run" \
          || problem "$n: changed=$c on the second run: $("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" changed "$n" | paste -sd';' -)"
      done
      SCEN_RECAP="first: $first; again: $SCEN_RECAP"
    else
      [ "$PLAY_RC" -ne 0 ] || problem "a node did not come back on its management address after a reboot"
    fi
  fi
  start_dnsmasq normal
}

# check_static NAME [after-reboot]: the management interface is configured statically by the
# node's own manager (the installer's stanza commented out, ifupdown reading the plan's), with
# the hub as default gateway and no DHCP client on it.
check_static() {
  local n=$1 when=${2:-} ip=${NODE_IP[$1]} q
  case "${NODE_KIND[$n]}" in
    stock)
      q=$(node "$n" ifquery eth0 2>&1 || true)
      grep -qx "address: $ip" <<<"$q" && grep -qx "netmask: 255.255.255.0" <<<"$q" && grep -qx "gateway: $FLOATING" <<<"$q" \
        && ok "$n: ifupdown reads eth0 as static $ip/24 via $FLOATING" || problem "$n: ifquery eth0 says '$(paste -sd' ' - <<<"$q")'"
      node "$n" grep -q '^#edgeworker# iface eth0 inet static' /etc/network/interfaces \
        && ok "$n: the installer's eth0 stanza is commented out" || problem "$n: the installer's eth0 stanza is still active"
      ;;
    networkd) check_network_applied "$n" ;;
  esac
  if [ "$when" = after-reboot ]; then
    node "$n" ip -4 addr show eth0 | grep -q "inet $ip/24" \
      && ok "$n: eth0 has $ip/24 after the reboot" || problem "$n: eth0 lacks $ip/24 after the reboot"
    [ "$(node "$n" ip -4 route show default | awk '{print $3}')" = "$FLOATING" ] \
      && ok "$n: default route via $FLOATING" || problem "$n: default route is '$(node "$n" ip -4 route show default)' (want via $FLOATING)"
    if node "$n" pgrep -x dhclient >/dev/null; then problem "$n: a dhclient runs on a static interface"; fi
  fi
}

# upgrade: StarlingX has upgraded the control plane to v1.30.1; the nodes follow, edge-stock-1
# from v1.28.4 through v1.29 (two minors), edge-networkd-1 from v1.29.2 (one), one node at a
# time. A first run stops at edge-stock-1's drain (a pod protected by a disruption budget);
# the same playbook then runs to the end. The stand-ins record drain, each `kubeadm upgrade
# node` and uncordon in the cluster's event log; the order, the held packages and a second
# run of the same playbook are checked.
scenario_upgrade() {
  local two=edge-stock-1 one=edge-networkd-1 target=1.30.1 n
  ensure_provisioned || return 0
  # edge-stock-1 as a release before left it: kubelet and kubeadm 1.28.4 from the v1.28
  # repository, held, the kubelet reporting v1.28.4.
  say "  $two: kubelet and kubeadm 1.28.4 (as an earlier release left them)"
  if ! node "$two" sh -c '
      echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /" \
        >/etc/apt/sources.list.d/edgeworker-kubernetes.list &&
      apt-get -q update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades --allow-change-held-packages \
        kubelet=1.28.4-1.1 kubeadm=1.28.4-1.1 && apt-mark hold kubelet kubeadm && systemctl restart kubelet' \
      >"$logs/$SCEN.downgrade.log" 2>&1; then
    problem "could not put $two at 1.28.4: $(tail -3 "$logs/$SCEN.downgrade.log")"
    return 0
  fi
  wait_kubelet "$two" v1.28.4 || { problem "$two does not report v1.28.4"; return 0; }
  echo "v$target" >"$ctl_root/$STATE_REL/version"
  # First, a pod a disruption budget protects keeps $two from being drained: the run must stop
  # after its batch, name it and the step, leave it cordoned and $one untouched, release the
  # lock.
  eviction_blocked "$two" true
  local ran=0
  PLAN_KIND=upgrade K8S_VERSION=$target play root && ran=1
  eviction_blocked "$two" false
  [ $ran = 1 ] || { echo v1.29.2 >"$ctl_root/$STATE_REL/version"; return 0; }
  check_failed_upgrade "$two" "$one"
  # Then the same playbook, the pod evictable again: the upgrade itself.
  events_mark=$(wc -l <"$ctl_root/$STATE_REL/events.log")
  local failed=$SCEN_RECAP
  SCEN=upgrade-resumed run_play root "$PLAY_DIR"
  expect_success "Upgrade failed on"
  check_upgrade_order "$two" 1.29.0 "$target" "$one" "$target"
  for n in "${NODES[@]}"; do check_upgraded "$n" "$target"; done
  ctl test ! -e /run/edgeworker-provision.lock || problem "controller: /run/edgeworker-provision.lock left behind"
  # The same playbook again: every node is at the target and schedulable, nothing changes and
  # nothing is drained.
  events_mark=$(wc -l <"$ctl_root/$STATE_REL/events.log")
  local first=$SCEN_RECAP
  SCEN=upgrade-again run_play root "$PLAY_DIR"
  expect_success "Upgrade failed on"
  for n in "${NODES[@]}"; do
    c=$("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" field "$n" changed)
    [ "$c" = 0 ] && ok "$n: changed=0 on the second run of the same plan" \
      || problem "$n: changed=$c on the second run: $("$PY" "$e2e/tools/recap.py" "$PLAY_LOG" changed "$n" | paste -sd';' -)"
  done
  local again
  again=$(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" | awk '$2 ~ /^(drain|cordon|uncordon|kubeadm-upgrade-node)$/' | cut -d' ' -f2- | paste -sd, -)
  [ -z "$again" ] && ok "the second run drained nothing and upgraded nothing" || problem "the second run did: $again"
  SCEN_RECAP="failed: $failed; resumed: $first; again: $SCEN_RECAP"
  echo v1.29.2 >"$ctl_root/$STATE_REL/version"
}

# eviction_blocked NAME true|false: whether a pod on the node cannot be evicted (the stand-in
# kubectl's drain then fails as the real one does against a disruption budget).
eviction_blocked() {
  "$PY" - "$ctl_root/$STATE_REL/nodes/$1.json" "$2" <<'EOF'
import fcntl, json, os, sys
path, blocked = sys.argv[1], sys.argv[2] == "true"
with open(os.path.join(os.path.dirname(os.path.dirname(path)), ".lock"), "a") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    record = json.load(open(path))
    record["evictionBlocked"] = blocked
    json.dump(record, open(path + ".tmp", "w"))
    os.replace(path + ".tmp", path)
EOF
}

# check_failed_upgrade FAILED NOT_STARTED: the run failed naming FAILED at its drain and
# NOT_STARTED as not started; FAILED is cordoned, NOT_STARTED untouched; no kubeadm ran; the
# lock is released.
check_failed_upgrade() {
  local bad=$1 later=$2 line got
  [ "$PLAY_RC" -ne 0 ] && ok "the run failed (exit $PLAY_RC)" || problem "the run succeeded although $bad cannot be drained"
  line=$(grep -h 'Upgrade failed on' "$PLAY_LOG" | tail -n1 | sed 's/^ *//' || true)
  if grep -qF "$bad (failed at node.drain: drain node $bad)" <<<"$line" && grep -qF "$later (not started: an earlier batch failed)" <<<"$line"; then
    ok "the run names $bad at node.drain and $later as not started"
  else
    problem "the failure report does not name $bad at node.drain and $later as not started: '${line:0:300}'"
  fi
  grep -q "Cannot evict pod as it would violate the pod's disruption budget" "$PLAY_LOG" \
    && ok "kubectl drain's error is shown" || problem "kubectl drain's error is not in the output"
  [ "$(kubectl_ctl get node "$bad" -o 'jsonpath={.spec.unschedulable}')" = true ] \
    && ok "$bad stays cordoned" || problem "$bad is not cordoned after its failed drain"
  [ "$(kubectl_ctl get node "$later" -o 'jsonpath={.spec.unschedulable} {.status.nodeInfo.kubeletVersion}')" = " v1.29.2" ] \
    && ok "$later untouched (schedulable, v1.29.2)" || problem "$later was touched although its batch did not start"
  got=$(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" | awk '$2 ~ /^(drain|drain-failed|uncordon|kubeadm-upgrade-node)$/' | cut -d' ' -f2- | paste -sd, -)
  [ "$got" = "drain-failed $bad" ] && ok "calls: $got" || problem "calls were '$got' (want 'drain-failed $bad')"
  ctl test ! -e /run/edgeworker-provision.lock && ok "controller: lock released" || problem "controller: /run/edgeworker-provision.lock left behind"
}

# ensure_provisioned: both nodes Ready at v1.29.2 (from the scenarios before), or provision
# them now.
ensure_provisioned() {
  local n v
  for n in "${NODES[@]}"; do
    v=$(kubectl_ctl get node "$n" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null || true)
    if [ "$v" != v1.29.2 ] || [ -z "${NODE_PID[$n]:-}" ]; then
      fresh_nodes_and_first_run
      for n in "${NODES[@]}"; do
        wait_kubelet "$n" v1.29.2 || { problem "$n is not provisioned at v1.29.2: no upgrade to test"; return 1; }
      done
      return 0
    fi
  done
}

# wait_kubelet NAME VERSION: the cluster shows the node Ready with that kubelet (30 s at most).
wait_kubelet() {
  local i
  for i in $(seq 30); do
    [ "$(kubectl_ctl get node "$1" -o 'jsonpath={.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "$2 True" ] && return 0
    sleep 1
  done
  return 1
}

# check_upgrade_order NODE VERSION... [NODE VERSION...]: the cluster's events of the run are,
# node after node in that order, drain, `kubeadm upgrade node` at each version, uncordon.
check_upgrade_order() {
  local want="" got n
  while [ $# -gt 0 ]; do
    n=$1
    shift
    want+="drain $n,"
    while [ $# -gt 0 ] && [[ $1 == [0-9]* ]]; do want+="kubeadm-upgrade-node $n v$1,"; shift; done
    want+="uncordon $n,"
  done
  want=${want%,}
  got=$(tail -n +"$((events_mark + 1))" "$ctl_root/$STATE_REL/events.log" | awk '$2 ~ /^(drain|uncordon|kubeadm-upgrade-node|upgrade-node-refused)$/' | cut -d' ' -f2- | paste -sd, -)
  [ "$got" = "$want" ] && ok "calls in order: $got" || problem "calls were '$got' (want '$want')"
}

# check_upgraded NAME VERSION: Ready and schedulable at the version; both packages exactly that
# version and held; the kubelet running.
check_upgraded() {
  local n=$1 v=$2 facts pkgs holds
  facts=$(kubectl_ctl get node "$n" -o json | "$PY" -c '
import json, sys
o = json.load(sys.stdin)
ready = [c["status"] for c in o["status"]["conditions"] if c["type"] == "Ready"][0]
print(ready, o["status"]["nodeInfo"]["kubeletVersion"], o["spec"].get("unschedulable", False))' 2>&1)
  [ "$facts" = "True v$v False" ] && ok "$n Ready, kubelet v$v, schedulable" \
    || problem "$n: cluster says '$facts' (want Ready True, kubelet v$v, unschedulable False)"
  pkgs=$(node "$n" dpkg-query -W -f '${Package}=${Version} ' kubelet kubeadm 2>&1 || true)
  [ "$pkgs" = "kubeadm=$v-1.1 kubelet=$v-1.1 " ] && ok "$n: $pkgs" || problem "$n: packages are '$pkgs' (want $v-1.1)"
  holds=$(node "$n" apt-mark showhold | sort | paste -sd, -)
  [ "$holds" = kubeadm,kubelet ] || problem "$n: held packages '$holds' (want kubeadm,kubelet)"
  [ "$(node "$n" systemctl is-active kubelet 2>&1)" = active ] || problem "$n: kubelet is not active"
}
