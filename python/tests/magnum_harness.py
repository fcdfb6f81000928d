#!/usr/bin/env python3
"""Run a Magnum cluster scenario through the real Magnum conductor with a chosen driver.

    magnum_harness.py CASE.input.json --driver k8s_capiform_v1 --out RESULT.json
    magnum_harness.py CASE.input.json --driver k8s_capi_helm_v1 [--helm HELM --chart DIR]
    magnum_harness.py CASE.input.json --kubeconfig K [--helm HELM --chart DIR --helm-install]

The scenario format is the one of the Magnum referee's cases (``../shared/magnum``):
``config``, ``context``, ``openstack``, ``cluster_template``, ``cluster``, ``nodegroups``,
``short_ids``, ``k8s_objects``, ``operations``. Everything from the conductor handlers down
is the installed Magnum and driver code; what is not real:

* the Magnum API: its defaulting (cluster fields from the template, label merging, node
  group fields) is done here before the conductor is called;
* OpenStack: Glance, Nova, Neutron, Cinder and Keystone answer from the scenario, with
  openstacksdk resource objects;
* Kubernetes: ``kube_double.KubeDouble`` on 127.0.0.1, reached through a kubeconfig file
  (``[capi_helm] kubeconfig_file``) by the driver's client and capiform's alike; with
  ``--kubeconfig`` the real server of that kubeconfig instead (``scripts/test-apiserver``;
  ``real_apiserver.RealKube``: no requests recorded, ``update_cluster_status`` waits for
  Cluster API to finish deleting a Cluster, the ``snapshot`` operation records the
  objects of the ``magnum-*`` namespaces);
* helm (driver ``k8s_capi_helm_v1`` only): ``magnum.common.utils.execute`` records each
  call; with ``--helm`` and ``--chart`` an upgrade runs ``helm template`` of the chart on
  the same values instead (the stand-in for an install, for the benchmark); adding
  ``--helm-install`` (with ``--kubeconfig``) runs the driver's own ``helm upgrade
  --install`` and ``helm uninstall`` command lines for real, the local chart in place of
  the repository's.

The result (JSON): ``operations`` (ok, error, seconds), ``installs`` (one per
install/upgrade: release, namespace, values, and for capiform the objects applied),
``uninstalls``, ``kubernetes`` (every request to the double) and ``timings``.

One scenario per process: Magnum's configuration and database are process-wide.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, List, Optional
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from kube_double import KubeDouble  # noqa: E402

DEFAULT_PROJECT = "0123456789abcdef0123456789abcdef"
DEFAULT_USER = "fedcba9876543210fedcba9876543210"


# ----------------------------------------------------------------------------------------
# OpenStack, answered from the scenario's "openstack" section
# ----------------------------------------------------------------------------------------

class Cloud:
    """The scenario's cloud; each service below reads from it."""

    def __init__(self, spec: Dict[str, Any]):
        self.spec = spec or {}
        self.app_creds: Dict[str, Any] = {}

    def images(self):
        from openstack.image.v2.image import Image

        return [Image.existing(**{"status": "active", **img}) for img in self.spec.get("images", [])]

    def find_image(self, name_or_id):
        images = self.images()
        by_id = [i for i in images if i.id == name_or_id]
        by_name = [i for i in images if i.name == name_or_id]
        if by_id:
            return by_id[0]
        return by_name[0] if len(by_name) == 1 else None


class Glance:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def images(self, **query):
        return iter(self.cloud.images())

    def find_image(self, name_or_id, ignore_missing=True, **kw):
        image = self.cloud.find_image(name_or_id)
        if image is None and not ignore_missing:
            from openstack import exceptions

            raise exceptions.NotFoundException(f"image {name_or_id} not found")
        return image

    def get_image(self, image):
        return self.find_image(image, ignore_missing=False)


class Nova:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def flavors(self, details=True, min_ram=None, min_disk=None, **query):
        from openstack.compute.v2.flavor import Flavor

        for f in self.cloud.spec.get("flavors", []):
            if min_ram is not None and f.get("ram", 0) < min_ram:
                continue
            if min_disk is not None and f.get("disk", 0) < min_disk:
                continue
            yield Flavor.existing(**f)


def _attrs_match(resource, filters):
    return all(getattr(resource, k, None) == v for k, v in filters.items())


class Neutron:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def networks(self, **filters):
        from openstack.network.v2.network import Network

        for n in self.cloud.spec.get("networks", []):
            body = dict(n)
            body["router:external"] = body.pop("is_router_external", False)
            net = Network.existing(**body)
            if _attrs_match(net, filters):
                yield net

    def subnets(self, **filters):
        from openstack.network.v2.subnet import Subnet

        for s in self.cloud.spec.get("subnets", []):
            subnet = Subnet.existing(**s)
            if _attrs_match(subnet, filters):
                yield subnet


class Cinder:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def types(self, **query):
        from openstack.block_storage.v3.type import Type

        for i, t in enumerate(self.cloud.spec.get("volume_types", ["__DEFAULT__"])):
            yield Type.existing(**(t if isinstance(t, dict) else {"id": f"type-{i}", "name": t}))


class KeystoneSession:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def get_endpoint(self, service_type=None, **kw):
        endpoints = self.cloud.spec.get("endpoints", {})
        return endpoints.get(service_type, f"https://{service_type}.openstack.example.com")

    def get_token(self):
        return "token"


class Identity:
    """The openstacksdk identity proxy calls the driver makes."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def regions(self, **q):
        from openstack.identity.v3.region import Region

        return iter(Region.existing(id=r) for r in self.cloud.spec.get("regions", ["RegionOne"]))

    def application_credentials(self, user, **q):
        return iter(list(self.cloud.app_creds.values()))

    def create_application_credential(self, user, name, **attrs):
        from openstack.identity.v3.application_credential import ApplicationCredential

        n = len(self.cloud.app_creds) + 1
        wanted = self.cloud.spec.get("app_credential", {})
        suffix = "" if n == 1 else f"-{n}"
        cred = ApplicationCredential.existing(
            id=wanted.get("id", "appcred-id") + suffix,
            secret=wanted.get("secret", "appcred-secret") + suffix,
            name=name, user_id=user, **attrs)
        self.cloud.app_creds[cred.id] = cred
        return cred

    def get_application_credential(self, user, application_credential):
        if application_credential not in self.cloud.app_creds:
            from openstack import exceptions

            raise exceptions.NotFoundException("no such application credential")
        return self.cloud.app_creds[application_credential]

    def delete_application_credential(self, user, application_credential, ignore_missing=True):
        self.cloud.app_creds.pop(application_credential, None)


# ----------------------------------------------------------------------------------------
# helm, behind magnum-capi-helm's helm.Client
# ----------------------------------------------------------------------------------------

def parse_helm_argv(argv: List[str]) -> Dict[str, Any]:
    """``{"command", "release", "chart", "options"}`` of a helm command line."""
    positional, options, i = [], {}, 1
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            if arg == "--install":
                options["install"] = True
                i += 1
            else:
                options[arg[2:]] = argv[i + 1]
                i += 2
        else:
            positional.append(arg)
            i += 1
    return {"command": positional[0], "release": positional[1],
            "chart": positional[2] if len(positional) > 2 else None, "options": options}


class Helm:
    """Stands for the helm binary: records upgrades/uninstalls; with ``helm`` and
    ``chart``, an upgrade runs ``helm template`` of that chart on the same values."""

    def __init__(self, result, helm: Optional[str] = None, chart: Optional[str] = None,
                 install: bool = False):
        self.result, self.helm, self.chart, self.install = result, helm, chart, install

    def run_for_real(self, argv: List[str], process_input: Optional[str]):
        """The driver's helm command line, run: the local chart stands for the
        repository's (``--repo`` and ``--version`` dropped)."""
        cmd, skip = [self.helm], False
        for i, arg in enumerate(argv[1:], start=1):
            if skip:
                skip = False
            elif arg in ("--repo", "--version"):
                skip = True
            elif argv[1] == "upgrade" and i == 3:
                cmd.append(self.chart)
            else:
                cmd.append(arg)
        done = subprocess.run(cmd, input=process_input, capture_output=True, text=True)
        if done.returncode != 0:
            from oslo_concurrency import processutils

            raise processutils.ProcessExecutionError(
                stdout=done.stdout, stderr=done.stderr, exit_code=done.returncode,
                cmd=" ".join(cmd))
        return done.stdout, done.stderr

    def execute(self, *cmd, **kwargs):
        call = parse_helm_argv([str(c) for c in cmd])
        ns = call["options"].get("namespace")
        if call["command"] == "upgrade":
            values = json.loads(kwargs["process_input"])
            self.result["installs"].append(
                {"release": call["release"], "namespace": ns, "values": values,
                 "version": call["options"].get("version")})
            started = time.perf_counter()
            if self.install:
                out = self.run_for_real([str(c) for c in cmd], kwargs["process_input"])
                self.result["installs"][-1]["seconds"] = time.perf_counter() - started
                return out
            if self.helm:
                subprocess.run(
                    [self.helm, "template", call["release"], self.chart, "--namespace", ns,
                     "--values", "-"],
                    input=kwargs["process_input"], capture_output=True, text=True, check=True)
            self.result["installs"][-1]["seconds"] = time.perf_counter() - started
            return json.dumps({"name": call["release"], "namespace": ns, "version": 1,
                               "info": {"status": "deployed"}}), ""
        self.result["uninstalls"].append({"release": call["release"], "namespace": ns})
        if self.install:
            return self.run_for_real([str(c) for c in cmd], None)
        return "", ""


# ----------------------------------------------------------------------------------------
# Magnum: configuration, database, API defaulting
# ----------------------------------------------------------------------------------------

def configure_magnum(case: Dict[str, Any], kubeconfig_path: str, tmp: str):
    import magnum.conf
    from magnum.common import config as magnum_config

    conf = magnum.conf.CONF
    conf.set_default("host", "capiform-tests")
    conf.set_default("connection", "sqlite://", group="database")
    magnum_config.parse_args([], default_config_files=[])
    from magnum_capi_helm import conf as _capi_helm_opts  # noqa: F401
    from capiform.magnum import conf as _capiform_opts  # noqa: F401

    conf.set_override("cert_manager_type", "x509keypair", group="certificates")
    conf.set_override("region_name", "RegionOne", group="cinder_client")
    conf.set_override("kubeconfig_file", kubeconfig_path, group="capi_helm")
    if case.get("openstack_ca_pem"):
        ca_path = os.path.join(tmp, "openstack-ca.pem")
        with open(ca_path, "w") as f:
            f.write(case["openstack_ca_pem"])
        conf.set_override("openstack_ca_file", ca_path, group="drivers")
    for group, options in (case.get("config") or {}).items():
        for name, value in options.items():
            conf.set_override(name, value, group=None if group in ("", "DEFAULT") else group)

    from magnum.db.sqlalchemy import models
    from oslo_db.sqlalchemy import enginefacade

    models.Base.metadata.create_all(enginefacade.writer.get_engine())


TEMPLATE_API_DEFAULTS = {
    "coe": "kubernetes", "server_type": "vm", "labels": {}, "tls_disabled": False,
    "public": False, "master_lb_enabled": False, "floating_ip_enabled": True,
    "hidden": False, "registry_enabled": False,
}


def create_template(ctx, spec, cloud: Cloud, driver: str, default_name: str):
    """A ClusterTemplate as the API stores it, for ``driver``."""
    from magnum import objects

    fields = {**TEMPLATE_API_DEFAULTS, **copy.deepcopy(spec)}
    fields.setdefault("name", default_name)
    fields.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, "template/" + fields["name"])))
    fields.setdefault("project_id", ctx.project_id)
    fields.setdefault("user_id", ctx.user_id)
    image = cloud.find_image(fields["image_id"])
    fields.setdefault("cluster_distro", image.os_distro if image else None)
    fields["driver"] = driver
    template = objects.ClusterTemplate(ctx, **fields)
    template.create()
    return template


def new_cluster(ctx, template, spec):
    """The Cluster the API hands to the conductor, and the counts it passes along."""
    from magnum import objects
    from magnum.drivers.common import driver as magnum_driver

    c = copy.deepcopy(spec)
    master_count = c.pop("master_count", 1)
    node_count = c.pop("node_count", 1)
    timeout = c.pop("create_timeout", 60)
    merge_labels = c.pop("merge_labels", False)
    if c.pop("api_defaults", True):
        template_labels = dict(template.labels or {})
        if c.get("labels") and merge_labels:
            c["labels"] = {**template_labels, **c["labels"]}
        elif not c.get("labels"):
            c["labels"] = template_labels
        if c.get("keypair") is None:
            c["keypair"] = template.keypair_id
        for attr in ("floating_ip_enabled", "master_lb_enabled"):
            c.setdefault(attr, getattr(template, attr))
        for attr in ("docker_volume_size", "master_flavor_id", "flavor_id",
                     "fixed_network", "fixed_subnet"):
            c[attr] = c.get(attr) or getattr(template, attr)
        magnum_driver.Driver.get_driver(
            template.server_type, template.cluster_distro, template.coe, template.driver
        ).validate_master_size(master_count)
    c.update(cluster_template_id=template.uuid, coe_version=None, container_version=None)
    c.setdefault("project_id", ctx.project_id)
    c.setdefault("user_id", ctx.user_id)
    c.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"cluster/{c.get('name')}")))
    return objects.Cluster(ctx, **c), master_count, node_count, timeout


def new_nodegroup(ctx, cluster, spec):
    """A NodeGroup as the API builds it for ``POST /clusters/<id>/nodegroups``."""
    from magnum import objects

    n = copy.deepcopy(spec)
    merge_labels = n.pop("merge_labels", False)
    cluster_labels = dict(cluster.labels or {})
    if n.get("labels") is None:
        n["labels"] = cluster_labels
    elif merge_labels:
        n["labels"] = {**cluster_labels, **n["labels"]}
    n.setdefault("image_id", None)
    n["image_id"] = n["image_id"] or cluster.cluster_template.image_id
    n["flavor_id"] = n.get("flavor_id") or cluster.flavor_id
    for key, default in (("role", "worker"), ("node_count", 1), ("min_node_count", 0),
                         ("is_default", False)):
        n.setdefault(key, default)
    n.update(cluster_id=cluster.uuid, project_id=ctx.project_id)
    n.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"nodegroup/{cluster.uuid}/{n['name']}")))
    return objects.NodeGroup(ctx, **n)


# ----------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------

def run(case: Dict[str, Any], driver: str, helm: Optional[str] = None,
        chart: Optional[str] = None, kubeconfig: Optional[str] = None,
        helm_install: bool = False) -> Dict[str, Any]:
    if kubeconfig:
        from real_apiserver import RealKube

        # magnum-capi-helm's kubernetes.Client is a requests.Session whose `verify` is the
        # kubeconfig's CA, but requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE (set on
        # many machines, CI's included) override a Session's `verify`: the server's CA is
        # then ignored and every request fails with CERTIFICATE_VERIFY_FAILED. The driver
        # talks TLS to this server only (OpenStack is answered in process), so they go.
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            os.environ.pop(name, None)
        kube = RealKube(kubeconfig)
    else:
        kube = KubeDouble().start()
    result: Dict[str, Any] = {"driver": driver, "operations": [], "installs": [],
                              "uninstalls": [], "kubernetes": []}
    with tempfile.TemporaryDirectory(prefix="capiform-magnum-") as tmp:
        kubeconfig_path = kubeconfig or os.path.join(tmp, "kubeconfig")
        if not kubeconfig:
            with open(kubeconfig_path, "w") as f:
                json.dump(kube.kubeconfig(), f)
        configure_magnum(case, kubeconfig_path, tmp)
        for obj in case.get("k8s_objects", []):
            kube.preload(obj)
        try:
            _run_operations(case, driver, kube, result,
                            Helm(result, helm, chart, install=helm_install and bool(kubeconfig)))
        finally:
            kube.stop()
    result["kubernetes"] = [r.to_json() for r in kube.requests]
    result["store"] = [o for o in kube.objects()]
    return result


def _patches(cloud: Cloud, helm: Helm, short_ids: List[str]):
    from magnum.common import clients, keystone, short_id
    from magnum.conductor import utils as conductor_utils
    from magnum_capi_helm.common import app_creds

    ids = list(short_ids)
    return [
        mock.patch("magnum.common.utils.execute", helm.execute),
        mock.patch.object(clients.OpenStackClients, "glance", lambda self: Glance(cloud)),
        mock.patch.object(clients.OpenStackClients, "nova", lambda self: Nova(cloud)),
        mock.patch.object(clients.OpenStackClients, "neutron", lambda self: Neutron(cloud)),
        mock.patch.object(clients.OpenStackClients, "cinder", lambda self: Cinder(cloud)),
        mock.patch.object(keystone.KeystoneClientV3, "session", new_callable=mock.PropertyMock,
                          return_value=KeystoneSession(cloud)),
        mock.patch.object(keystone.KeystoneClientV3, "client", new_callable=mock.PropertyMock,
                          return_value=Identity(cloud)),
        mock.patch.object(short_id, "generate_id",
                          lambda: ids.pop(0) if len(ids) > 1 else ids[0]),
        mock.patch.object(app_creds.secrets, "token_hex", lambda n: "0" * (2 * n)),
        mock.patch.object(conductor_utils, "notify_about_cluster_operation",
                          lambda *a, **k: None),
    ]


def _instrument_capiform(result, kube):
    """Record, per install_or_upgrade of the capiform client, the values it got and the
    objects it applied (the double's non-dry-run applies during the call, without the
    release record)."""
    from capiform.lifecycle import record_name
    from capiform.magnum.driver import CapiformClient

    original = CapiformClient.install_or_upgrade

    def install_or_upgrade(self, release_name, chart_ref, *values, namespace, repo=None,
                           version=None):
        from magnum_capi_helm import helm

        first = len(kube.requests)
        # The templates on the server before the call: apply dry-runs each rendered
        # machine or bootstrap template that is not among them once more, to compare it
        # with them (capiform::lifecycle::keep_live_template_names).
        live_before = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in kube.objects()
                             if (o.get("metadata") or {}).get("namespace") == namespace) \
            if getattr(kube, "records_requests", True) else []
        entry = {"release": release_name, "namespace": namespace,
                 "values": helm.mergeconcat({}, *values), "version": version}
        result["installs"].append(entry)
        started = time.perf_counter()
        answer = original(self, release_name, chart_ref, *values, namespace=namespace,
                          repo=repo, version=version)
        entry["seconds"] = time.perf_counter() - started
        entry["revision"] = answer["version"]
        if not getattr(kube, "records_requests", True):
            return answer
        requests = kube.requests[first:]
        entry["dry_runs"] = sum(1 for r in requests if r.method == "PATCH" and r.dry_run)
        entry["dry_run_objects"] = [f"{r.body['kind']}/{r.body['metadata']['name']}"
                                    for r in requests if r.method == "PATCH" and r.dry_run]
        entry["live_before"] = live_before
        entry["applied"] = [r.body for r in requests if r.method == "PATCH" and not r.dry_run
                            and r.body["metadata"]["name"] != record_name(release_name)]
        entry["pruned"] = [r.path for r in requests if r.method == "DELETE"]
        return answer

    def uninstall_release(self, release_name, namespace):
        from capiform.magnum.driver import CapiformClient as C

        report = C._original_uninstall(self, release_name, namespace)
        result["uninstalls"].append({"release": release_name, "namespace": namespace,
                                     "deleted": report.deleted,
                                     "remaining": getattr(report, "remaining", []),
                                     "done": report.done})
        return report

    CapiformClient._original_uninstall = CapiformClient.uninstall_release
    return [mock.patch.object(CapiformClient, "install_or_upgrade", install_or_upgrade),
            mock.patch.object(CapiformClient, "uninstall_release", uninstall_release)]


def _run_operations(case, driver, kube, result, helm):
    from magnum import objects
    from magnum.common import context as magnum_context
    from magnum.conductor.handlers import cluster_conductor, nodegroup_conductor
    from magnum.drivers.common import driver as magnum_driver
    from magnum.objects import fields

    cloud = Cloud(case.get("openstack"))
    who = case.get("context", {})
    ctx = magnum_context.RequestContext(
        auth_token="token", is_admin=False,
        auth_url=who.get("auth_url", "https://keystone.example.com/v3"),
        project_id=who.get("project_id", DEFAULT_PROJECT),
        user_id=who.get("user_id", DEFAULT_USER),
        project_name=who.get("project_name", "demo"),
        user_name=who.get("user_name", "demo"),
        roles=who.get("roles", ["member"]))
    patches = _patches(cloud, helm, case.get("short_ids", ["abcdefghijkl"]))
    if driver == "k8s_capiform_v1":
        patches += _instrument_capiform(result, kube)
    for p in patches:
        p.start()
    try:
        template = create_template(ctx, case["cluster_template"], cloud, driver, "template")
        cluster, master_count, node_count, timeout = new_cluster(ctx, template, case["cluster"])
        groups = {g["name"]: g for g in case.get("nodegroups", [])}
        operations = case.get("operations")
        if operations is None:
            operations = [{"op": "create_cluster"}] + [
                {"op": "create_nodegroup", "nodegroup": name} for name in groups]
        clusters = cluster_conductor.Handler()
        nodegroups = nodegroup_conductor.Handler()

        def current():
            return objects.Cluster.get_by_uuid(ctx, cluster.uuid)

        def group(c, name):
            return objects.NodeGroup.get(ctx, c.uuid, name)

        def driver_of(c):
            return magnum_driver.Driver.get_driver_for_cluster(ctx, c)

        for index, op in enumerate(operations):
            name = op["op"]
            started = time.perf_counter()
            entry = {"index": index, "op": name}
            try:
                if name == "create_cluster":
                    clusters.cluster_create(ctx, cluster, master_count, node_count, timeout)
                elif name == "update_cluster":
                    c = current()
                    clusters.cluster_update(ctx, c, op["node_count"], c.health_status,
                                            c.health_status_reason)
                elif name == "resize_cluster":
                    c = current()
                    ng = group(c, op.get("nodegroup") or c.default_ng_worker.name)
                    if ng.role == "master":
                        driver_of(c).validate_master_resize(op["node_count"])
                    clusters.cluster_resize(ctx, c, op["node_count"],
                                            op.get("nodes_to_remove", []), ng)
                elif name == "upgrade_cluster":
                    c = current()
                    new_template = create_template(ctx, op["cluster_template"], cloud, driver,
                                                   f"template-upgrade-{index}")
                    ng = group(c, op.get("nodegroup") or c.default_ng_worker.name)
                    clusters.cluster_upgrade(ctx, c, new_template, op.get("max_batch_size", 1), ng)
                elif name == "delete_cluster":
                    clusters.cluster_delete(ctx, cluster.uuid)
                elif name == "create_nodegroup":
                    c = current()
                    spec = op.get("spec") or groups[op["nodegroup"]]
                    nodegroups.nodegroup_create(ctx, c, new_nodegroup(ctx, c, spec))
                elif name == "update_nodegroup":
                    c = current()
                    ng = group(c, op["nodegroup"])
                    for key, value in (op.get("changes") or {}).items():
                        setattr(ng, key, value)
                    nodegroups.nodegroup_update(ctx, c, ng)
                elif name == "delete_nodegroup":
                    c = current()
                    nodegroups.nodegroup_delete(ctx, c, group(c, op["nodegroup"]))
                elif name == "rotate_credential":
                    c = current()
                    driver_of(c).rotate_credential(ctx, c)
                elif name == "set_status":
                    c = current()
                    c.status = op["status"]
                    c.save()
                    for ng in c.nodegroups:
                        ng.status = op.get("nodegroup_status", op["status"])
                        ng.save()
                elif name == "update_cluster_status":
                    # Cluster API has finished what was being deleted.
                    entry["deletions_finished"] = kube.finish_deletions()
                    for obj in op.get("k8s_objects", []):
                        kube.preload(obj)
                    for gone in op.get("k8s_delete", []):
                        kube.remove(gone["plural"], gone["name"])
                    _periodic_status(cluster.uuid, entry, fields)
                elif name == "poll_health_status":
                    for obj in op.get("k8s_objects", []):
                        kube.preload(obj)
                    c = current()
                    monitor = driver_of(c).get_monitor(ctx, c)
                    monitor.poll_health_status()
                    entry["monitor_data"] = copy.deepcopy(monitor.data)
                elif name == "snapshot":
                    entry["objects"] = kube.objects()
                else:
                    raise ValueError(f"unknown operation {name!r}")
                entry["ok"] = True
            except Exception as e:  # recorded; the test decides
                entry["ok"] = False
                entry["error"] = f"{type(e).__name__}: {e}"
                if getattr(e, "problems", None):  # capiform's errors list them
                    entry["problems"] = [str(p) for p in e.problems]
            entry["seconds"] = time.perf_counter() - started
            result["operations"].append(entry)
            if not entry["ok"] and not op.get("continue_on_error"):
                break
    finally:
        for p in reversed(patches):
            p.stop()


def _periodic_status(cluster_uuid, entry, fields):
    """What Magnum's periodic sync does for a cluster in an *_IN_PROGRESS state."""
    from magnum import objects
    from magnum.common import context as magnum_context
    from magnum.service import periodic
    from oslo_service import loopingcall

    admin = magnum_context.make_admin_context(all_tenants=True)
    c = objects.Cluster.get_by_uuid(admin, cluster_uuid)
    if not c.status.endswith("_IN_PROGRESS"):
        entry["skipped_by_periodic_filter"] = True
        return
    try:
        periodic.ClusterUpdateJob(admin, c).update_status()
    except loopingcall.LoopingCallDone:
        pass
    entry["status_reported"] = {"status": c.status, "status_reason": c.status_reason}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("--driver", default="k8s_capiform_v1",
                    choices=["k8s_capiform_v1", "k8s_capi_helm_v1"])
    ap.add_argument("--helm", help="helm binary: run `helm template` on each upgrade")
    ap.add_argument("--chart", help="chart directory for --helm")
    ap.add_argument("--kubeconfig", help="a real API server instead of the double")
    ap.add_argument("--helm-install", action="store_true",
                    help="with --kubeconfig, --helm and --chart: run helm for real")
    ap.add_argument("--out", help="result file (default: stdout)")
    a = ap.parse_args(argv)
    import logging

    logging.basicConfig(level=os.environ.get("CAPIFORM_HARNESS_LOGLEVEL", "ERROR"),
                        stream=sys.stderr)
    with open(a.case) as f:
        case = json.load(f)
    result = run(case, a.driver, a.helm, a.chart, a.kubeconfig, a.helm_install)
    text = json.dumps(result, indent=1, default=str)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0 if all(o["ok"] for o in result["operations"]) else 1


if __name__ == "__main__":
    sys.exit(main())
