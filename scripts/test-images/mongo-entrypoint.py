#!/usr/bin/python3
"""docker-entrypoint.sh of the lifeboat-test/python image: stands for the
official mongo image's entrypoint (docker-library/mongo), with SecantusDB as
the server, so the production compose file's MongoDB mechanics run here:

- `mongod ARGS` as root: the data folder is chowned to mongodb (uid 999)
  and the server runs as that user, as the official entrypoint does with gosu;
- --keyFile is checked as mongod checks it (readable by the server's user,
  no group or other permissions, 6 to 1024 base64 characters), so a wrapper
  that makes the key wrongly fails here as it would there;
- on an empty data folder with MONGO_INITDB_ROOT_USERNAME and
  MONGO_INITDB_ROOT_PASSWORD(_FILE), the root user is created in admin by a
  first server without authentication, which is then stopped; the real
  server starts with authentication.

Not stood for: --replSet (SecantusDB is always a one-member set named
"secantus") and rs.initiate.
"""
import os, re, socket, subprocess, sys, time

SERVER = [sys.executable, "-c", "import sys; from secantus.cli import main; sys.argv[0] = 'secantusd'; sys.exit(main())"]
UID = GID = 999


def fail(message):
    print(f"docker-entrypoint: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def option(args, name):
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def check_key_file(path):
    # mongod: "permissions on <file> are too open", "Could not open key file",
    # "invalid char in key file", "key file must be between 6 and 1024 characters".
    # Called as the server's user, so an unreadable key fails to open.
    try:
        key = re.sub(rb"\s", b"", open(path, "rb").read())
    except OSError as error:
        fail(f"error opening file: {path}: {error.strerror}")
    if os.stat(path).st_mode & 0o077:
        fail(f"permissions on {path} are too open")
    if not 6 <= len(key) <= 1024:
        fail(f"key file {path} must be between 6 and 1024 characters")
    if not re.fullmatch(rb"[A-Za-z0-9+/=]+", key):
        fail(f"invalid char in key file {path}")


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def main():
    args = sys.argv[1:]
    if not args or args[0] != "mongod":
        os.execvp(args[0], args)
    data = option(args, "--dbpath") or "/data/db"
    os.makedirs(data, exist_ok=True)
    if os.getuid() == 0:
        for folder, _, files in os.walk(data):
            os.chown(folder, UID, GID)
            for name in files:
                os.chown(os.path.join(folder, name), UID, GID)
        os.setgroups([])
        os.setgid(GID)
        os.setuid(UID)
    key_file = option(args, "--keyFile")
    if key_file:
        check_key_file(key_file)
    port = int(option(args, "--port") or 27017)
    host = "0.0.0.0" if "--bind_ip_all" in args else (option(args, "--bind_ip") or "127.0.0.1")
    store = os.path.join(data, "secantus")
    # Read as the server's user, as the official entrypoint reads it after
    # gosu: a secret file only root can read fails here as it would there.
    user = os.environ.get("MONGO_INITDB_ROOT_USERNAME")
    password = os.environ.get("MONGO_INITDB_ROOT_PASSWORD")
    if os.environ.get("MONGO_INITDB_ROOT_PASSWORD_FILE"):
        password = open(os.environ["MONGO_INITDB_ROOT_PASSWORD_FILE"]).read().strip()
    if user and not password:
        fail("MONGO_INITDB_ROOT_USERNAME is set without MONGO_INITDB_ROOT_PASSWORD(_FILE)")
    if user and not os.path.exists(store):
        # The official entrypoint's first start: bound to localhost only, no
        # --replSet and no authentication, the root user created, stopped.
        first = subprocess.Popen(SERVER + ["--host", "127.0.0.1", "--port", str(port), "--storage-path", store])
        if not wait_port(port):
            fail("the initialising server did not start")
        import pymongo
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
        client.admin.command("createUser", user, pwd=password, roles=["root"])
        client.close()
        first.terminate()
        first.wait()
        print(f"docker-entrypoint: created the root user {user!r}", file=sys.stderr, flush=True)
    server = SERVER + ["--host", host, "--port", str(port), "--storage-path", store]
    if user:
        server.append("--auth")
    os.execv(server[0], server)


main()
