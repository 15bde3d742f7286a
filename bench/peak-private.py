#!/usr/bin/env python3
"""Runs a command and prints the peak of its private (anonymous) resident
memory, sampled every 10 ms from /proc/PID/status (RssAnon), in KiB. Unlike
the maximum RSS that time(1) reports, it leaves out the shared libraries'
file-backed pages (code, ICU data), which do not grow with the data.
With --wall first, prints "WALL_SECONDS PEAK_KIB"."""
import subprocess, sys, time

args = sys.argv[1:]
wall = args[:1] == ["--wall"]
if wall:
    args = args[1:]
began = time.monotonic()
proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    try:
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("RssAnon:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.01)
elapsed = time.monotonic() - began
if proc.returncode:
    sys.exit(proc.returncode)
print(f"{elapsed:.2f} {peak}" if wall else peak)
