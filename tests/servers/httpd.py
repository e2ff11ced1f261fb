#!/usr/bin/python3
"""A loopback HTTP(S) server for mfm's delivery tests.

It listens on 127.0.0.1 on a port the system picks, writes that port to
PORT_FILE (atomically, so a waiting test never reads half of it), answers
each request with the next status of --status, records what it got, and
ends by itself after --max-requests requests or --lifetime seconds,
whichever comes first.  Exit status: 0 after max requests, 3 on reaching
the lifetime (tests that expect no request rely on that), 2 on bad usage.

    httpd.py PORT_FILE [--record FILE] [--bodies FILE]
             [--status 500,429:1,200] [--delay SECONDS]
             [--reply-bytes N] [--max-requests N] [--lifetime SECONDS]
             [--cert PEM --key PEM]

--status is a comma-separated list used in order, its last entry
repeated: CODE, or CODE:SECONDS to send Retry-After: SECONDS with it.
--record appends one JSON line per request: method, path, headers (as
[name, value] pairs, in the order received) and body.  --bodies appends
each raw body followed by a newline.  --delay waits before every answer
(to test client timeouts); --reply-bytes pads every answer's body to N
bytes (to test a client's cap on what it reads).  With --cert and --key
it speaks TLS.

Only the standard library; run with /usr/bin/python3.
"""

import argparse
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading


def parse_status(spec):
    seq = []
    for item in spec.split(","):
        code, _, after = item.partition(":")
        seq.append((int(code), int(after) if after else None))
    if not seq:
        raise ValueError("empty status list")
    return seq


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.seq = parse_status(args.status)
        self.count = 0
        self.done = threading.Event()

    def next_status(self):
        with self.lock:
            i = min(self.count, len(self.seq) - 1)
            self.count += 1
            return self.seq[i]

    def record(self, handler, body):
        a = self.args
        with self.lock:
            if a.record:
                rec = {
                    "method": handler.command,
                    "path": handler.path,
                    "headers": [[k, v] for k, v in handler.headers.items()],
                    "body": body.decode("utf-8", "replace"),
                }
                with open(a.record, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, ensure_ascii=False,
                                       separators=(",", ":")) + "\n")
            if a.bodies:
                with open(a.bodies, "ab") as f:
                    f.write(body + b"\n")

    def answered(self):
        with self.lock:
            self.answers = getattr(self, "answers", 0) + 1
            if self.args.max_requests and \
                    self.answers >= self.args.max_requests:
                self.done.set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and the client's delayed ACK hold each answer ~40 ms.
    disable_nagle_algorithm = True
    server_version = "mfm-test-httpd"
    sys_version = ""

    def handle_any(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        code, after = st.next_status()
        st.record(self, body)
        if st.args.delay:
            if st.done.wait(st.args.delay):
                return
        reply = b"{\"ok\":%s}\n" % (b"true" if code < 300 else b"false")
        if st.args.reply_bytes > len(reply):
            reply += b" " * (st.args.reply_bytes - len(reply))
        try:
            self.send_response(code)
            if after is not None:
                self.send_header("Retry-After", str(after))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            self.wfile.flush()
        except OSError:
            pass
        st.answered()

    do_POST = do_GET = do_PUT = do_DELETE = do_HEAD = handle_any

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    tls = None

    def finish_request(self, request, client_address):
        # The handshake happens here, in the connection's own thread, so
        # a client that fails it (as an unverified one must) is one line
        # on stderr and never blocks the next connection.
        if self.tls is not None:
            try:
                request.settimeout(5)
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError) as e:
                print("httpd: TLS handshake failed: %s" % e,
                      file=sys.stderr)
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        print("httpd: error: %s" % sys.exc_info()[1], file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("port_file")
    p.add_argument("--record")
    p.add_argument("--bodies")
    p.add_argument("--status", default="200")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--reply-bytes", type=int, default=0)
    p.add_argument("--max-requests", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=10)
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    try:
        parse_status(args.status)
    except ValueError:
        p.error("invalid --status %r" % args.status)
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")

    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(args)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.tls = ctx
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)

    t = threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.05})
    t.daemon = True
    t.start()
    finished = srv.state.done.wait(args.lifetime)
    srv.shutdown()
    srv.server_close()
    sys.exit(0 if finished else 3)


if __name__ == "__main__":
    main()
