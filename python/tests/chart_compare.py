"""Compare what the capiform driver applied with what the reference chart renders.

For each install/upgrade the driver made, a case folder in the parity corpus layout is
written: ``values.yaml`` (the values the driver built), ``case.yaml`` (release,
namespace), ``expected.yaml`` (``helm template`` of the reference chart on those values)
and ``applied.yaml`` (the objects the driver applied to the Kubernetes double, without
what the lifecycle adds to send them: :func:`without_bookkeeping`). The parity
referee (``../shared/parity/parity.py``) then compares each folder semantically, with this
module's ``applied`` engine standing in for ``capiform render``: it prints the folder's
``applied.yaml``.

    python3 chart_compare.py render RELEASE --namespace NS -f DIR/values.yaml
        (the engine interface parity.py calls) prints DIR/applied.yaml
"""

import base64
import binascii
import json
import os
import shlex
import subprocess
import sys
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
PARITY = os.path.join(SHARED, "parity", "parity.py")
CHART = os.path.join(SHARED, "reference-chart", "openstack-cluster")
MAGNUM_CASES = os.path.join(SHARED, "magnum", "cases")


def helm_binary() -> str:
    return os.environ.get("HELM") or os.path.expanduser("~/.cache/capiform/bin/helm")


def write_case(folder: str, install: Dict[str, Any], helm: str) -> None:
    os.makedirs(folder, exist_ok=True)
    values_path = os.path.join(folder, "values.yaml")
    with open(values_path, "w") as f:
        json.dump(install["values"], f, indent=1)
    with open(os.path.join(folder, "case.yaml"), "w") as f:
        json.dump({"release": install["release"], "namespace": install["namespace"]}, f)
    rendered = subprocess.run(
        [helm, "template", install["release"], CHART, "--namespace", install["namespace"],
         "-f", values_path],
        capture_output=True, text=True)
    if rendered.returncode != 0:
        with open(os.path.join(folder, "expected-error.txt"), "w") as f:
            f.write(rendered.stderr)
    else:
        with open(os.path.join(folder, "expected.yaml"), "w") as f:
            f.write(rendered.stdout)
    with open(os.path.join(folder, "applied.yaml"), "w") as f:
        for obj in install.get("applied", []):
            f.write("---\n" + json.dumps(without_bookkeeping(obj, install["namespace"]),
                                          indent=1) + "\n")


def without_bookkeeping(obj: Dict[str, Any], namespace: str) -> Dict[str, Any]:
    """The object without what the lifecycle adds to apply it: the release namespace
    (which helm template does not print either), the labels and annotations that track
    the release (ApplySet membership), and the base64 ``data`` a Secret's ``stringData``
    is sent as (see :func:`secret_as_string_data`)."""
    md = dict(obj.get("metadata") or {})
    if md.get("namespace") == namespace:
        del md["namespace"]
    for key in ("labels", "annotations"):
        if key in md:
            md[key] = {k: v for k, v in md[key].items()
                       if not k.startswith("applyset.kubernetes.io/")}
    return secret_as_string_data(dict(obj, metadata=md))


def secret_as_string_data(obj: Dict[str, Any]) -> Dict[str, Any]:
    """A Secret with the text values of ``data`` decoded into ``stringData``.

    The lifecycle applies a Secret's ``stringData`` as base64 ``data``
    (``capiform_kube::secret``), which is what the API server stores for the chart's
    ``stringData`` too. Decoded back, the texts are compared as the referee compares the
    chart's (YAML by meaning); a value that is not UTF-8 text stays in ``data``."""
    if obj.get("apiVersion") != "v1" or obj.get("kind") != "Secret" or not obj.get("data"):
        return obj
    data, text = {}, dict(obj.get("stringData") or {})
    for key, value in obj["data"].items():
        try:
            text[key] = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, TypeError):
            data[key] = value
    out = {k: v for k, v in obj.items() if k not in ("data", "stringData")}
    if data:
        out["data"] = data
    out["stringData"] = text
    return out


def compare(cases_dir: str) -> Dict[str, Any]:
    """parity.py's JSON result for every folder of ``cases_dir``."""
    engine = os.path.join(cases_dir, "engine")
    with open(engine, "w") as f:
        f.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} "
                f"{shlex.quote(os.path.abspath(__file__))} \"$@\"\n")
    os.chmod(engine, 0o755)
    run = subprocess.run(
        [sys.executable, PARITY, "--bin", engine, "--cases", cases_dir, "--json", "--show", "50"],
        capture_output=True, text=True)
    start = run.stdout.find("{")
    if start < 0:
        raise RuntimeError(f"parity.py gave no result: {run.stdout}{run.stderr}")
    end = run.stdout.rfind("}")
    return json.loads(run.stdout[start:end + 1])


def main(argv: List[str]) -> int:
    # The engine interface: render RELEASE --namespace NS -f DIR/values.yaml
    values = argv[argv.index("-f") + 1]
    with open(os.path.join(os.path.dirname(values), "applied.yaml")) as f:
        sys.stdout.write(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
