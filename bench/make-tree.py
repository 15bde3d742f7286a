#!/usr/bin/env python3
"""Writes a deterministic benchmark tree: a third random bytes, a third text,
a third repeated blocks, in files of 64 KiB to 1 MiB.  Usage: make-tree.py DIR MB"""
import os, random, sys

root, total_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))) for _ in range(5000)]
target = total_mb * 1_000_000
written = 0
i = 0
while written < target:
    kind = i % 3
    size = min(rng.randint(64 << 10, 1 << 20), target - written)
    folder = os.path.join(root, f"d{i % 37:02d}", f"e{i % 11}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"f{i:05d}.{['bin', 'txt', 'dat'][kind]}")
    if kind == 0:
        data = rng.randbytes(size)
    elif kind == 1:
        text = []
        n = 0
        while n < size:
            w = rng.choice(words)
            text.append(w)
            n += len(w) + 1
        data = " ".join(text).encode()[:size]
    else:
        block = rng.randbytes(4096)
        data = (block * (size // 4096 + 1))[:size]
    with open(path, "wb") as f:
        f.write(data)
    written += size
    i += 1
print(f"{i} files, {written} bytes in {root}")
