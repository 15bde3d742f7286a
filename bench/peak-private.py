#!/usr/bin/env python3
"""Runs a command and prints the peak of its private (anonymous) resident
memory, sampled every 10 ms from /proc/PID/status (RssAnon), in KiB. Unlike
the maximum RSS that time(1) reports, it leaves out the shared libraries'
file-backed pages (code, ICU data), which do not grow with the data."""
import subprocess, sys, time

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    try:
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("RssAnon:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.01)
sys.exit(proc.returncode) if proc.returncode else print(peak)
