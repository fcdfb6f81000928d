"""The Python package and the Magnum driver against a real API server.

One server per test session (``scripts/test-apiserver``: kube-apiserver, etcd, Cluster
API's webhooks and core controllers, CAPO's webhooks; see docs/test-apiserver.md):

* ``capiform.apply`` / ``status`` / ``uninstall`` of a release: the objects are on the
  server, owned by the field manager ``capiform``; applying the same values again writes
  nothing (but the kinds Cluster API converts to v1beta2, whose stored spec stays the
  same, see :data:`CONVERTED`); the ordered uninstall removes everything once Cluster API has deleted the
  Cluster;
* the Magnum driver ``k8s_capiform_v1`` in the real Magnum conductor
  (``magnum_harness.py --kubeconfig``): create, resize of the default node group,
  upgrade to a template with a newer Kubernetes, delete, with the management cluster being
  this server. The harness runs in its own process, started with the session so that it
  runs beside the package tests (both wait on Cluster API's deletions).

Without Go (the server is built from Cluster API's and Kubernetes' modules) or the
script: with ``CI=true`` the tests fail, otherwise they are skipped with the reason.
"""

import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import real_apiserver  # noqa: E402
from real_apiserver import Kube, object_path  # noqa: E402

ROOT = real_apiserver.ROOT
RELEASE, NAMESPACE = "pyreal", "default"

VALUES = {
    "kubernetesVersion": "1.31.4",
    "machineImage": "ubuntu-jammy-kube-v1.31.4",
    "cloudCredentialsSecretName": "pyreal-creds",
    "controlPlane": {"machineFlavor": "vm.small"},
    "nodeGroups": [{"name": "md-0", "machineFlavor": "vm.small", "machineCount": 2}],
}


@pytest.fixture(scope="session")
def apiserver(tmp_path_factory):
    """The kubeconfig of a server started for the session."""
    reason = real_apiserver.unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the real API server cannot run: {reason}")
        pytest.skip(f"SKIPPED, no real API server: {reason}")
    directory = str(tmp_path_factory.mktemp("apiserver"))
    try:
        kubeconfig = real_apiserver.start(directory)
    except Exception as e:  # a build or start failure is a failure, not a skip
        pytest.fail(str(e))
    yield kubeconfig
    real_apiserver.stop(directory)


@pytest.fixture(scope="session")
def kube(apiserver):
    client = Kube(apiserver)
    yield client
    client.close()


# ----------------------------------------------------------------------------------------
# The Magnum scenario, started first (its own process) so that it runs beside the package
# tests.
# ----------------------------------------------------------------------------------------

TEMPLATE = {
    "name": "jammy-1.30",
    "image_id": "ubuntu-jammy-kube-v1.30.4",
    "external_network_id": "internet",
    "master_flavor_id": "g.medium",
    "flavor_id": "g.medium",
    "labels": {},
}

# Glance image IDs are UUIDs, and CAPO's schema refuses any other image.id.
IMAGE_1304 = "0b9e3c1a-1304-4c2e-9a57-6d1f0e2b3c40"
IMAGE_1311 = "5d7f2a9c-1311-4b6e-8c13-2e4a6b8d0f51"

SCENARIO = {
    "description": "create, resize, upgrade and delete with the management cluster real",
    "openstack": {
        "images": [
            {"id": IMAGE_1304, "name": "ubuntu-jammy-kube-v1.30.4", "os_distro": "ubuntu",
             "kube_version": "v1.30.4"},
            {"id": IMAGE_1311, "name": "ubuntu-jammy-kube-v1.31.1", "os_distro": "ubuntu",
             "kube_version": "v1.31.1"},
        ],
        "flavors": [{"id": "fl-4", "name": "g.medium", "ram": 8192, "vcpus": 4, "disk": 40}],
        "networks": [{"id": "8e2c1b0a-7d6e-4f5a-9b8c-1d2e3f4a5b6c", "name": "internet",
                      "is_router_external": True}],
    },
    "cluster_template": TEMPLATE,
    "cluster": {"name": "real", "master_count": 1, "node_count": 2, "keypair": "key"},
    "short_ids": ["r1e2a3l4s5v6"],
    "operations": [
        {"op": "create_cluster"},
        {"op": "snapshot", "note": "created"},
        {"op": "set_status", "status": "CREATE_COMPLETE"},
        {"op": "resize_cluster", "node_count": 3},
        {"op": "snapshot", "note": "resized"},
        {"op": "set_status", "status": "UPDATE_COMPLETE"},
        {"op": "upgrade_cluster", "cluster_template": dict(
            TEMPLATE, name="jammy-1.31", image_id="ubuntu-jammy-kube-v1.31.1")},
        {"op": "snapshot", "note": "upgraded"},
        {"op": "set_status", "status": "UPDATE_COMPLETE"},
        {"op": "delete_cluster"},
        {"op": "snapshot", "note": "deleting"},
        {"op": "update_cluster_status", "note": "Cluster API done: the driver finishes"},
        {"op": "snapshot", "note": "deleted"},
    ],
}
SNAPSHOTS = {op.get("note"): i for i, op in enumerate(SCENARIO["operations"])
             if op["op"] == "snapshot"}


@pytest.fixture(scope="session")
def magnum_process(apiserver, tmp_path_factory):
    """The harness process running :data:`SCENARIO` with ``k8s_capiform_v1``."""
    try:
        import magnum  # noqa: F401
        import magnum_capi_helm  # noqa: F401
    except ImportError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Magnum is not installed: {e}")
        pytest.skip(f"SKIPPED, Magnum is not installed: {e}")
    folder = tmp_path_factory.mktemp("magnum-real")
    case, out = folder / "scenario.input.json", folder / "result.json"
    case.write_text(json.dumps(SCENARIO))
    log = open(folder / "harness.log", "w")
    cmd = [sys.executable, "-W", "ignore", os.path.join(HERE, "magnum_harness.py"), str(case),
           "--driver", "k8s_capiform_v1", "--kubeconfig", apiserver, "--out", str(out)]
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    yield process, out, folder / "harness.log"
    if process.poll() is None:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def magnum_result(magnum_process):
    process, out, log = magnum_process
    process.wait(timeout=900)
    if not out.exists():
        pytest.fail(f"the harness wrote no result:\n{log.read_text()[-4000:]}")
    result = json.loads(out.read_text())
    failed = [o for o in result["operations"] if not o["ok"]]
    assert not failed, json.dumps(failed, indent=1)[:4000]
    return result


def objects_at(result, note):
    return result["operations"][SNAPSHOTS[note]]["objects"]


def of_kind(objects, plural):
    return {o["metadata"]["name"]: o for o in objects if o["plural"] == plural}


def managers(obj):
    return {m["manager"] for m in obj["metadata"].get("managedFields", [])}


# ----------------------------------------------------------------------------------------
# The package: apply, status, uninstall
# ----------------------------------------------------------------------------------------

def release_objects(kube, report):
    """``{Kind/name: object on the server}`` for every object of an apply report."""
    import capiform

    rendered = {f"{o['kind']}/{o['metadata']['name']}": o
                for o in capiform.render(RELEASE, NAMESPACE, VALUES)}
    found = {}
    for ref in report.applied:
        o = rendered[ref]
        found[ref] = kube.get(object_path(o["apiVersion"], real_apiserver.plural_of(o["kind"]),
                                          NAMESPACE, o["metadata"]["name"]))
    return found


def capiform_entry(obj):
    """What the field manager ``capiform`` owns and when it last changed it."""
    return [(m["operation"], m.get("time"), json.dumps(m.get("fieldsV1"), sort_keys=True))
            for m in obj["metadata"].get("managedFields", []) if m["manager"] == "capiform"]


def capiform_fields(obj):
    """What the field manager ``capiform`` owns (not when)."""
    return [(operation, fields) for operation, _, fields in capiform_entry(obj)]


# The kinds Cluster API (1.11 and newer) stores at v1beta2: a server-side apply at v1beta1
# goes through its conversion webhook, which records the object's v1beta2 form, status
# included, in the annotation cluster.x-k8s.io/conversion-data. As the controllers have
# written their status since, every apply writes these objects again and bumps their
# metadata.generation although nothing changed (`kubectl apply --server-side` does the
# same; docs/lifecycle.md, tests/real_apiserver.rs). Their spec as the server stores it
# (v1beta2) must not change.
CONVERTED = ("Cluster", "KubeadmControlPlane", "MachineDeployment", "MachineHealthCheck")


def stored_specs(kube, found):
    """``{Kind/name: spec}`` of the objects of :data:`CONVERTED`, read at v1beta2."""
    specs = {}
    for ref, o in found.items():
        if ref.split("/")[0] in CONVERTED:
            group = o["apiVersion"].split("/")[0]
            stored = kube.get(object_path(f"{group}/v1beta2", real_apiserver.plural_of(o["kind"]),
                                          NAMESPACE, o["metadata"]["name"]))
            specs[ref] = stored and stored["spec"]
    return specs


@pytest.fixture(scope="module")
def applied(kube, apiserver, magnum_process):
    """The report of the first apply, the objects on the server after it and the v1beta2
    specs of the converted kinds."""
    import capiform

    report = capiform.apply(RELEASE, NAMESPACE, VALUES, kubeconfig=apiserver)
    found = release_objects(kube, report)
    return report, found, stored_specs(kube, found)


def test_apply_creates_every_object_owned_by_capiform(applied):
    import capiform

    report, found, _ = applied
    rendered = capiform.render(RELEASE, NAMESPACE, VALUES)
    assert report.revision == 1 and not report.pruned
    assert sorted(report.applied) == sorted(f"{o['kind']}/{o['metadata']['name']}"
                                            for o in rendered)
    missing = [ref for ref, o in found.items() if o is None]
    assert not missing
    not_owned = [ref for ref, o in found.items() if not capiform_entry(o)]
    assert not not_owned
    assert all(op == "Apply" for o in found.values() for op, _, _ in capiform_entry(o))
    # What the server did to them: Cluster API's webhooks and controllers were there.
    cluster = found[f"Cluster/{RELEASE}"]
    assert "cluster.x-k8s.io/conversion-data" in cluster["metadata"].get("annotations", {})


def test_reapplying_the_same_values_changes_nothing(applied, kube, apiserver):
    import capiform

    report, before, specs = applied
    again = capiform.apply(RELEASE, NAMESPACE, VALUES, kubeconfig=apiserver)
    after = release_objects(kube, again)
    assert again.revision == 2 and not again.pruned and not again.kept
    assert sorted(again.applied) == sorted(report.applied)
    changed = [ref for ref in before if ref.split("/")[0] not in CONVERTED
               and (capiform_entry(before[ref]) != capiform_entry(after[ref])
                    or before[ref]["metadata"].get("generation")
                    != after[ref]["metadata"].get("generation"))]
    assert not changed, f"the second apply wrote {changed}"
    # The converted kinds are written again by Cluster API's conversion; capiform owns the
    # same fields and the stored specs are the same.
    owned = [ref for ref in before if ref.split("/")[0] in CONVERTED
             and capiform_fields(before[ref]) != capiform_fields(after[ref])]
    assert not owned, f"the second apply changed what capiform owns in {owned}"
    assert specs and all(specs.values())
    respecced = [ref for ref, spec in stored_specs(kube, after).items() if spec != specs[ref]]
    assert not respecced, f"the second apply changed the stored spec of {respecced}"


def test_status_reads_the_release(applied, apiserver):
    import capiform

    status = capiform.status(RELEASE, NAMESPACE, kubeconfig=apiserver)
    assert status["release"] == RELEASE and status["revision"] >= 1
    assert status["cluster"]["name"] == RELEASE
    assert status["controlPlane"]["desiredVersion"].lstrip("v") == "1.31.4"
    assert [md["name"] for md in status["machineDeployments"]] == [f"{RELEASE}-md-0"]
    assert capiform.status("nothing-here", NAMESPACE, kubeconfig=apiserver) is None


def test_uninstall_removes_everything_once_cluster_api_is_done(applied, kube, apiserver):
    import capiform
    from capiform.lifecycle import record_name

    report, found, _ = applied
    first = capiform.uninstall(RELEASE, NAMESPACE, kubeconfig=apiserver)
    assert f"Cluster/{RELEASE}" in first.deleted
    deadline = time.monotonic() + 300
    step = first
    while not step.done:
        assert time.monotonic() < deadline, "uninstall not done after 300 s"
        time.sleep(2)
        step = capiform.uninstall(RELEASE, NAMESPACE, kubeconfig=apiserver)
    left = [ref for ref, o in found.items()
            if kube.get(object_path(o["apiVersion"], real_apiserver.plural_of(o["kind"]),
                                    NAMESPACE, o["metadata"]["name"])) is not None]
    assert not left, f"left after uninstall: {left}"
    assert kube.get(object_path("v1", "secrets", NAMESPACE, record_name(RELEASE))) is None
    assert kube.get(object_path("v1", "secrets", NAMESPACE, f"{RELEASE}-etcd-key")) is None
    assert capiform.status(RELEASE, NAMESPACE, kubeconfig=apiserver) is None


# ----------------------------------------------------------------------------------------
# The Magnum driver
# ----------------------------------------------------------------------------------------

def test_magnum_create_applies_the_cluster_to_the_server(magnum_result):
    objects = objects_at(magnum_result, "created")
    clusters = of_kind(objects, "clusters")
    assert len(clusters) == 1
    (release, cluster), = clusters.items()
    assert release == magnum_result["installs"][0]["release"]
    assert "capiform" in managers(cluster)
    kcp, = of_kind(objects, "kubeadmcontrolplanes").values()
    assert kcp["spec"]["version"].lstrip("v") == "1.30.4" and kcp["spec"]["replicas"] == 1
    md, = of_kind(objects, "machinedeployments").values()
    assert md["spec"]["replicas"] == 2
    assert all("capiform" in managers(o) for o in objects
               if o["plural"] not in ("secrets",) and not o["metadata"].get("ownerReferences"))
    # The driver's own Secrets (written by magnum-capi-helm's client) and the release record.
    secrets = of_kind(objects, "secrets")
    assert f"capiform-release-{release}" in secrets


def test_magnum_resize_changes_the_replicas_and_rolls_nothing(magnum_result):
    before, after = objects_at(magnum_result, "created"), objects_at(magnum_result, "resized")
    md, = of_kind(after, "machinedeployments").values()
    assert md["spec"]["replicas"] == 3
    assert set(of_kind(after, "openstackmachinetemplates")) == \
        set(of_kind(before, "openstackmachinetemplates"))
    assert set(of_kind(after, "kubeadmconfigtemplates")) == \
        set(of_kind(before, "kubeadmconfigtemplates"))


def test_magnum_upgrade_moves_the_control_plane_and_nodes_to_the_new_image(magnum_result):
    before, after = objects_at(magnum_result, "resized"), objects_at(magnum_result, "upgraded")
    kcp, = of_kind(after, "kubeadmcontrolplanes").values()
    assert kcp["spec"]["version"].lstrip("v") == "1.31.1"
    md, = of_kind(after, "machinedeployments").values()
    assert md["spec"]["template"]["spec"]["version"].lstrip("v") == "1.31.1"
    assert md["spec"]["replicas"] == 3
    templates = of_kind(after, "openstackmachinetemplates")
    new = templates[md["spec"]["template"]["spec"]["infrastructureRef"]["name"]]
    assert new["spec"]["template"]["spec"]["image"] in (
        {"id": IMAGE_1311}, {"filter": {"name": "ubuntu-jammy-kube-v1.31.1"}})
    assert new["metadata"]["name"] not in of_kind(before, "openstackmachinetemplates")


def test_magnum_delete_removes_everything(magnum_result):
    deleting = objects_at(magnum_result, "deleting")
    assert all(c["metadata"].get("deletionTimestamp")
               for c in of_kind(deleting, "clusters").values())
    status = next(o for o in magnum_result["operations"] if o["op"] == "update_cluster_status")
    assert status["status_reported"]["status"] == "DELETE_COMPLETE", status
    left = [f"{o['plural']}/{o['metadata']['name']}"
            for o in objects_at(magnum_result, "deleted")]
    assert not left, f"left on the management cluster after the delete: {left}"
