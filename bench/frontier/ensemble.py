#!/usr/bin/env python3
"""ensemble.py - the test accuracy of group-sum runs alone and summed (issue 16).

Each OUT is a finished nltc output folder of a model with a group-sum head. Its C
simulator (OUT/csim) is compiled and run over its RTL test bench's vectors
(OUT/rtl/vectors.hex, the whole test split), giving every test sample's class scores.
The script prints each run's accuracy and that of every combination of runs whose scores
are added (the largest sum wins, ties to the lowest class, as the head decides): the
accuracy an ensemble of the runs would have, in hardware the popcount of all their groups.

    bench/frontier/ensemble.py --labels t10k-labels-idx1-ubyte.gz OUT1 OUT2 [...]

--labels is the test split's labels: an IDX label file (gzipped or not) or a text file
with one label per line.
"""
import argparse
import gzip
import itertools
import os
import re
import subprocess
import sys
import tempfile


def fail(msg):
    sys.exit(f"ensemble.py: {msg}")


def read_labels(path):
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    if raw[:4] == b"\x00\x00\x08\x01":  # IDX, unsigned bytes, one dimension
        return list(raw[8:])
    try:
        return [int(line) for line in raw.decode().split()]
    except ValueError:
        fail(f"{path}: neither an IDX label file nor one integer label per line")


def run_scores(out, sim):
    """Every test sample's class scores of run folder out, from its C simulator (built as
    the program sim)."""
    csim = os.path.join(out, "csim")
    headers = [f for f in os.listdir(csim) if f.endswith(".h") and not f.endswith("_prep.h")]
    if len(headers) != 1:
        fail(f"{csim}: expected one model header, found {headers}")
    ident = headers[0][:-2]
    text = open(os.path.join(csim, headers[0])).read()
    def define(name):
        m = re.search(rf"#define {ident.upper()}_{name} (\d+)", text)
        if not m:
            fail(f"{csim}/{headers[0]}: no {ident.upper()}_{name}")
        return int(m.group(1))
    classes, bits = define("CLASSES"), define("CLASS_BITS")
    if "group_sum" not in open(os.path.join(out, "tables", "manifest.txt")).read():
        fail(f"{out}: not a group-sum model (its class outputs are codes, not scores)")
    subprocess.run(["cc", "-std=c99", "-O2", "-w", "-o", sim, os.path.join(csim, "main.c"),
                    os.path.join(csim, ident + ".c")], check=True)
    res = subprocess.run([sim, os.path.join(out, "rtl", "vectors.hex")], check=True,
                         capture_output=True, text=True)
    mask = (1 << bits) - 1
    return [[int(line, 16) >> (bits * c) & mask for c in range(classes)]
            for line in res.stdout.split()]


def accuracy(runs, labels):
    ok = 0
    for i, y in enumerate(labels):
        total = [sum(r[i][c] for r in runs) for c in range(len(runs[0][i]))]
        ok += total.index(max(total)) == y
    return 100.0 * ok / len(labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", required=True, help="the test split's labels")
    ap.add_argument("runs", nargs="+", metavar="OUT", help="finished nltc output folders")
    a = ap.parse_args()
    labels = read_labels(a.labels)
    with tempfile.TemporaryDirectory() as work:
        scores = {out: run_scores(out, os.path.join(work, f"sim{i}"))
                  for i, out in enumerate(a.runs)}
    for out, s in scores.items():
        if len(s) != len(labels):
            fail(f"{out}: {len(s)} test samples, but {a.labels} has {len(labels)} labels")
    for k in range(1, len(a.runs) + 1):
        for combo in itertools.combinations(a.runs, k):
            acc = accuracy([scores[o] for o in combo], labels)
            print(f"{acc:6.2f}%  {' + '.join(combo)}")


if __name__ == "__main__":
    main()
