"""capiform.apply / status / uninstall (the engine's lifecycle) against the API double."""

import json

import pytest

import capiform
from capiform.lifecycle import record_name
from kube_double import KubeDouble

VALUES = {
    "kubernetesVersion": "1.31.4",
    "machineImage": "ubuntu-jammy-kube-v1.31.4",
    "cloudCredentialsSecretName": "demo-creds",
    "controlPlane": {"machineFlavor": "vm.small"},
    "nodeGroups": [{"name": "md-0", "machineFlavor": "vm.small", "machineCount": 2},
                   {"name": "md-1", "machineFlavor": "vm.small", "machineCount": 1}],
}


@pytest.fixture
def kube():
    double = KubeDouble().start()
    yield double
    double.stop()


# The machine and bootstrap templates: apply dry-runs each rendered one that is not on the
# server yet once before the dry run of the whole set, to compare it, as the server would
# store it, with the live templates (capiform::lifecycle::keep_live_template_names).
TEMPLATE_KINDS = ("OpenStackMachineTemplate", "KubeadmConfigTemplate")


def ref(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


def names(kube, kind):
    return sorted(o["metadata"]["name"] for o in kube.objects(kind))


def test_apply_dry_runs_everything_first_then_applies_in_stages(kube, tmp_path):
    objects = capiform.render("demo", "ns", VALUES)
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(kube.kubeconfig()))  # a path works as well as a dict
    report = capiform.apply("demo", "ns", VALUES, kubeconfig=str(path))
    assert report.revision == 1 and len(report.applied) == len(objects) and not report.pruned
    patches = [r for r in kube.requests if r.method == "PATCH"]
    dry = [r for r in patches if r.dry_run]
    members = [r for r in patches if not r.dry_run
               and r.body["metadata"]["name"] != record_name("demo")]
    # A first install: no template is live, each is compared once; then every object is
    # dry-run once, and only then is anything applied.
    templates = [o for o in objects if o["kind"] in TEMPLATE_KINDS]
    probes, dry_set = dry[:len(templates)], dry[len(templates):]
    assert sorted(ref(r.body) for r in probes) == sorted(ref(o) for o in templates)
    assert sorted(ref(r.body) for r in dry_set) == sorted(ref(o) for o in objects)
    assert sorted(ref(r.body) for r in members) == sorted(ref(o) for o in objects)
    assert max(r.seq for r in dry) < min(r.seq for r in members)
    assert all(r.params["fieldManager"] == "capiform" for r in patches)
    kinds = [r.body["kind"] for r in members]
    assert kinds.index("Secret") < kinds.index("OpenStackCluster") \
        < kinds.index("KubeadmControlPlane") < kinds.index("Cluster") \
        < kinds.index("MachineDeployment") < kinds.index("HelmRelease")
    assert {o["metadata"]["namespace"] for o in kube.objects()} == {"ns"}


def test_a_refused_dry_run_applies_nothing(kube):
    real_answer = kube._answer

    def refuse_control_planes(req, api_version, plural, namespace, name):
        if plural == "kubeadmcontrolplanes" and req.dry_run:
            return 422, {"kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
                         "message": "spec.version: Invalid value"}
        return real_answer(req, api_version, plural, namespace, name)

    kube._answer = refuse_control_planes
    with pytest.raises(capiform.KubernetesError) as err:
        capiform.apply("demo", "ns", VALUES, kubeconfig=kube.kubeconfig())
    assert [p.path for p in err.value.problems] == ["KubeadmControlPlane/demo-control-plane"]
    assert "spec.version: Invalid value" in err.value.problems[0].message
    assert [o for o in kube.objects() if o["kind"] != "Secret"
            or o["metadata"]["name"] != record_name("demo")] == []


def test_an_upgrade_prunes_what_is_no_longer_rendered(kube):
    config = kube.kubeconfig()
    capiform.apply("demo", "ns", VALUES, kubeconfig=config)
    smaller = dict(VALUES, nodeGroups=[VALUES["nodeGroups"][0]])
    report = capiform.apply("demo", "ns", smaller, kubeconfig=config)
    assert report.revision == 2
    assert {"MachineDeployment/demo-md-1", "MachineHealthCheck/demo-md-1"} <= set(report.pruned)
    assert names(kube, "MachineDeployment") == ["demo-md-0"]
    status = capiform.status("demo", "ns", kubeconfig=config)
    assert status["revision"] == 2
    assert capiform.status("other", "ns", kubeconfig=config) is None


def test_uninstall_is_ordered_and_finishes_once_the_cluster_is_gone(kube):
    config = kube.kubeconfig()
    # With credentials in the values, the chart's cloud credentials Secret is kept by helm
    # on uninstall (resource policy "keep"), and left behind for good.
    with_clouds = {k: v for k, v in VALUES.items() if k != "cloudCredentialsSecretName"}
    with_clouds["clouds"] = {"openstack": {"auth": {"auth_url": "https://keystone.example"},
                                           "region_name": "RegionOne"}}
    capiform.apply("demo", "ns", with_clouds, kubeconfig=config)
    first = capiform.uninstall("demo", "ns", kubeconfig=config)
    assert first.deleted == ["Cluster/demo"] and not first.done
    # While Cluster API is still deleting the cluster, nothing more happens.
    again = capiform.uninstall("demo", "ns", kubeconfig=config)
    assert not again.done and names(kube, "Secret").count("demo-cloud-credentials") == 1
    # Once it is gone, the next call removes the rest, the credentials last, and the record.
    assert kube.finish_deletions() == ["clusters/demo"]
    second = capiform.uninstall("demo", "ns", kubeconfig=config)
    assert second.done and kube.objects() == []
    assert second.deleted[0].startswith(("HelmRelease/", "Manifests/"))
    secrets = [d for d in second.deleted if d.startswith("Secret/")]
    assert secrets[-1] == f"Secret/{record_name('demo')}"
    assert capiform.uninstall("demo", "ns", kubeconfig=config).done


def test_kubeconfig_problems_are_clear(kube):
    config = dict(kube.kubeconfig(), **{"current-context": "nope"})
    with pytest.raises(capiform.KubernetesError) as err:
        capiform.status("demo", "ns", kubeconfig=config)
    assert "nope" in str(err.value)
    wrong_token = kube.kubeconfig()
    wrong_token["users"][0]["user"]["token"] = "wrong"
    with pytest.raises(capiform.KubernetesError) as err:
        capiform.status("demo", "ns", kubeconfig=wrong_token)
    assert "401" in str(err.value) and "wrong" not in str(err.value)
