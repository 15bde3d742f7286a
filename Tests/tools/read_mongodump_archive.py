#!/usr/bin/env python3
"""An independent reader of the mongodump archive format (mongo-tools
common/archive/spec.md), on pymongo's bson: checks the framing and every
namespace's CRC-64/ECMA, and prints a JSON summary. Used by the tests to check
Lifeboat's archives with code that shares nothing with Lifeboat.

usage: read_mongodump_archive.py ARCHIVE (uncompressed)"""
import json, struct, sys
import bson

POLY = 0xC96C5795D7870F42
TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)

def crc64(state, data):
    for b in data:
        state = TABLE[(state ^ b) & 0xFF] ^ (state >> 8)
    return state

def main(path):
    data = open(path, "rb").read()
    pos = 0
    def doc():
        nonlocal pos
        (length,) = struct.unpack_from("<i", data, pos)
        if length == -1:
            pos += 4
            return None
        raw = data[pos:pos + length]
        if len(raw) != length or raw[-1] != 0:
            raise SystemExit(f"truncated or malformed document at {pos}")
        pos += length
        return raw
    if data[:4] != b"\x6d\xe2\x99\x81":
        raise SystemExit("bad magic")
    pos = 4
    header = bson.decode(doc())
    prelude = []
    while True:
        raw = doc()
        if raw is None:
            break
        m = bson.decode(raw)
        if m["collection"] != "oplog" or m["db"]:
            json.loads(m["metadata"])  # canonical Extended JSON must parse
        prelude.append(f'{m["db"]}.{m["collection"]}')
    state = {ns: [0xFFFFFFFFFFFFFFFF, 0, False] for ns in prelude}
    while pos < len(data):
        h = bson.decode(doc())
        ns = f'{h["db"]}.{h["collection"]}'
        if ns not in state:
            raise SystemExit(f"segment of unannounced namespace {ns}")
        if h["EOF"]:
            if doc() is not None:
                raise SystemExit(f"EOF block of {ns} without terminator")
            s = state[ns]
            want = 0 if s[1] == 0 else s[0] ^ 0xFFFFFFFFFFFFFFFF
            if (h["CRC"] & 0xFFFFFFFFFFFFFFFF) != want:
                raise SystemExit(f"CRC mismatch in {ns}")
            s[2] = True
            continue
        while True:
            raw = doc()
            if raw is None:
                break
            bson.decode(raw)
            state[ns][0] = crc64(state[ns][0], raw)
            state[ns][1] += 1
    missing = [ns for ns, s in state.items() if not s[2]]
    if missing:
        raise SystemExit(f"no EOF block for {missing}")
    print(json.dumps({"header": {k: v for k, v in header.items()},
                      "namespaces": {ns: s[1] for ns, s in state.items()}}))

main(sys.argv[1])
