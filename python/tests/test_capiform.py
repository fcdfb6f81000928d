"""The Python API of capiform: render, render_yaml, validate_values, errors, threads."""

import logging
import os
import shutil
import threading

import pytest

import capiform

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

VALUES = {
    "kubernetesVersion": "1.31.4",
    "machineImage": "ubuntu-jammy-kube-v1.31.4",
    "cloudCredentialsSecretName": "demo-creds",
    "controlPlane": {"machineFlavor": "vm.small"},
    "nodeGroups": [{"name": "md-0", "machineFlavor": "vm.small", "machineCount": 2}],
}


def test_render_returns_the_objects_as_dicts():
    objects = capiform.render("demo", "clusters", VALUES)
    kinds = [o["kind"] for o in objects]
    assert kinds[0] == "Cluster"
    assert "KubeadmControlPlane" in kinds and "MachineDeployment" in kinds
    md = next(o for o in objects if o["kind"] == "MachineDeployment")
    assert md["metadata"]["name"] == "demo-md-0"
    # Objects carry no namespace (as helm template prints them): apply puts them in one.
    assert "namespace" not in md["metadata"]
    assert md["spec"]["replicas"] == 2


def test_render_yaml_is_the_same_manifest_as_text():
    text = capiform.render_yaml("demo", "clusters", VALUES)
    assert text.startswith("---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\n")
    assert text.count("---\napiVersion: ") == len(capiform.render("demo", "clusters", VALUES))


def test_values_may_be_yaml_text_and_layers():
    base = "kubernetesVersion: 1.31.4\nmachineImage: img\ncloudCredentialsSecretName: c\n"
    layers = [base, {"controlPlane": {"machineFlavor": "vm.large"}},
              {"nodeGroups": [{"name": "md-0", "machineFlavor": "vm.small", "machineCount": 1}]}]
    objects = capiform.render("demo", "ns", layers)
    cp = [o for o in objects if o["kind"] == "OpenStackMachineTemplate"
          and "control-plane" in o["metadata"]["name"]]
    assert cp[0]["spec"]["template"]["spec"]["flavor"] == "vm.large"


def test_invalid_values_raise_with_every_problem_and_its_path():
    bad = dict(VALUES, nodeGroups=[{"name": "md-a", "machineFlavor": "vm.small"},
                                   {"name": "md-b", "machineFlavor": "vm.small"}])
    with pytest.raises(capiform.InvalidValuesError) as err:
        capiform.render("demo", "ns", bad)
    paths = [p.path for p in err.value.problems]
    assert paths == ["nodeGroups[0].machineCount", "nodeGroups[1].machineCount"]
    assert all(isinstance(p, capiform.Problem) and p.message for p in err.value.problems)
    assert "nodeGroups[1].machineCount" in str(err.value)


def test_validate_values_lists_problems_instead_of_raising():
    assert capiform.validate_values(VALUES) == []
    problems = capiform.validate_values(dict(VALUES, controlPlane={"machineCount": "three"}))
    assert [p.path for p in problems] == ["controlPlane.machineCount"]
    assert "three" in problems[0].message


def test_unreadable_values_raise_a_syntax_error_naming_the_layer():
    with pytest.raises(capiform.ValuesSyntaxError) as err:
        capiform.render("demo", "ns", [VALUES, "a: [1"])
    assert "values[1]" in str(err.value)
    with pytest.raises(TypeError):
        capiform.render("demo", "ns", 42)
    with pytest.raises(ValueError):
        capiform.render("demo", "ns", {"a": float("nan")})


def set_manifest(version):
    """The ``template-set.yaml`` of an embedded set, from the repository's folder."""
    import yaml

    with open(os.path.join(ROOT, "cluster-templates", version, "template-set.yaml")) as f:
        return yaml.safe_load(f)


def test_template_sets_embedded_and_from_a_directory(tmp_path):
    versions = capiform.embedded_template_sets()
    assert versions
    # The default for new releases is the highest set that is not opt-in, as for the CLI
    # (an opt-in set, e.g. one rendering Cluster API v1beta2, only when asked for).
    opt_in = [v for v in versions if set_manifest(v).get("optIn")]
    default = [v for v in versions if v not in opt_in][-1]
    assert capiform.template_set_id() == f"openstack-cluster@{default}"
    for version in versions:
        assert capiform.template_set_id(version) == f"openstack-cluster@{version}"
    for version in opt_in:
        objects = capiform.render("demo", "ns", VALUES, template_version=version)
        annotations = objects[0]["metadata"]["annotations"]
        assert annotations["capiform.dev/template-set"] == f"openstack-cluster@{version}"
    with pytest.raises(capiform.TemplateSetError) as err:
        capiform.render("demo", "ns", VALUES, template_version="99.0.0")
    assert "99.0.0" in str(err.value)
    fork = tmp_path / "fork"
    shutil.copytree(os.path.join(ROOT, "cluster-templates", default), fork)
    from_dir = capiform.render("demo", "ns", VALUES, templates_dir=str(fork))
    assert [o["kind"] for o in from_dir] == [o["kind"] for o in capiform.render("demo", "ns", VALUES)]
    annotations = from_dir[0]["metadata"]["annotations"]
    assert annotations["capiform.dev/template-set"].startswith("openstack-cluster@")


def test_existing_objects_are_read(tmp_path):
    key = {"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": "demo-etcd-key", "namespace": "ns"}, "data": {"key": "YWJj"}}
    assert capiform.render("demo", "ns", VALUES, existing=[key])
    with pytest.raises(TypeError):
        capiform.render("demo", "ns", VALUES, existing=[object()])


def test_renders_run_in_parallel_threads_and_agree():
    expected = capiform.render_yaml("demo", "ns", VALUES)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(capiform.render_yaml("demo", "ns", VALUES))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 20 and all(r == expected for r in results)


def test_the_gil_is_released_while_the_engine_renders():
    # While one thread renders a large cluster, another thread keeps running Python.
    big = dict(VALUES, nodeGroups=[{"name": f"md-{i}", "machineFlavor": "vm.small", "machineCount": 1}
                                   for i in range(200)])
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(1)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(3):
            capiform.render_yaml("demo", "ns", big)
    finally:
        done.set()
        t.join()
    assert len(ticks) > 100


def test_warnings_go_to_the_capiform_logger(caplog, monkeypatch):
    monkeypatch.setattr(capiform._native, "render_json",
                        lambda *a: ("[]", ["values:3: quote it to keep the string \"y\""]))
    with caplog.at_level(logging.WARNING, logger="capiform"):
        assert capiform.render("demo", "ns", VALUES) == []
    assert [r.getMessage() for r in caplog.records] == ['values:3: quote it to keep the string "y"']


def test_the_examples_of_the_package_docs_hold():
    import doctest

    failures, tried = doctest.testmod(capiform)
    assert tried > 0 and failures == 0


def test_the_engine_warnings_reach_the_capiform_logger(caplog):
    # A key the chart removed is ignored with a warning that names the replacement.
    values = dict(VALUES, addons={"kubernetesDashboard": {"enabled": True}})
    with caplog.at_level(logging.WARNING, logger="capiform"):
        capiform.render("demo", "ns", values)
    messages = [r.getMessage() for r in caplog.records]
    assert any("kubernetesDashboard" in m for m in messages), messages
