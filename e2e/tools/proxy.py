#!/usr/bin/env python3
"""The site's HTTP proxy for the proxy-only scenario: plain HTTP forwarding and CONNECT.

Usage: proxy.py LISTEN_ADDR:PORT ACCESS_LOG [NAME=ADDRESS ...]

Names are resolved from the NAME=ADDRESS arguments only (the proxy's namespace has no
resolver), as a site proxy resolves names the nodes cannot. Each request is appended to
ACCESS_LOG as "client<TAB>method<TAB>target<TAB>status", so the scenario can prove that the
nodes' downloads went through here.
"""
import select
import socket
import socketserver
import sys
import threading
import urllib.parse

NAMES = {}
LOG = None
LOCK = threading.Lock()
TIMEOUT = 30


def log(client, method, target, status):
    with LOCK, open(LOG, "a") as f:
        f.write("%s\t%s\t%s\t%s\n" % (client, method, target, status))


def resolve(host):
    if host in NAMES:
        return NAMES[host]
    try:
        socket.inet_aton(host)
        return host
    except OSError:
        return None


def pipe(a, b):
    socks = [a, b]
    while True:
        r, _, x = select.select(socks, [], socks, TIMEOUT)
        if x or not r:
            return
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


class Handler(socketserver.StreamRequestHandler):
    def reply(self, status, text):
        self.wfile.write(("HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                          % (status, text)).encode())

    def handle(self):
        self.connection.settimeout(TIMEOUT)
        client = self.client_address[0]
        line = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        if not line:
            return
        try:
            method, target, version = line.split(" ", 2)
        except ValueError:
            return self.reply(400, "Bad Request")
        headers = []
        while True:
            h = self.rfile.readline(65536).decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            headers.append(h.rstrip("\r\n"))
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            addr = resolve(host)
            if addr is None:
                log(client, method, target, 502)
                return self.reply(502, "Bad Gateway")
            try:
                upstream = socket.create_connection((addr, int(port)), timeout=TIMEOUT)
            except OSError:
                log(client, method, target, 502)
                return self.reply(502, "Bad Gateway")
            log(client, method, target, 200)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            pipe(self.connection, upstream)
            upstream.close()
            return
        url = urllib.parse.urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            log(client, method, target, 400)
            return self.reply(400, "Bad Request")
        addr = resolve(url.hostname)
        if addr is None:
            log(client, method, target, 502)
            return self.reply(502, "Bad Gateway")
        try:
            upstream = socket.create_connection((addr, url.port or 80), timeout=TIMEOUT)
        except OSError:
            log(client, method, target, 502)
            return self.reply(502, "Bad Gateway")
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        kept = [h for h in headers if not h.lower().startswith(("proxy-", "connection:"))]
        request = "%s %s HTTP/1.0\r\n%s\r\nConnection: close\r\n\r\n" % (
            method, path, "".join(h + "\r\n" for h in kept))
        upstream.sendall(request.encode("latin-1"))
        # The status code for the log is the second word of the first response line.
        first = b""
        status = "-"
        while True:
            data = upstream.recv(65536)
            if not data:
                break
            if status == "-":
                first += data
                if b"\r\n" in first:
                    status = first.split(b"\r\n", 1)[0].split(b" ")[1].decode()
            self.wfile.write(data)
        upstream.close()
        log(client, method, target, status)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global LOG
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    host, port = sys.argv[1].rsplit(":", 1)
    LOG = sys.argv[2]
    for arg in sys.argv[3:]:
        name, addr = arg.split("=", 1)
        NAMES[name] = addr
    server = Server((host, int(port)), Handler)
    print("proxy: listening on %s" % sys.argv[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
