#!/usr/bin/env python3
"""Stand-in Kubernetes API server for the end-to-end test (HTTPS, the cluster's own CA).

Usage: apiserver.py LISTEN_ADDR:PORT CA_CERT SERVER_CERT SERVER_KEY   (EDGEWORKER_E2E_STATE set)

It serves only what the nodes' stand-in kubeadm and kubelet need, over the same TLS a real
API server presents (a certificate signed by /etc/kubernetes/pki/ca.crt):
  GET  /version                                   control-plane version
  GET  /api/v1/namespaces/kube-public/configmaps/cluster-info   the CA (for the pin check)
  POST /edgeworker-e2e/join       {token, node, kubeletVersion}   bootstrap-token join
  POST /edgeworker-e2e/heartbeat  {node, credential, kubeletVersion, internalIP}
  POST /edgeworker-e2e/upgrade-node  {node, credential, kubeadmVersion}  `kubeadm upgrade node`
A join needs a live token created by `kubeadm token create` on the controller; a join of a
name that is already a Ready node is refused with kubeadm's own message.
"""
import http.server
import json
import os
import secrets
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402

CA_PEM = None


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("apiserver: %s %s\n" % (self.client_address[0], fmt % args))

    def send_json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/version":
            return self.send_json(200, {"gitVersion": cluster.version()})
        if self.path == "/api/v1/namespaces/kube-public/configmaps/cluster-info":
            return self.send_json(200, {"kind": "ConfigMap", "data": {"ca.crt": CA_PEM}})
        self.send_json(404, {"message": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        try:
            req = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.send_json(400, {"message": "bad json"})
        if self.path == "/edgeworker-e2e/join":
            return self.join(req)
        if self.path == "/edgeworker-e2e/heartbeat":
            return self.heartbeat(req)
        if self.path == "/edgeworker-e2e/upgrade-node":
            return self.upgrade_node(req)
        self.send_json(404, {"message": "not found"})

    def join(self, req):
        name, token = req.get("node", ""), req.get("token", "")
        with cluster.Locked():
            if not cluster.token_valid(token):
                tid = token.split(".", 1)[0]
                cluster.event("join-refused", name, "token")
                return self.send_json(401, {"message": (
                    "couldn't validate the identity of the API Server: could not find a JWS "
                    "signature in the cluster-info ConfigMap for token ID \"%s\"" % tid)})
            old = cluster.node(name)
            if old is not None and cluster.ready(old):
                cluster.event("join-refused", name, "exists")
                return self.send_json(409, {"message": (
                    "a Node with name \"%s\" and status \"Ready\" already exists in the cluster. "
                    "You must delete the existing Node or change the name of this new joining Node"
                    % name)})
            record = {
                "name": name,
                "created": time.time(),
                "credential": secrets.token_hex(16),
                "kubeletVersion": req.get("kubeletVersion", ""),
                "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
            }
            if old is not None:
                record["labels"] = old.get("labels", record["labels"])
            cluster.node_put(record)
            cluster.event("join-accepted", name)
        self.send_json(200, {"credential": record["credential"]})

    def heartbeat(self, req):
        name = req.get("node", "")
        with cluster.Locked():
            record = cluster.node(name)
            if record is None or record.get("credential") != req.get("credential"):
                return self.send_json(401, {"message": "Unauthorized"})
            first = record.get("heartbeat") is None
            record["heartbeat"] = time.time()
            record["kubeletVersion"] = req.get("kubeletVersion", "")
            record["internalIP"] = req.get("internalIP", "")
            cluster.node_put(record)
            if first:
                cluster.event("kubelet-ready", name, record["kubeletVersion"], record["internalIP"])
        self.send_json(200, {})


    def upgrade_node(self, req):
        """What `kubeadm upgrade node` reads from the cluster on a worker: the cluster's
        configuration, which a kubeadm newer than the control plane cannot apply."""
        name, version = req.get("node", ""), req.get("kubeadmVersion", "")
        with cluster.Locked():
            record = cluster.node(name)
            if record is None or record.get("credential") != req.get("credential"):
                return self.send_json(401, {"message": "Unauthorized"})
            server = cluster.version()
            if minor(version) > minor(server):
                cluster.event("upgrade-node-refused", name, version)
                return self.send_json(400, {"message": (
                    "the kubeadm version %s is newer than the control plane %s" % (version, server))})
            cluster.event("kubeadm-upgrade-node", name, version)
        self.send_json(200, {"kubernetesVersion": server})


def minor(v):
    parts = v.lstrip("v").split(".")
    return (int(parts[0]), int(parts[1])) if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() else (0, 0)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    global CA_PEM
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    addr, ca, cert, key = sys.argv[1:]
    with open(ca) as f:
        CA_PEM = f.read()
    host, port = addr.rsplit(":", 1)
    server = Server((host, int(port)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("apiserver: listening on https://%s" % addr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
