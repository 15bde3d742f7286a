"""Drives stock `age` in passphrase mode, which reads the passphrase from a
terminal only: runs it on a pseudo-terminal and types the passphrase.
usage: age_passphrase.py encrypt|decrypt PASSPHRASE INPUT OUTPUT"""
import os
import pty
import sys
import time

mode, passphrase, source, target = sys.argv[1:5]
args = ["age", "-p", "-o", target, source] if mode == "encrypt" else ["age", "-d", "-o", target, source]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", args)

output = b""
typed = 0
deadline = time.time() + 60
while time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    output += chunk
    # age asks once to decrypt, twice (enter, confirm) to encrypt.
    prompts = output.lower().count(b"passphrase")
    while typed < prompts and typed < (2 if mode == "encrypt" else 1):
        os.write(fd, passphrase.encode() + b"\n")
        typed += 1
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.stderr.write(output.decode(errors="replace"))
sys.exit(code)
