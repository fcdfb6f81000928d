#!/usr/bin/env python3
"""Benchmark: `capiform apply` against `helm upgrade --install` of the reference chart, on
the same real API server, in the same run.

    python3 python/bench/bench_apply_vs_helm.py --kubeconfig K --capiform BIN --helm HELM \\
        --chart DIR [--cases DIR] [--runs 7] [--json] [CASE ...]

scripts/bench-apply-vs-helm.sh starts the server and builds capiform, then calls this.
Standard library only.

For each case (default ``minimal`` and ``upstream-full`` of the parity corpus), each run:

* **install**: a new release (``h-CASE-N`` for helm, ``c-CASE-N`` for capiform), from
  the case's ``values.yaml``: ``helm upgrade --install`` (no ``--wait``) against
  ``capiform apply`` (which sends every object as a server-side dry run first, then
  applies them, records the revision and prunes);
* **upgrade**: the same release again with one field changed,
  ``--set nodeGroups[0].machineCount=M`` (M alternates, so every run changes it).

Both tools run one after the other within a run, in alternating order, so that the
server's state (objects from earlier runs, Cluster API's controllers reacting to the last
apply) weighs on both alike. Reported: the median and the range of the wall time of each
process, in milliseconds, and capiform's HTTP requests per operation (counted from its
``-vv`` log in one extra run).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
NAMESPACE = "default"


def short(case):
    return {"minimal": "min", "upstream-full": "full"}.get(case, case[:8])


def timed(cmd, env=None):
    """Wall time in seconds of one process; fails loudly."""
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return elapsed


class Tools:
    def __init__(self, a):
        self.a = a

    def helm(self, release, values, count=None):
        cmd = [self.a.helm, "upgrade", "--install", release, self.a.chart,
               "--namespace", NAMESPACE, "--kubeconfig", self.a.kubeconfig, "-f", values]
        if count is not None:
            cmd += ["--set", f"nodeGroups[0].machineCount={count}"]
        return cmd

    def capiform(self, release, values, count=None, verbose=False):
        cmd = [self.a.capiform, "apply", release, "--namespace", NAMESPACE,
               "--kubeconfig", self.a.kubeconfig, "-f", values]
        if count is not None:
            cmd += ["--set", f"nodeGroups[0].machineCount={count}"]
        if verbose:
            cmd += ["-vv"]
        return cmd


def requests_made(cmd):
    """capiform's requests by method, from its ``-vv`` log (one line per request)."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    counts = {}
    for line in done.stderr.splitlines():
        m = re.search(r"http\.method=(\w+) .*\}: requesting$", line)
        if m:
            kind = m.group(1) + (" dry run" if "dryRun=All" in line else "")
            counts[kind] = counts.get(kind, 0) + 1
    return counts, done.stderr


def bench_case(tools, case, runs, tag):
    values = os.path.join(tools.a.cases, case, "values.yaml")
    samples = {(tool, op): [] for tool in ("helm", "capiform") for op in ("install", "upgrade")}
    for n in range(1, runs + 1):
        h, c = f"h{tag}-{short(case)}-{n}", f"c{tag}-{short(case)}-{n}"
        order = ("helm", "capiform") if n % 2 else ("capiform", "helm")
        for op, count in (("install", None), ("upgrade", 3 + n % 2)):
            for tool in order:
                release = h if tool == "helm" else c
                cmd = getattr(tools, tool)(release, values, count)
                samples[(tool, op)].append(timed(cmd))
        print(f"  {case} run {n}: " + ", ".join(
            f"{t} {o} {samples[(t, o)][-1] * 1000:.0f} ms" for (t, o) in samples), file=sys.stderr)
    # One more capiform release, to count its requests.
    release = f"c{tag}-{short(case)}-req"
    install, log1 = requests_made(tools.capiform(release, values, verbose=True))
    upgrade, log2 = requests_made(tools.capiform(release, values, 5, verbose=True))
    return samples, {"install": install, "upgrade": upgrade}


def ms(xs):
    return {"median": round(statistics.median(xs) * 1000, 1),
            "min": round(min(xs) * 1000, 1), "max": round(max(xs) * 1000, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--capiform", default=os.path.join(ROOT, "target", "release", "capiform"))
    ap.add_argument("--helm", default=os.environ.get("HELM")
                    or os.path.expanduser("~/.cache/capiform/bin/helm"))
    ap.add_argument("--chart", default=os.path.join(SHARED, "reference-chart", "openstack-cluster"))
    ap.add_argument("--cases", default=os.path.join(SHARED, "parity", "cases"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tag", default="", help="release name prefix suffix, for reruns on one server")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("case", nargs="*", default=["minimal", "upstream-full"])
    a = ap.parse_args()
    tools = Tools(a)
    table, requests = {}, {}
    for case in a.case:
        samples, requests[case] = bench_case(tools, case, a.runs, a.tag)
        table[case] = {f"{tool} {op}": ms(xs) for (tool, op), xs in samples.items()}
    if a.json:
        print(json.dumps({"runs": a.runs, "times_ms": table, "capiform_requests": requests},
                         indent=1))
        return
    print(f"wall time per process, median (min-max) of {a.runs} runs, milliseconds")
    print(f"{'case':15} {'operation':9} {'helm':>22} {'capiform':>22}")
    for case, t in table.items():
        for op in ("install", "upgrade"):
            h, c = t[f"helm {op}"], t[f"capiform {op}"]
            print(f"{case:15} {op:9} {h['median']:8.1f} ({h['min']:.0f}-{h['max']:.0f})"
                  f"{'':>4} {c['median']:8.1f} ({c['min']:.0f}-{c['max']:.0f})")
    print("capiform requests:", json.dumps(requests))


if __name__ == "__main__":
    main()
