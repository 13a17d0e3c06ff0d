# shellcheck shell=bash
# Root file systems, keys, the local mirror. Everything slow is cached under $cache: the
# debootstrap tarballs (scripts/rootfs), the Debian packages the nodes install (downloaded
# once with the nodes' own apt), the controller's Ansible virtualenv, the GPG keys.

# The nodes: what a Debian 12 installation has that matters here (sshd, python3 and
# python3-apt for Ansible, sudo, ifupdown + dhclient as the installer leaves them, dbus for
# hostnamectl, kmod/procps for modprobe/sysctl, ca-certificates).
NODE_PACKAGES=systemd-sysv,dbus,openssh-server,python3,python3-apt,sudo,ifupdown,isc-dhcp-client,iproute2,ca-certificates,procps,kmod,netbase
# What the playbook (or a fixed one) may install from Debian; with their dependencies, as the
# node's own apt resolves them, they form the local Debian mirror (nodes have no internet).
MIRROR_PACKAGES="chrony containerd iptables socat ethtool conntrack gnupg curl apt-transport-https"
# The controllers' package list, shared with the other Debian 11 lanes' cache.
CTL_PACKAGES=python3,python3-venv,python3-pip,openssh-client,sudo

prepare_images() {
  mkdir -p "$cache/e2e"
  PIPCACHE=$cache/pip
  mkdir -p "$PIPCACHE"
  export PIPCACHE
  local t=$SECONDS
  "$root/scripts/rootfs" bookworm "$run/node-base" "$NODE_PACKAGES"
  say "node root file system unpacked ($((SECONDS - t))s)"
  make_keys
  debian_packages
  build_mirror
  customise_node_base
  t=$SECONDS
  prepare_controller
  say "controller ready ($((SECONDS - t))s)"
}

# ---------------------------------------------------------------- keys and certificates
make_keys() {
  keys=$cache/e2e/keys
  if [ ! -s "$keys/k8s.asc" ]; then
    mkdir -p "$keys"
    (
      exec 9>"$keys.lock"
      flock 9
      [ -s "$keys/k8s.asc" ] && exit 0
      rm -rf "$keys.tmp" && mkdir -p "$keys.tmp/gnupg" && chmod 700 "$keys.tmp/gnupg"
      for k in debian k8s; do
        gpg --batch --homedir "$keys.tmp/gnupg" --passphrase '' --quick-gen-key \
          "edgeworker e2e $k archive <$k@e2e.invalid>" rsa2048 sign never 2>/dev/null
        gpg --batch --homedir "$keys.tmp/gnupg" --armor --export "$k@e2e.invalid" >"$keys.tmp/$k.asc"
        gpg --batch --homedir "$keys.tmp/gnupg" --export "$k@e2e.invalid" >"$keys.tmp/$k.gpg"
      done
      # gpg started an agent for this home; stop it before the home moves.
      gpgconf --homedir "$keys.tmp/gnupg" --kill gpg-agent
      rm -f "$keys.tmp/gnupg/"S.*
      rm -rf "$keys" && mv "$keys.tmp" "$keys"
    )
  fi
  # TLS material is per run (cheap): the site CA (its certificate for pkgs.k8s.io and the
  # mirror), the cluster CA (/etc/kubernetes/pki/ca.crt, its API server certificate), the
  # local registry's CA.
  pki=$run/pki
  mkdir -p "$pki" "$run/ssh"
  ssh-keygen -q -t ed25519 -N '' -C "sysadmin@controller-0" -f "$run/ssh/id_ed25519"
  local ca
  for ca in site cluster registry; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=edgeworker e2e $ca CA" \
      -keyout "$pki/$ca-ca.key" -out "$pki/$ca-ca.crt" 2>/dev/null
  done
  issue site mirror "DNS:pkgs.k8s.io,DNS:mirror.e2e,IP:$MIRROR_IP"
  issue cluster apiserver "DNS:kubernetes,IP:$FLOATING"
}

# issue CA NAME SAN: a server certificate NAME signed by CA.
issue() {
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$pki/$2.key" -out "$pki/$2.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" >"$pki/$2.ext"
  openssl x509 -req -in "$pki/$2.csr" -CA "$pki/$1-ca.crt" -CAkey "$pki/$1-ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/$2.ext" -out "$pki/$2.crt" 2>/dev/null
}

# sign_release DIR KEY: InRelease and Release.gpg for DIR/Release, with KEY (debian|k8s).
# A copy of the key home in the run directory: gpg's agent (stopped by stop_gpg_agent, also
# on cleanup) then never touches the cache.
sign_release() {
  local dir=$1 key=$2
  if [ ! -d "$run/gnupg" ]; then
    cp -a "$keys/gnupg" "$run/gnupg"
    GPG_HOME=$run/gnupg
  fi
  gpg --batch --yes --homedir "$GPG_HOME" --local-user "$key@e2e.invalid" --clearsign \
    -o "$dir/InRelease" "$dir/Release" 2>"$logs/gpg.log"
  gpg --batch --yes --homedir "$GPG_HOME" --local-user "$key@e2e.invalid" --armor --detach-sign \
    -o "$dir/Release.gpg" "$dir/Release" 2>>"$logs/gpg.log"
}

stop_gpg_agent() {
  [ -n "${GPG_HOME:-}" ] && gpgconf --homedir "$GPG_HOME" --kill gpg-agent 2>/dev/null
  return 0
}

# ---------------------------------------------------------------- Debian packages for the nodes
debian_packages() {
  local key
  # Keyed by the node image (name, size, time) and the list: a rebuilt image gets a new set.
  key=$( (stat -c '%n %s %Y' "$(node_tarball)"; echo "$MIRROR_PACKAGES") | sha256sum | cut -c1-12)
  debs=$cache/e2e/debs-bookworm-$key
  [ -s "$debs/.complete" ] && return 0
  say "downloading the nodes' Debian packages once (cached in $debs)"
  exec 8>"$debs.lock"
  flock 8
  if [ ! -s "$debs/.complete" ]; then
    local tmp=$run/debs-root
    mkdir -p "$tmp"
    zstd -q -dc "$(node_tarball)" | tar --numeric-owner -C "$tmp" -xf -
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"
    mkdir -p "$tmp/debs"
    # The node's own apt decides the dependency closure of exactly this image.
    # shellcheck disable=SC2086
    unshare -m --propagation private sh -c '
      mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" || exit 1
      shift
      chroot "$@"' sh "$tmp" "$tmp" sh -c "apt-get -q update >/dev/null &&
        apt-get -q -y install --download-only -o Dir::Cache::archives=/debs $MIRROR_PACKAGES >/dev/null" \
      || die "apt-get download of $MIRROR_PACKAGES failed"
    rm -rf "$debs.tmp" && mkdir -p "$debs.tmp"
    mv "$tmp"/debs/*.deb "$debs.tmp/"
    ls "$debs.tmp" >"$debs.tmp/.complete"
    rm -rf "$debs" && mv "$debs.tmp" "$debs"
    rm -rf "$tmp"
  fi
  exec 8>&-
}

node_tarball() {
  local sorted
  sorted=$(printf '%s' "$NODE_PACKAGES" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -)
  echo "$cache/rootfs/bookworm-$(printf '%s' "$sorted" | sha256sum | cut -c1-12).tar.zst"
}

# ---------------------------------------------------------------- the mirror tree
build_mirror() {
  local m=$run/mirror t=$SECONDS d
  mkdir -p "$m/debian/pool/main" "$m/debian/dists/bookworm/main/binary-amd64"
  cp "$debs"/*.deb "$m/debian/pool/main/"
  (
    cd "$m/debian"
    apt-ftparchive packages pool >dists/bookworm/main/binary-amd64/Packages
    gzip -9k dists/bookworm/main/binary-amd64/Packages
    apt-ftparchive -o APT::FTPArchive::Release::Origin=edgeworker-e2e \
      -o APT::FTPArchive::Release::Suite=bookworm -o APT::FTPArchive::Release::Codename=bookworm \
      -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main \
      release dists/bookworm >"$run/Release" && mv "$run/Release" dists/bookworm/Release
  )
  sign_release "$m/debian/dists/bookworm" debian
  # The Kubernetes repositories, as pkgs.k8s.io lays them out (flat, one per minor).
  "$e2e/packages/build" "$m"
  for d in "$m"/core:/stable:/v*/deb; do
    (
      cd "$d"
      apt-ftparchive packages amd64 >Packages
      gzip -9k Packages
      apt-ftparchive release . >"$run/Release" && mv "$run/Release" Release
    )
    sign_release "$d" k8s
    cp "$keys/k8s.asc" "$d/Release.key"
  done
  # The same repositories under the site mirror's own path (the air-gapped scenario).
  ln -s . "$m/k8s"
  stop_gpg_agent
  say "mirror built: $(find "$m" -name '*.deb' | wc -l) packages ($((SECONDS - t))s)"
}

# ---------------------------------------------------------------- the nodes' common image
customise_node_base() {
  local b=$run/node-base kver
  kver=$(uname -r)
  # Only local repositories, signed by the mirror's key (as a site mirror is).
  install -m 0644 "$keys/debian.gpg" "$b/usr/share/keyrings/edgeworker-e2e-debian.gpg"
  echo "deb [signed-by=/usr/share/keyrings/edgeworker-e2e-debian.gpg] http://mirror.e2e/debian bookworm main" \
    >"$b/etc/apt/sources.list"
  rm -rf "$b/var/lib/apt/lists/"*
  # The site's PKI: the nodes trust the site CA, whose certificate the mirror presents as
  # pkgs.k8s.io (that is how the playbook's default upstream URL reaches the mirror).
  install -m 0644 "$pki/site-ca.crt" "$b/usr/local/share/ca-certificates/edgeworker-e2e-site-ca.crt"
  chroot "$b" update-ca-certificates >/dev/null 2>&1
  # The operator's account, as StarlingX operators reach nodes: sysadmin with passwordless sudo.
  chroot "$b" useradd -m -s /bin/bash -G sudo sysadmin 2>/dev/null || true
  echo "sysadmin ALL=(ALL) NOPASSWD: ALL" >"$b/etc/sudoers.d/sysadmin"
  chmod 0440 "$b/etc/sudoers.d/sysadmin"
  install -d -m 0700 -o 1000 -g 1000 "$b/home/sysadmin/.ssh"
  install -m 0600 -o 1000 -g 1000 "$run/ssh/id_ed25519.pub" "$b/home/sysadmin/.ssh/authorized_keys"
  echo "nameserver $FLOATING" >"$b/etc/resolv.conf"
  # --- container facts (see e2e/README.md), not playbook behaviour:
  # This kernel has overlay and br_netfilter built in; a real node's kernel package lists
  # them in modules.builtin, so modprobe succeeds. The container has no /lib/modules.
  mkdir -p "$b/lib/modules/$kver"
  printf 'kernel/fs/overlayfs/overlay.ko\nkernel/net/bridge/bridge.ko\nkernel/net/bridge/br_netfilter.ko\n' \
    >"$b/lib/modules/$kver/modules.builtin"
  chroot "$b" depmod -a "$kver" 2>/dev/null
  # A container may not write kernel.*/fs.* sysctls; Debian's own defaults for those would
  # make every `sysctl --system` fail here (it succeeds on a real node). net.* stays writable.
  ln -sf /dev/null "$b/etc/sysctl.d/50-pid-max.conf"
  ln -sf /dev/null "$b/etc/sysctl.d/99-protect-links.conf"
  # chronyd needs CAP_SYS_TIME, which a container must not have (it is the host's clock);
  # run it with -x (no clock control) so the service, its configuration and its state are real.
  mkdir -p "$b/etc/systemd/system/chrony.service.d"
  cat >"$b/etc/systemd/system/chrony.service.d/e2e-container.conf" <<'EOF'
# edgeworker e2e: containers have no CAP_SYS_TIME; keep chronyd running without clock control.
[Unit]
ConditionCapability=
[Service]
ExecStart=
ExecStart=!/usr/sbin/chronyd -x $DAEMON_OPTS
EOF
}

# ---------------------------------------------------------------- the controller
prepare_controller() {
  local suite=bullseye venv_spec
  case "$lane" in
    2.10)
      suite=bullseye ctl_venv=/opt/ansible-2.10
      venv_spec="ansible==2.10.7 Jinja2==2.11.3 MarkupSafe==1.1.1" ;;
    2.16)
      suite=bookworm ctl_venv=/opt/ansible-2.16
      # The pin of .ci/ansible-check.
      venv_spec="ansible-core==${ANSIBLE_CORE_VERSION:-2.16.19}" ;;
    *) die "EDGEWORKER_E2E_ANSIBLE must be 2.10 or 2.16, not '$lane'" ;;
  esac
  ctl_root=$run/ctl
  "$root/scripts/rootfs" "$suite" "$ctl_root" "$CTL_PACKAGES"
  mkdir -p "$ctl_root/var/cache/edgeworker/pip" "$ctl_root/etc/edgeworker-e2e"
  # The virtualenv is cached as a tarball: installing ansible 2.10.7 runs its setup.py over
  # thousands of files (minutes); unpacking takes seconds.
  local vkey vtar
  vkey=$(printf '%s %s' "$suite" "$venv_spec" | sha256sum | cut -c1-12)
  vtar=$cache/e2e/venv-$vkey.tar.zst
  if [ ! -s "$vtar" ]; then
    say "installing $venv_spec into the controller (pip cache: $PIPCACHE)"
    cp /etc/ssl/certs/ca-certificates.crt "$ctl_root/etc/edgeworker-e2e/pip-ca.crt"
    # The host's CA bundle lets pip through this machine's egress; nothing else of the
    # host's pip configuration reaches the controller (env -i in ctl).
    ctl_venv=/usr CTL_NS=host ctl sh -c "python3 -m venv $ctl_venv &&
      $ctl_venv/bin/pip install -q --cert /etc/edgeworker-e2e/pip-ca.crt \
        --cache-dir /var/cache/edgeworker/pip $venv_spec" >"$logs/pip.log" 2>&1 \
      || { tail -20 "$logs/pip.log" >&2; die "pip install of $venv_spec failed"; }
    rm -f "$ctl_root/etc/edgeworker-e2e/pip-ca.crt"
    tar --numeric-owner -C "$ctl_root" -cf - "${ctl_venv#/}" | zstd -q -T0 -o "$vtar.tmp"
    mv "$vtar.tmp" "$vtar"
  else
    zstd -q -dc "$vtar" | tar --numeric-owner -C "$ctl_root" -xf -
  fi
  CTL_NS=host ctl "$ctl_venv/bin/ansible-playbook" --version >"$logs/ansible-version.txt" 2>&1 \
    || die "ansible-playbook does not run on the controller: $(cat "$logs/ansible-version.txt")"
  say "controller: $(head -n1 "$logs/ansible-version.txt"), $(CTL_NS=host ctl python3 --version 2>&1)"

  local c=$ctl_root t
  # Stand-ins for what a StarlingX controller has: the system CLI and its credentials, the
  # admin kubeconfig, kubeadm/kubectl answering from the stand-in cluster, the cluster CA.
  install -d "$c/usr/local/lib/edgeworker-e2e" "$c/etc/platform" "$c/etc/kubernetes/pki"
  install -m 0644 "$e2e/standins/cluster.py" "$c/usr/local/lib/edgeworker-e2e/cluster.py"
  install -m 0755 "$e2e/standins/apiserver.py" "$c/usr/local/lib/edgeworker-e2e/apiserver.py"
  for t in system kubeadm kubectl; do install -m 0755 "$e2e/standins/controller/$t" "$c/usr/local/bin/$t"; done
  cat >"$c/etc/platform/openrc" <<'EOF'
# Stand-in for StarlingX's /etc/platform/openrc: the credentials `system` needs.
export OS_USERNAME=admin OS_PROJECT_NAME=admin OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_REGION_NAME=RegionOne OS_INTERFACE=internal OS_IDENTITY_API_VERSION=3
EOF
  install -m 0644 "$pki/cluster-ca.crt" "$c/etc/kubernetes/pki/ca.crt"
  install -m 0600 "$pki/cluster-ca.key" "$c/etc/kubernetes/pki/ca.key"
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://%s:6443\n  name: kubernetes\n' \
    "$FLOATING" >"$c/etc/kubernetes/admin.conf"
  chmod 0600 "$c/etc/kubernetes/admin.conf"
  install -d "$c/etc/docker/certs.d/registry.local:9001"
  install -m 0644 "$pki/registry-ca.crt" "$c/etc/docker/certs.d/registry.local:9001/registry-cert.crt"
  install -m 0644 "$keys/k8s.asc" "$c/etc/edgeworker-e2e/kubernetes-release.key"
  echo "v1.29.2" >"$run/cluster-version"
  install -d "$c/var/lib/edgeworker-e2e/cluster"
  cp "$run/cluster-version" "$c/var/lib/edgeworker-e2e/cluster/version"
  : >"$c/var/lib/edgeworker-e2e/cluster/events.log"
  echo "nameserver $FLOATING" >"$c/etc/resolv.conf"
  printf '127.0.0.1 localhost\n%s controller-0\n' "$FLOATING" >"$c/etc/hosts"
  # The operator: sysadmin, in sudo without a password (ansible's become on the controller).
  chroot "$c" useradd -m -s /bin/bash sysadmin 2>/dev/null || true
  echo "sysadmin ALL=(ALL) NOPASSWD: ALL" >"$c/etc/sudoers.d/sysadmin"
  chmod 0440 "$c/etc/sudoers.d/sysadmin"
  local u h
  for u in root sysadmin; do
    h=/root
    [ $u = root ] || h=/home/$u
    install -d -m 0700 "$c$h/.ssh"
    install -m 0600 "$run/ssh/id_ed25519" "$c$h/.ssh/id_ed25519"
    install -m 0644 "$run/ssh/id_ed25519.pub" "$c$h/.ssh/id_ed25519.pub"
    chroot "$c" chown -R "$u:" "$h/.ssh"
  done
  printf '%s\n' "${NODES[@]}" | python3 -c '
import json, sys, uuid
ips, macs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
hosts = [{"hostname": n, "id": i + 10, "uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, n)),
          "personality": "edgeworker", "mgmt_ip": ips[n], "mgmt_mac": macs[n]}
         for i, n in enumerate(sys.stdin.read().split())]
json.dump(hosts, open(sys.argv[3], "w"), indent=1)' \
    "$(assoc_json NODE_IP)" "$(assoc_json NODE_MAC)" "$c/etc/edgeworker-e2e/hosts.json"
}

# The nodes' apt lists, as an installed system has them: fetched from its configured source
# (the mirror, so this runs once the network is up), two days old.
populate_node_lists() {
  ip netns exec "$HUB" unshare -m --propagation private sh -c '
    mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" || exit 1
    chroot "$1" apt-get -q update' sh "$run/node-base" >"$logs/node-apt-lists.log" 2>&1 \
    || die "apt-get update of the node image against the mirror failed: $(tail -5 "$logs/node-apt-lists.log")"
  rm -f "$run/node-base/var/lib/apt/periodic/update-success-stamp"
  find "$run/node-base/var/lib/apt/lists" -exec touch -d '2 days ago' {} +
}

assoc_json() { # NAME of an associative array -> JSON object
  local -n a=$1
  local k out="{"
  for k in "${!a[@]}"; do out+="\"$k\": \"${a[$k]}\","; done
  echo "${out%,}}"
}
