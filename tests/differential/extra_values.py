#!/usr/bin/env python3
"""Random values for the differential test, from the corners ../shared/parity/fuzz_values.py
does not draw.

    extra_values.py --seed S --count N --out DIR [--only I] [--jobs J] [--print]

Writes N case folders in the corpus layout (values.yaml, case.yaml, and expected.yaml from
`helm template`; cases helm refuses go to DIR-helmfail/ with expected-error.txt), each a
pure function of (seed, index), named x<seed>-<index>. HELM names the helm binary and
CHART the chart (default ../shared/reference-chart/openstack-cluster).

What it draws that fuzz_values.py does not:
  * strings (quoted in the values, so every reader agrees they are strings) spelled like
    another YAML type: every YAML 1.1 boolean spelling, null words, octal, hex, binary,
    underscores, signs, exponents, .inf/.nan, base-60 numbers, dates and timestamps
    (valid or not); as values and as keys of labels, annotations, server
    metadata and addon Helm values;
  * strings with characters that change a YAML scalar's style: tabs,
    non-breaking spaces, several trailing newlines, leading/trailing blanks,
    indicators (`- `, `: `, ` #`, `&`, `*`, `!`, `|`, `>`, `%`, `@`, backquote);
  * numbers whose Go text differs from their YAML text: whole floats (30000.0),
    exponents (1e3, 1.5e+6), 1234567, 100000000, 0.00001, 1234567.5, negative zero;
  * node labels that fold (line breaks, blank lines, escapes such as \\t) and ones
    YAML refuses between double quotes (a double quote, a bad escape);
  * long node group names beside long release names (name truncation), and the
    OpenStack storage-class Manifests for them.
Carriage returns and U+2028/U+2029 are left out: Helm's toYaml prints them in ways its
own reader then refuses or folds, a class not settled yet.
Integers beyond 2^53 are left out: Helm reads them as float64, and so will capiform's
values reader; until then they would only report that.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CHART = os.environ.get("CHART") or os.path.join(HERE, "../../../shared/reference-chart/openstack-cluster")

LOOKALIKES = [
    # YAML 1.1 booleans, every spelling, and the single letters
    "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "TRUE", "false", "False", "FALSE",
    # nulls
    "~", "null", "Null", "NULL",
    # integers
    "0644", "-0644", "007", "08", "0o17", "0x1F", "0x_1f", "0b101", "-0b1", "1_000", "+1", "-0", "+0", "1_2_3",
    # floats
    "1e3", "1E3", "1e+3", "1.5e-3", "1.", "1._5", ".5", "-.5", "+.5e+3", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
    # base 60
    "12:30", "1:20:30", "-1:30", "190:20:30.15", "12:60",
    # dates and timestamps, valid or not
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z",
    "2002-2-3", "2001-13-45", "2001-02-30 1:2:3",
]
# (`=` and `<<` are left out: Helm prints them plain, which PyYAML, the referee's reader,
# cannot load; capiform quotes them, which tests/yaml_writer.rs holds.)
NOT_LOOKALIKES = ["1.2.3", "v1.0", "10.0.0.0/8", "12:30:x", "0x", "1e", "e3", "yess", "nul", "._", "0b2", "0o9"]
STYLED = [
    "tab\there", "nbsp\u00a0x", "two\n\n", "three\n\n\n", " lead", "trail ", "\ttab-lead",
    "- dash", "a: colon", "a #hash", "&anchor", "*alias", "!tag", "|pipe", ">fold", "%pct", "@at", "`tick", "?q", ": c",
    "{brace", "[bracket", "quote's", 'dq"x', "back\\slash", "é-ünïcode", "😀", "\u00ff\u0100", "#start", "--- doc", "...",
]
NUMBERS = [0, 7, -3, 1.5, 30000.0, 2.0, 1e3, 1.5e6, 1234567, 123456, 100000000, 0.00001, 0.0001, 1234567.5, -0.0,
           9007199254740992, 1e21, 1e-7]
FOLDING = ["a\nb", "a\n\nb", "a \n  b", "ends\n", "ends\n\n", "tab\\tescaped", "uni\\u00e9", "x\\\n  y"]
REFUSED_IN_QUOTES = ['say "hi"', "bad \\q escape"]


class QuotingDumper(yaml.SafeDumper):
    """Writes every string double-quoted (PyYAML alone leaves `y`, `n`, `0o17` plain,
    which go-yaml reads as a boolean or a number)."""


QuotingDumper.add_representer(
    str, lambda dumper, s: dumper.represent_scalar("tag:yaml.org,2002:str", s, style='"'))


class Gen:
    def __init__(self, rng):
        self.r = rng

    def p(self, x):
        return self.r.random() < x

    def pick(self, seq):
        return self.r.choice(seq)

    def word(self):
        return self.pick(["alpha", "beta", "gamma", "hpc", "gpu", "web", "db", "edge", "ml", "blue"])

    def tricky_string(self):
        kind = self.r.random()
        if kind < 0.55:
            return self.pick(LOOKALIKES)
        if kind < 0.65:
            return self.pick(NOT_LOOKALIKES)
        if kind < 0.9:
            return self.pick(STYLED)
        return self.word()

    def tricky_value(self):
        return self.pick(NUMBERS) if self.p(0.3) else self.tricky_string()

    def label_key(self, lookalike_rate=0.3):
        if self.p(lookalike_rate):
            return self.pick([k for k in LOOKALIKES if k not in ("~", "null", "Null", "NULL")])
        return self.pick([self.word(), f"example.org/{self.word()}", f"k8s.io/{self.word()}-{self.r.randint(0, 9)}"])

    def string_map(self, value, lo=1, hi=4):
        return {self.label_key(): value() for _ in range(self.r.randint(lo, hi))}

    def node_labels(self):
        def value():
            x = self.r.random()
            if x < 0.25:
                return self.pick(FOLDING)
            if x < 0.3:
                return self.pick(REFUSED_IN_QUOTES)
            if x < 0.4:
                return None
            if x < 0.6:
                return self.pick(NUMBERS)
            return self.pick(LOOKALIKES + [self.word()])
        return {f"{self.word()}.example.org/{self.word()}{i}": value() for i in range(self.r.randint(1, 3))}

    def release_values(self):
        m = self.string_map(self.tricky_value, 1, 5)
        if self.p(0.5):
            m[self.word()] = {"list": [self.tricky_value() for _ in range(self.r.randint(1, 3))],
                              self.tricky_string(): self.tricky_value()}
        return m

    def dns(self, n):
        s = "".join(self.pick("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))
        return "x" + s[1:]


def generate(seed, index):
    g = Gen(random.Random(f"extra/{seed}/{index}"))
    long_names = g.p(0.3)
    release = g.dns(g.r.randint(40, 53)) if long_names else g.pick(["demo", "prod-1", "edge"])
    namespace = g.pick(["default", "tenant-a"])
    v = {
        "clouds": {"openstack": {"auth": {"auth_url": "https://keystone.example.org:5000/v3",
                                          "application_credential_id": "cred-id",
                                          "application_credential_secret": "cred-secret"},
                                 "region_name": "RegionOne", "interface": "public",
                                 "identity_api_version": 3, "auth_type": "v3applicationcredential"}},
        "kubernetesVersion": "1.31.4",
        "machineImage": "ubuntu-jammy-kube-v1.31.4",
        "controlPlane": {"machineFlavor": "m1.medium"},
        "nodeGroups": [],
    }
    groups = g.r.randint(1, 3)
    for i in range(groups):
        name = (g.dns(g.r.randint(20, 40)) if long_names and g.p(0.6) else f"md-{i}")
        if any(x["name"] == name for x in v["nodeGroups"]):
            name = f"{name[:-1]}{i}"
        group = {"name": name, "machineFlavor": "m1.large", "machineCount": g.r.randint(1, 3)}
        if g.p(0.5):
            group["nodeLabels"] = g.node_labels()
        v["nodeGroups"].append(group)
    if g.p(0.5):
        v["controlPlane"]["nodeLabels"] = g.node_labels()
    if g.p(0.6):
        v["machineMetadata"] = g.string_map(g.tricky_value, 1, 5)
    if g.p(0.6):
        v["clusterAnnotations"] = g.string_map(g.tricky_string, 1, 4)
    # (no machineMetadata on the control plane or a group: the chart leaks it from one
    # machine into the next, a documented difference.)
    addons = {}
    if g.p(0.5):
        addons["metricsServer"] = {"enabled": True, "release": {"values": g.release_values()}}
    if g.p(0.4):
        addons["nodeFeatureDiscovery"] = {"enabled": True, "release": {"values": g.release_values()}}
    if g.p(0.4):
        cinder = {"enabled": True, "values": g.release_values()}
        if g.p(0.5):
            cinder["defaultStorageClass"] = {"name": g.pick(["csi-cinder", "fast", "ssd-" + g.word()])}
        addons["openstack"] = {"enabled": True, "csiCinder": cinder}
        if long_names and g.p(0.5):
            addons["openstack"]["csiManila"] = {"enabled": True}
    if addons:
        v["addons"] = addons
    return v, release, namespace


def write_case(args, i):
    name = f"x{args.seed}-{i:04d}"
    values, release, namespace = generate(args.seed, i)
    d = os.path.join(args.out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "values.yaml"), "w", encoding="utf-8") as f:
        # Every string double-quoted: all readers then agree it is a string.
        yaml.dump(values, f, Dumper=QuotingDumper, sort_keys=False, allow_unicode=True, width=1000)
    with open(os.path.join(d, "case.yaml"), "w") as f:
        yaml.safe_dump({"release": release, "namespace": namespace}, f, sort_keys=False)
    with open(os.path.join(d, "fuzz.json"), "w") as f:
        json.dump({"generator": "extra_values.py", "seed": args.seed, "index": i}, f)
    r = subprocess.run([args.helm, "template", release, args.chart, "--namespace", namespace,
                        "-f", os.path.join(d, "values.yaml")], capture_output=True, text=True, timeout=120)
    if r.returncode == 0:
        with open(os.path.join(d, "expected.yaml"), "w", encoding="utf-8") as f:
            f.write(r.stdout)
        return
    fail_dir = args.out.rstrip("/") + "-helmfail"
    os.makedirs(fail_dir, exist_ok=True)
    fd = os.path.join(fail_dir, name)
    shutil.rmtree(fd, ignore_errors=True)
    shutil.move(d, fd)
    with open(os.path.join(fd, "expected-error.txt"), "w") as f:
        f.write(r.stderr.strip() + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--only", type=int)
    ap.add_argument("--out")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--helm", default=os.environ.get("HELM", "helm"))
    ap.add_argument("--chart", default=CHART)
    ap.add_argument("--print", action="store_true")
    args = ap.parse_args()
    indexes = [args.only] if args.only is not None else range(args.count)
    if args.print:
        for i in indexes:
            values, release, namespace = generate(args.seed, i)
            print(f"# release {release}, namespace {namespace}")
            yaml.dump(values, sys.stdout, Dumper=QuotingDumper, sort_keys=False, allow_unicode=True, width=1000)
        return
    if not args.out:
        sys.exit("--out is required unless --print")
    os.makedirs(args.out, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(lambda i: write_case(args, i), indexes))


if __name__ == "__main__":
    main()
