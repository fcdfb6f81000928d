#!/usr/bin/env python3
"""Apply capiform's documented differences from the chart to Helm's output.

    chart_differences.py CASES_DIR...

For every case folder under each CASES_DIR (the corpus layout: values.yaml, case.yaml,
expected.yaml), rewrite expected.yaml where the chart's output is one that capiform
deliberately does not reproduce (docs/differences-from-the-chart.md lists each, with the
golden case that pins it). The edits are textual and narrow, so everything else of
Helm's output stays byte for byte.
"""
import os
import re
import sys

# differences-from-the-chart.md, "Null machine metadata values": the chart prints
# `value:` (null) for a null machineMetadata value, which the API server refuses
# (serverMetadata[].value is a required string); capiform writes an empty string.
SERVER_METADATA_NULL = re.compile(r'^(?P<key>\s*- key: ".*"\n)(?P<indent>\s*)value:[ \t]*$', re.M)


def null_server_metadata_values(text):
    return SERVER_METADATA_NULL.sub(lambda m: f'{m["key"]}{m["indent"]}value: ""', text)


DIFFERENCES = [null_server_metadata_values]

# differences-from-the-chart.md, "Node labels YAML cannot quote": when a node label holds
# a double quote or a bad escape, the chart's `fromYaml` fails and it prints its error
# message as the spec (`Error: 'error converting YAML to JSON: …'`), which the API
# server prunes, dropping the whole kubeadm spec. capiform refuses such values.
FROM_YAML_FAILED = "Error: 'error converting YAML to JSON"


def apply(case_dir):
    path = os.path.join(case_dir, "expected.yaml")
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if FROM_YAML_FAILED in text:
        os.remove(path)
        with open(os.path.join(case_dir, "expected-error.txt"), "w") as f:
            f.write("the chart printed a fromYaml error as a kubeadm spec; capiform refuses such values\n")
        return
    new = text
    for difference in DIFFERENCES:
        new = difference(new)
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    for root in argv:
        if os.path.isfile(os.path.join(root, "case.yaml")):
            apply(root)
            continue
        for name in sorted(os.listdir(root)):
            d = os.path.join(root, name)
            if os.path.isdir(d):
                apply(d)


if __name__ == "__main__":
    main(sys.argv[1:])
