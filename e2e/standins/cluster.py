"""The stand-in cluster's state, shared by the controller's stand-ins and the stand-in API server.

What a real StarlingX control plane keeps in etcd, kept here as files under STATE (on the
controller's file system): bootstrap tokens, nodes (labels, kubelet version, address,
last heartbeat) and an event log the end-to-end harness reads to prove what happened
(a token created and deleted, a join accepted or refused). Python 3.9 compatible: it runs on
the Debian 11 controller.
"""
import fcntl
import json
import os
import re
import secrets
import time

STATE = os.environ.get("EDGEWORKER_E2E_STATE", "/var/lib/edgeworker-e2e/cluster")
READY_SECONDS = 40  # a node is Ready while its kubelet reported within this many seconds
TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


def _path(*parts):
    return os.path.join(STATE, *parts)


class Locked:
    """One lock for every change of the state, across processes."""

    def __enter__(self):
        os.makedirs(STATE, exist_ok=True)
        self.f = open(_path(".lock"), "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def _read(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def _write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def event(*words):
    os.makedirs(STATE, exist_ok=True)
    with open(_path("events.log"), "a") as f:
        f.write("%d %s\n" % (time.time(), " ".join(words)))


def version():
    with open(_path("version")) as f:
        return f.read().strip()


# ---------------------------------------------------------------- tokens
def tokens():
    return _read(_path("tokens.json"), {})


def token_create(ttl_seconds, description):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    tid = "".join(secrets.choice(alphabet) for _ in range(6))
    secret = "".join(secrets.choice(alphabet) for _ in range(16))
    with Locked():
        all_tokens = tokens()
        all_tokens[tid] = {
            "secret": secret,
            "description": description,
            "created": time.time(),
            "expires": time.time() + ttl_seconds if ttl_seconds else None,
        }
        _write(_path("tokens.json"), all_tokens)
        event("token-create", tid)
    return "%s.%s" % (tid, secret)


def token_delete(token_or_id):
    tid = token_or_id.split(".", 1)[0]
    with Locked():
        all_tokens = tokens()
        if tid not in all_tokens:
            return False
        del all_tokens[tid]
        _write(_path("tokens.json"), all_tokens)
        event("token-delete", tid)
    return True


def token_valid(token):
    m = TOKEN_RE.match(token or "")
    if not m:
        return False
    t = tokens().get(m.group(1))
    return bool(t) and t["secret"] == m.group(2) and (t["expires"] is None or t["expires"] > time.time())


# ---------------------------------------------------------------- nodes
def node(name):
    return _read(_path("nodes", name + ".json"), None)


def node_names():
    try:
        return sorted(n[:-5] for n in os.listdir(_path("nodes")) if n.endswith(".json"))
    except FileNotFoundError:
        return []


def node_put(record):
    _write(_path("nodes", record["name"] + ".json"), record)


def node_delete(name):
    try:
        os.remove(_path("nodes", name + ".json"))
        return True
    except FileNotFoundError:
        return False


def ready(record):
    if record.get("pinnedReady"):
        return True
    hb = record.get("heartbeat")
    return hb is not None and time.time() - hb < READY_SECONDS


def node_object(record):
    """The node as `kubectl get node -o json` shows it (the fields a playbook may read)."""
    is_ready = ready(record)
    hb = record.get("heartbeat") or record.get("created") or time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(hb))
    addresses = [{"type": "Hostname", "address": record["name"]}]
    if record.get("internalIP"):
        addresses.insert(0, {"type": "InternalIP", "address": record["internalIP"]})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": record["name"],
            "labels": dict(record.get("labels", {})),
            "creationTimestamp": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.get("created", hb))),
        },
        "spec": {"unschedulable": True} if record.get("unschedulable") else {},
        "status": {
            "addresses": addresses,
            "conditions": [{
                "type": "Ready",
                "status": "True" if is_ready else "Unknown",
                "reason": "KubeletReady" if is_ready else "NodeStatusUnknown",
                "message": "kubelet is posting ready status" if is_ready
                else "Kubelet stopped posting node status.",
                "lastHeartbeatTime": stamp,
            }],
            "nodeInfo": {
                "kubeletVersion": record.get("kubeletVersion", ""),
                "kubeProxyVersion": record.get("kubeletVersion", ""),
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }
