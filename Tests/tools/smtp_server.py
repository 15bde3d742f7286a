"""A real SMTP server for the tests (aiosmtpd): every accepted message is
appended to the file named by --out as one JSON line (envelope sender,
recipients, the message text). --refuse answers 550 to every recipient;
--auth USER:PASSWORD requires that login; --tls CERT KEY offers STARTTLS
(and, with --auth, allows the login only after it)."""
import argparse
import asyncio
import json
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--refuse", action="store_true")
parser.add_argument("--auth")
parser.add_argument("--tls", nargs=2)
args = parser.parse_args()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with open(args.out, "a") as out:
            out.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                  "data": envelope.content.decode("utf-8", "replace"),
                                  "tls": session.ssl is not None,
                                  "login": session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data}) + "\n")
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    user, password = args.auth.split(":", 1)
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, auth_data=user if ok else None)


kwargs = {}
if args.tls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls[0], args.tls[1])
    kwargs.update(tls_context=context, require_starttls=False)
if args.auth:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls))
controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, **kwargs)
controller.start()
print("ready", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
