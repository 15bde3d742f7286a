#!/usr/bin/env python3
"""The table and plots of bench/scale.sh from its TSV (path, size, bytes, step,
wall s, peak private KiB): time per GB and peak private memory above the
process baseline per size, and one PNG per path.
  scale-report.py SCALE_TSV OUTPUT_DIR   (needs matplotlib)"""
import sys, os, collections
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
path, outdir = sys.argv[1], sys.argv[2]
os.makedirs(outdir, exist_ok=True)
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
baseline = next(int(r[5]) for r in rows if r[0] == "baseline")
print(f"process baseline (lifeboat list, empty): {baseline/1024:.1f} MiB private")
by_path = collections.OrderedDict()
for p, size, nbytes, step, wall, peak in rows:
    if p == "baseline":
        continue
    by_path.setdefault(p, []).append((size, int(nbytes), step, float(wall), int(peak)))
print(f"{'path':11} {'size':>16} {'step':26} {'wall s':>8} {'s per GB':>9} {'peak MiB':>9} {'above base':>10}")
for p, entries in by_path.items():
    steps = collections.OrderedDict()
    for size, nbytes, step, wall, peak in entries:
        per_gb = wall / (nbytes / 1e9) if nbytes else 0
        print(f"{p:11} {size:>16} {step:26} {wall:8.2f} {per_gb:9.2f} {peak/1024:9.1f} {(peak-baseline)/1024:10.1f}")
        steps.setdefault(step, []).append((nbytes, per_gb, (peak - baseline) / 1024, size))
    for step, points in steps.items():
        if len(points) > 1:
            rates = [x[1] for x in points]
            mems = [x[2] for x in points]
            print(f"  {p} {step}: time per GB from {min(rates):.2f} to {max(rates):.2f} s ({max(rates)/min(rates):.2f}x, target <= 1.15x); "
                  f"memory above baseline at most {max(mems):.1f} MiB (target <= 64)")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for step, points in steps.items():
        xs = [x[0] / 1e9 for x in points]
        style = "--" if "(stock)" in step else "-"
        left.plot(xs, [x[1] for x in points], marker="o", linestyle=style, label=step)
        if "(stock)" not in step:  # the stock tools' memory is not what the target is about
            right.plot(xs, [x[2] for x in points], marker="o", label=step)
    for axis, title in ((left, "seconds per GB"), (right, "peak private MiB above baseline")):
        axis.set_xscale("log")
        axis.set_xlabel("GB of data")
        axis.set_title(title)
        axis.set_ylim(bottom=0)
        axis.grid(True, alpha=0.3)
    right.axhline(64, color="red", linestyle="--", linewidth=1, label="target 64 MiB")
    right.set_ylim(0, max(70, max(x[2] for points in steps.values() for x in points) * 1.1))
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.suptitle(f"lifeboat {p}: cost against size")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, f"scale-{p}.png"), dpi=90)
    plt.close(fig)
