"""Magnum's ``[capi_helm] csi_cinder_allowed_topologies`` through the real conductor.

magnum-capi-helm passes the option (a list of ``KEY=VALUE`` strings) as ``allowedTopologies``
of every Cinder storage class. Kubernetes takes topology selector terms there, so capiform
translates the strings (docs/differences-from-the-chart.md, "Reading values"): one term per
key, listing that key's values. A string that is not ``KEY=VALUE`` is refused when the
cluster is created, with a message showing the accepted shapes.

The scenarios (``topology_cases/``) run with the k8s_capiform_v1 driver only: the chart
cannot render any topologies (its own indentation bug), so there is nothing to compare with.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "topology_cases")
ZONE = "topology.cinder.csi.openstack.org/zone"


@pytest.fixture(scope="module", autouse=True)
def magnum_installed():
    try:
        import magnum_capi_helm  # noqa: F401
    except ImportError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"magnum-capi-helm is not installed: {e}")
        pytest.skip(f"SKIPPED, magnum-capi-helm is not installed (python/ci.sh installs it): {e}")


def run(case, tmp_path):
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, "-W", "ignore", os.path.join(HERE, "magnum_harness.py"),
         os.path.join(CASES, case + ".input.json"), "--driver", "k8s_capiform_v1", "--out", str(out)],
        capture_output=True, text=True, timeout=600)
    assert out.exists(), f"harness failed:\n{done.stderr[-3000:]}"
    return json.loads(out.read_text())


def storage_classes(install):
    """The StorageClass objects inside the applied csi-cinder-storageclass Manifests."""
    classes = []
    for obj in install["applied"]:
        if obj["kind"] == "Manifests" and obj["spec"].get("releaseName") == "csi-cinder-storageclass":
            for source in obj["spec"]["manifestSources"]:
                classes.append(yaml.safe_load(source["template"]))
    return classes


def test_key_value_strings_become_topology_selector_terms(tmp_path):
    result = run("allowed_topologies", tmp_path)
    create = result["operations"][0]
    assert create["ok"], create.get("problems") or create.get("error")
    install = result["installs"][0]
    sent = install["values"]["addons"]["openstack"]["csiCinder"]["defaultStorageClass"]["allowedTopologies"]
    assert sent == [f"{ZONE}=az-1", f"{ZONE}=az-2"], "the driver no longer sends the strings"
    classes = storage_classes(install)
    assert classes, "no storage class applied"
    for sc in classes:
        assert sc["allowedTopologies"] == [
            {"matchLabelExpressions": [{"key": ZONE, "values": ["az-1", "az-2"]}]}
        ], sc


def test_a_bare_zone_name_is_refused_with_the_accepted_shape(tmp_path):
    result = run("allowed_topologies_bare_zone", tmp_path)
    create = result["operations"][0]
    assert not create["ok"], "a bare zone name was accepted"
    message = "\n".join(create.get("problems") or [create["error"]])
    assert "allowedTopologies[0]" in message, message
    assert "KEY=VALUE" in message and "matchLabelExpressions" in message, message
    assert not result["installs"] or not result["installs"][0].get("applied"), \
        "objects were applied although the values were refused"
