#!/usr/bin/env python3
"""Benchmark: a create and an upgrade in the Magnum conductor, k8s_capiform_v1 against
magnum-capi-helm with a real helm binary.

    python/bench/bench_magnum.py [--runs 5] [--helm PATH] [--chart DIR] [--json]
    python/bench/bench_magnum.py --kubeconfig K [--runs 5] ...   (a real API server)

Each run is one harness process (python/tests/magnum_harness.py) on
``create_upgrade.input.json``:

* ``k8s_capi_helm_v1``: each install/upgrade runs ``helm template`` of the reference chart
  on the values the driver pipes to helm (the stand-in for ``helm upgrade --install``,
  which would also talk to the cluster);
* ``k8s_capiform_v1``: each install/upgrade renders with the engine and applies to the
  Kubernetes API double on 127.0.0.1 (a dry run of every object, the apply, the record).

With ``--kubeconfig`` (a real API server, ``scripts/test-apiserver``) both drivers talk
to that server: ``k8s_capi_helm_v1`` runs the driver's own ``helm upgrade --install``
command line for real (the local chart in place of the repository), ``k8s_capiform_v1``
applies with capiform; every run makes a new cluster (its own name and release).

Reported per driver and operation: the median over the runs of the whole conductor
operation and of the part spent in helm / in capiform (render and apply), and for
capiform the render alone (``capiform.render`` of the same values in this process,
median of 20). Needs
the venv python/ci.sh makes, with the wheel installed; run it with that venv's python.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(ROOT, "python", "tests", "magnum_harness.py")
SCENARIO = os.path.join(HERE, "create_upgrade.input.json")
DEFAULT_CHART = os.path.join(os.path.dirname(ROOT), "shared", "reference-chart", "openstack-cluster")
DEFAULT_HELM = os.environ.get("HELM") or os.path.expanduser("~/.cache/capiform/bin/helm")
OPERATIONS = {0: "create", 2: "upgrade"}


def scenario_for(run_id):
    """The scenario for one run on a real server: its own cluster name and release."""
    with open(SCENARIO) as f:
        case = json.load(f)
    case["cluster"]["name"] = f"bench-{run_id}"
    case["short_ids"] = [f"{run_id:0>12}"[-12:]]
    return case


def one_run(driver, helm, chart, kubeconfig=None, run_id=None):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        scenario = SCENARIO
        if kubeconfig:
            scenario = os.path.join(tmp, "scenario.input.json")
            with open(scenario, "w") as f:
                json.dump(scenario_for(run_id), f)
        cmd = [sys.executable, "-W", "ignore", HARNESS, scenario, "--driver", driver, "--out", out]
        if driver == "k8s_capi_helm_v1":
            cmd += ["--helm", helm, "--chart", chart]
        if kubeconfig:
            cmd += ["--kubeconfig", kubeconfig, "--helm-install"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            detail = done.stderr[-2000:]
            if os.path.exists(out):
                with open(out) as f:
                    detail += json.dumps([o for o in json.load(f)["operations"] if not o["ok"]])
            raise SystemExit(f"{driver}: the scenario failed:\n{detail}")
        with open(out) as f:
            return json.load(f)


def render_times(install, times=20):
    import time

    import capiform

    out = []
    for _ in range(times):
        started = time.perf_counter()
        capiform.render(install["release"], install["namespace"], install["values"])
        out.append(time.perf_counter() - started)
    return out


def ms(values):
    return round(statistics.median(values) * 1000, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--helm", default=DEFAULT_HELM)
    ap.add_argument("--chart", default=DEFAULT_CHART)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--kubeconfig", help="a real API server (scripts/test-apiserver)")
    ap.add_argument("--tag", default="r", help="with --kubeconfig: prefix of the run ids")
    a = ap.parse_args()
    table = {}
    for driver in ("k8s_capi_helm_v1", "k8s_capiform_v1"):
        samples = {name: {"operation": [], "engine": [], "render": []} for name in OPERATIONS.values()}
        for n in range(a.runs):
            run_id = f"{a.tag}{'h' if driver == 'k8s_capi_helm_v1' else 'c'}{n}"
            result = one_run(driver, a.helm, a.chart, a.kubeconfig, run_id)
            for install, (index, name) in zip(result["installs"], OPERATIONS.items()):
                op = result["operations"][index]
                samples[name]["operation"].append(op["seconds"])
                samples[name]["engine"].append(install["seconds"])
                if driver == "k8s_capiform_v1" and not samples[name]["render"]:
                    samples[name]["render"] = render_times(install)
        table[driver] = {name: {k: ms(v) for k, v in s.items() if v} for name, s in samples.items()}
    if a.json:
        print(json.dumps(table, indent=1))
        return
    print(f"median of {a.runs} runs, milliseconds")
    print(f"{'driver':18} {'operation':10} {'conductor op':>13} {'helm/capiform':>14} {'render':>8}")
    for driver, ops in table.items():
        for name, t in ops.items():
            print(f"{driver:18} {name:10} {t['operation']:13.1f} {t['engine']:14.1f} "
                  f"{t.get('render', float('nan')):8.1f}")


if __name__ == "__main__":
    main()
