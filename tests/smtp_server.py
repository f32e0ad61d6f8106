#!/usr/bin/python3
"""A throwaway SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1:PORT without TLS and appends every message it receives to
OUT as one JSON line: {"to": [...], "from": "...", "subject": "...", "text": "..."}
(the plain-text body, decoded). A recipient whose address starts with
"refused" is refused for good (550), one that starts with "later" for now
(451), as real servers do. Runs until SIGTERM or SIGINT.

    /usr/bin/python3 tests/smtp_server.py --port 2525 --out /tmp/mail.jsonl
"""
import argparse
import json
import signal
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Capture:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "to": envelope.rcpt_tos,
            "from": str(message.get("From", "")),
            "subject": str(message.get("Subject", "")),
            "text": body.get_content() if body is not None else "",
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    controller = Controller(Capture(args.out), hostname="127.0.0.1", port=args.port, enable_SMTPUTF8=True)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
