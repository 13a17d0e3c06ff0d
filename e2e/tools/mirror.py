#!/usr/bin/env python3
"""The package mirror of the end-to-end network: serves a directory over HTTP and HTTPS.

Usage: mirror.py ROOT ACCESS_LOG HTTP_ADDR:PORT [HTTPS_ADDR:PORT CERT KEY]

Every request is appended to ACCESS_LOG as one tab-separated line
(client address, Host header, method, path, status) so a scenario can prove who fetched what
(through the proxy or not, from pkgs.k8s.io or from the site mirror). The HTTPS listener
presents a certificate of the harness's own CA for pkgs.k8s.io, which the nodes trust the way
a site trusts its own PKI: that is how the playbook's default upstream URLs reach this mirror.
"""
import functools
import http.server
import os
import ssl
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    log_lock = threading.Lock()
    log_path = None

    def log_request(self, code="-", size="-"):
        line = "\t".join([
            self.client_address[0],
            self.headers.get("Host", "-"),
            self.command,
            self.path,
            str(int(code) if str(code).isdigit() else code),
        ])
        with self.log_lock, open(self.log_path, "a") as f:
            f.write(line + "\n")

    def log_message(self, fmt, *args):  # keep stderr quiet; the access log says it all
        pass


def serve(server):
    server.serve_forever()


def main():
    if len(sys.argv) not in (4, 7):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    root, log, http_addr = sys.argv[1:4]
    Handler.log_path = log
    handler = functools.partial(Handler, directory=root)
    host, port = http_addr.rsplit(":", 1)
    servers = [http.server.ThreadingHTTPServer((host, int(port)), handler)]
    if len(sys.argv) == 7:
        https_addr, cert, key = sys.argv[4:7]
        host, port = https_addr.rsplit(":", 1)
        tls = http.server.ThreadingHTTPServer((host, int(port)), handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)
    for s in servers[1:]:
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    print("mirror: serving %s" % root, flush=True)
    serve(servers[0])


if __name__ == "__main__":
    main()
