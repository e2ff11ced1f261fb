#!/usr/bin/python3
"""A loopback SMTP server for mfm-alert's e-mail tests (Debian's
python3-aiosmtpd).

It listens on 127.0.0.1 on a port the system picks, writes that port to
PORT_FILE (atomically), records every message it accepts and ends by
itself after --max-messages messages or --lifetime seconds, whichever
comes first.  Exit status: 0 after max messages, 3 on reaching the
lifetime, 2 on bad usage.

    smtpd.py PORT_FILE --record FILE [--cert PEM --key PEM]
             [--user NAME --password WORD] [--rcpt-code CODE]
             [--data-reply REPLY] [--max-messages N] [--lifetime SECONDS]

With --cert and --key it offers STARTTLS and refuses mail before it;
without them it offers no STARTTLS (to test that the client refuses to
send in clear).  With --user and --password it requires AUTH (PLAIN or
LOGIN, after STARTTLS).  --rcpt-code answers every RCPT TO with CODE
(550: a permanent refusal, 451: a temporary one).  --data-reply answers
the end of every message with the reply REPLY (such as "554 5.7.1
Message refused as spam") instead of accepting it.  --record appends one
JSON line per message: mail_from, rcpt_tos, tls (bool), user, data.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, SMTP


class Handler:
    def __init__(self, args, done):
        self.args = args
        self.done = done
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.args.rcpt_code:
            code = self.args.rcpt_code
            return "%d %s" % (code, "no such user here" if code >= 500
                              else "try again later")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.data_reply:
            return self.args.data_reply
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "user": session.auth_data.decode() if isinstance(
                session.auth_data, bytes) else session.auth_data,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        with self.lock:
            with open(self.args.record, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            self.count += 1
            if self.args.max_messages and \
                    self.count >= self.args.max_messages:
                self.done.set()
        return "250 Message accepted for delivery"


def authenticator(args):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode() == args.user and
              auth_data.password.decode() == args.password)
        if ok:
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)
    return check


class TLSController(Controller):
    def __init__(self, handler, args, **kw):
        self.args = args
        super().__init__(handler, **kw)

    def factory(self):
        a = self.args
        kw = {}
        if a.cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.cert, a.key)
            kw["tls_context"] = ctx
            kw["require_starttls"] = True
        if a.user:
            kw["authenticator"] = authenticator(a)
            kw["auth_required"] = True
            kw["auth_require_tls"] = bool(a.cert)
        return SMTP(self.handler, hostname="mfm-test-smtpd", **kw)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("port_file")
    p.add_argument("--record", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--rcpt-code", type=int, default=0)
    p.add_argument("--data-reply")
    p.add_argument("--max-messages", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=10)
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")

    done = threading.Event()
    # Port 0 is not allowed by the controller's readiness check: find a
    # free port first, then bind it (a race only with other tests on
    # loopback, which retry nothing; good enough for a test server).
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ctl = TLSController(Handler(args, done), args, hostname="127.0.0.1",
                        port=port, ready_timeout=5)
    ctl.start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    finished = done.wait(args.lifetime)
    ctl.stop()
    sys.exit(0 if finished else 3)


if __name__ == "__main__":
    main()
