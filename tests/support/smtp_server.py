#!/usr/bin/python3
# A real SMTP server for the notifier's tests (Debian's python3-aiosmtpd; run with
# /usr/bin/python3). Every message accepted is written whole to DIR/<n>.eml, with
# the envelope recipients in DIR/<n>.rcpt. While the file DIR/refuse exists, every
# recipient is answered "451 4.3.0 try again later" (a relay that refuses for now);
# while DIR/refuse-<address, lower case> exists, only that recipient is; while
# DIR/stall-<address> exists, a message to it gets no answer to its DATA for 30 s,
# then a 451 (it is not kept), and the time the stall began is appended to
# DIR/stalls (seconds since the epoch, one line each); while DIR/stall-mail exists, every MAIL FROM gets no
# answer for 30 s, then a 451 (a relay stalling before any recipient is named);
# while DIR/slow-ms exists, each message's DATA is answered that many ms late (a
# distant relay).
#   smtp_server.py PORT DIR
import asyncio
import os
import sys
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if os.path.exists(os.path.join(self.directory, "stall-mail")):
            await asyncio.sleep(30)
            return "451 4.3.0 stalled"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(os.path.join(self.directory, "refuse")):
            return "451 4.3.0 try again later"
        if os.path.exists(os.path.join(self.directory, "refuse-" + address.lower())):
            return "451 4.2.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if os.path.exists(os.path.join(self.directory, "stall-" + rcpt.lower())):
                with open(os.path.join(self.directory, "stalls"), "a") as out:
                    out.write("%.3f\n" % time.time())
                await asyncio.sleep(30)
                return "451 4.3.0 stalled"
        slow = os.path.join(self.directory, "slow-ms")
        if os.path.exists(slow):
            with open(slow) as delay:
                await asyncio.sleep(int(delay.read().strip() or "0") / 1000.0)
        self.count += 1
        base = os.path.join(self.directory, "%06d" % self.count)
        with open(base + ".tmp", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        with open(base + ".rcpt", "w") as out:
            out.write("\n".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Handler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    with open(os.path.join(directory, "ready"), "w") as out:
        out.write("ready\n")
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
