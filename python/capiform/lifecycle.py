"""The release lifecycle on the management cluster: apply, status, uninstall.

A release is the set of objects one render produced, applied with server-side apply
(field manager ``capiform``) and remembered in a record Secret
``capiform-release-<release>`` (labelled ``capiform.dev/release=<release>``) that lists
them (the inventory) with the revision and the template set. The record is what makes
prune and uninstall exact: an object leaves the cluster only when a release that applied
it no longer renders it, or is uninstalled.

* :func:`apply` renders the values (reading the live etcd key Secret), sends every
  object as a server-side dry run first (nothing changes when one is refused), then
  applies them stage by stage (Secrets and RBAC, infrastructure,
  control plane, Cluster, workers, autoscaler, addons), writes the record, and deletes
  what the previous revision applied and this one no longer renders (prune). Objects
  annotated ``helm.sh/resource-policy: keep`` (machine templates still referenced by
  old machine sets, the OpenStackCluster, the cloud credentials) are left to uninstall.
* :func:`uninstall` is ordered: while the ``Cluster`` exists it deletes everything but
  the kept objects (addons first, the Cluster last) and reports them as remaining; once
  the Cluster is gone (Cluster API has released the cloud resources with the kept
  credentials) the next call deletes the kept objects and the record. Call it again
  until ``done`` is true; each call is idempotent.
* :func:`status` reads the record and which of its objects exist.

``kubeconfig`` is a path or an already loaded dict; the current context is used. This
module talks to the API server with ``requests`` (bearer token, client certificates,
CA bundle); the engine's own Kubernetes client replaces it behind the same functions.
"""

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from .errors import KubernetesError, Problem

Kubeconfig = Union[str, "os.PathLike[str]", Dict[str, Any]]

FIELD_MANAGER = "capiform"
RECORD_LABEL = "capiform.dev/release"
KEEP_ANNOTATION = "helm.sh/resource-policy"

# Apply order by kind; unknown kinds go with the addons (last).
_STAGES: Tuple[Tuple[str, ...], ...] = (
    ("Namespace",),
    ("Secret", "ConfigMap", "ServiceAccount", "Role", "RoleBinding"),
    ("OpenStackCluster", "OpenStackMachineTemplate", "KubeadmConfigTemplate"),
    ("KubeadmControlPlane",),
    ("Cluster",),
    ("MachineDeployment", "MachineHealthCheck"),
    ("Deployment",),
)
_STAGE_OF = {kind: i for i, kinds in enumerate(_STAGES) for kind in kinds}


def _stage(kind: str) -> int:
    return _STAGE_OF.get(kind, len(_STAGES))


def _plural(kind: str) -> str:
    """The resource name of a kind (``KubeadmControlPlane`` -> ``kubeadmcontrolplanes``)."""
    lower = kind.lower()
    if lower.endswith("s"):
        return lower
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def _is_kept(obj: Dict[str, Any]) -> bool:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return annotations.get(KEEP_ANNOTATION) == "keep"


@dataclass(frozen=True)
class Ref:
    """One object of a release: apiVersion, kind, name (in the release namespace)."""

    api_version: str
    kind: str
    name: str
    kept: bool = False

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @staticmethod
    def of(obj: Dict[str, Any]) -> "Ref":
        return Ref(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], _is_kept(obj))

    def to_json(self) -> Dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, "name": self.name,
                "kept": self.kept}

    @staticmethod
    def from_json(d: Dict[str, Any]) -> "Ref":
        return Ref(d["apiVersion"], d["kind"], d["name"], bool(d.get("kept")))


@dataclass
class ApplyReport:
    """What :func:`apply` did."""

    revision: int
    applied: List[str] = field(default_factory=list)
    pruned: List[str] = field(default_factory=list)


@dataclass
class UninstallReport:
    """What :func:`uninstall` did; ``done`` once nothing of the release is left."""

    deleted: List[str] = field(default_factory=list)
    remaining: List[str] = field(default_factory=list)
    done: bool = False


class _Api:
    """The few REST calls the lifecycle needs, against one API server."""

    def __init__(self, kubeconfig: Kubeconfig):
        import requests

        config = _load_kubeconfig(kubeconfig)
        cluster, user = _current(config)
        self.server = cluster["server"].rstrip("/")
        self.session = requests.Session()
        self._files: List[str] = []
        if cluster.get("insecure-skip-tls-verify"):
            self.session.verify = False
        else:
            ca = self._file(cluster, "certificate-authority")
            if ca:
                self.session.verify = ca
        cert, key = self._file(user, "client-certificate"), self._file(user, "client-key")
        if cert and key:
            self.session.cert = (cert, key)
        elif user.get("token"):
            self.session.headers["Authorization"] = f"Bearer {user['token']}"
        elif user.get("tokenFile"):
            with open(user["tokenFile"]) as f:
                self.session.headers["Authorization"] = f"Bearer {f.read().strip()}"

    def _file(self, section: Dict[str, Any], key: str) -> Optional[str]:
        """A path for ``key`` or ``key-data`` (written to a private temporary file)."""
        if section.get(key):
            return section[key]
        data = section.get(key + "-data")
        if not data:
            return None
        fd, path = tempfile.mkstemp(prefix="capiform-kube-")
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(data))
        self._files.append(path)
        return path

    def close(self) -> None:
        self.session.close()
        for path in self._files:
            try:
                os.unlink(path)
            except OSError:
                pass

    def url(self, api_version: str, kind: str, namespace: str, name: Optional[str] = None) -> str:
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        path = f"{self.server}{base}/namespaces/{namespace}/{_plural(kind)}"
        return f"{path}/{name}" if name else path

    def _check(self, resp, what: str):
        if resp.status_code >= 400:
            try:
                message = resp.json().get("message") or resp.reason
            except ValueError:
                message = resp.reason
            raise KubernetesError(
                f"{what}: {resp.status_code} {message}",
                [Problem(what, f"{resp.status_code} {message}")],
            )
        return resp

    def get(self, ref: Ref, namespace: str) -> Optional[Dict[str, Any]]:
        resp = self.session.get(self.url(ref.api_version, ref.kind, namespace, ref.name))
        if resp.status_code == 404:
            return None
        return self._check(resp, f"get {ref}").json()

    def apply(self, obj: Dict[str, Any], namespace: str, dry_run: bool) -> None:
        ref = Ref.of(obj)
        params = {"fieldManager": FIELD_MANAGER, "force": "true"}
        if dry_run:
            params["dryRun"] = "All"
        resp = self.session.patch(
            self.url(ref.api_version, ref.kind, namespace, ref.name),
            params=params,
            data=json.dumps(obj),
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
        self._check(resp, f"{'dry-run ' if dry_run else ''}apply {ref}")

    def delete(self, ref: Ref, namespace: str) -> bool:
        resp = self.session.delete(
            self.url(ref.api_version, ref.kind, namespace, ref.name),
            params={"propagationPolicy": "Background"},
        )
        if resp.status_code == 404:
            return False
        self._check(resp, f"delete {ref}")
        return True


def _load_kubeconfig(kubeconfig: Kubeconfig) -> Dict[str, Any]:
    if isinstance(kubeconfig, dict):
        return kubeconfig
    import yaml

    with open(kubeconfig) as f:
        return yaml.safe_load(f)


def _current(config: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The cluster and user sections of the current context (or the only context)."""
    contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
    name = config.get("current-context") or next(iter(contexts), None)
    if name not in contexts:
        raise KubernetesError(
            f"kubeconfig: no context {name!r}",
            [Problem("current-context", f"no context named {name!r} in the kubeconfig")],
        )
    ctx = contexts[name]
    clusters = {c["name"]: c["cluster"] for c in config.get("clusters") or []}
    users = {u["name"]: u["user"] for u in config.get("users") or []}
    if ctx.get("cluster") not in clusters:
        raise KubernetesError(
            "kubeconfig: unknown cluster",
            [Problem(f"contexts[{name}].cluster", f"no cluster named {ctx.get('cluster')!r}")],
        )
    return clusters[ctx["cluster"]], users.get(ctx.get("user"), {})


def record_name(release: str) -> str:
    """The name of the Secret that records a release."""
    return f"capiform-release-{release}"


def _record_ref(release: str) -> Ref:
    return Ref("v1", "Secret", record_name(release))


def _read_record(api: _Api, release: str, namespace: str) -> Optional[Dict[str, Any]]:
    secret = api.get(_record_ref(release), namespace)
    if secret is None:
        return None
    data = secret.get("data") or {}
    if "release" in data:
        return json.loads(base64.b64decode(data["release"]))
    if "release" in (secret.get("stringData") or {}):
        return json.loads(secret["stringData"]["release"])
    return None


def _write_record(api: _Api, release: str, namespace: str, record: Dict[str, Any]) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": record_name(release),
            "namespace": namespace,
            "labels": {RECORD_LABEL: release},
        },
        "type": "capiform.dev/release.v1",
        "data": {"release": base64.b64encode(json.dumps(record).encode()).decode()},
    }
    api.apply(secret, namespace, dry_run=False)


def _in_stage_order(objects: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return sorted(objects, key=lambda o: _stage(o["kind"]))  # stable: render order within


def apply(
    release: str,
    namespace: str,
    values: Any,
    *,
    kubeconfig: Kubeconfig,
    template_version: Optional[str] = None,
    templates_dir: Optional[str] = None,
    prune: bool = True,
) -> ApplyReport:
    """Render ``values`` (as :func:`capiform.render` does, reading the release's live
    etcd key Secret) and apply the objects as the next revision of ``release``: a dry
    run of every object first, then the apply stage by stage, the record, the prune."""
    import capiform

    api = _Api(kubeconfig)
    try:
        existing = api.get(Ref("v1", "Secret", f"{release}-etcd-key"), namespace)
        objects = capiform.render(
            release, namespace, values, template_version=template_version,
            templates_dir=templates_dir, existing=[existing] if existing else [])
        template_set = capiform.template_set_id(template_version, templates_dir)
        return _apply_objects(api, release, namespace, objects, template_set, prune)
    finally:
        api.close()


def _apply_objects(
    api: _Api,
    release: str,
    namespace: str,
    objects: List[Dict[str, Any]],
    template_set: str,
    prune: bool,
) -> ApplyReport:
    previous = _read_record(api, release, namespace) or {"revision": 0, "inventory": []}
    ordered = _in_stage_order(objects)
    refused: List[Problem] = []
    for obj in ordered:
        try:
            api.apply(obj, namespace, dry_run=True)
        except KubernetesError as e:
            refused.extend(e.problems)
    if refused:
        raise KubernetesError(
            f"the server refused {len(refused)} object(s) in a dry run; nothing was applied",
            refused,
        )
    report = ApplyReport(revision=previous["revision"] + 1)
    for obj in ordered:
        api.apply(obj, namespace, dry_run=False)
        report.applied.append(str(Ref.of(obj)))
    current = [Ref.of(o) for o in ordered]
    _write_record(api, release, namespace, {
        "revision": report.revision,
        "templateSet": template_set,
        "inventory": [r.to_json() for r in current],
    })
    if prune:
        wanted = {(r.api_version, r.kind, r.name) for r in current}
        gone = [Ref.from_json(d) for d in previous["inventory"]]
        gone = [r for r in gone if (r.api_version, r.kind, r.name) not in wanted and not r.kept]
        for ref in sorted(gone, key=lambda r: _stage(r.kind), reverse=True):
            if api.delete(ref, namespace):
                report.pruned.append(str(ref))
    return report


def uninstall(release: str, namespace: str, *, kubeconfig: Kubeconfig) -> UninstallReport:
    """One step of the ordered uninstall of ``release``; see the module docs."""
    api = _Api(kubeconfig)
    try:
        record = _read_record(api, release, namespace)
        if record is None:
            return UninstallReport(done=True)
        refs = [Ref.from_json(d) for d in record["inventory"]]
        cluster_exists = any(r.kind == "Cluster" and api.get(r, namespace) for r in refs)
        report = UninstallReport()
        for ref in sorted(refs, key=lambda r: _stage(r.kind), reverse=True):
            if cluster_exists and ref.kept:
                report.remaining.append(str(ref))
            elif api.delete(ref, namespace):
                report.deleted.append(str(ref))
        if cluster_exists:
            report.remaining.append(str(_record_ref(release)))
        else:
            api.delete(_record_ref(release), namespace)
            report.done = True
        return report
    finally:
        api.close()


def status(release: str, namespace: str, *, kubeconfig: Kubeconfig) -> Optional[Dict[str, Any]]:
    """The record of ``release`` with, per object, whether it exists; ``None`` when the
    release is not installed."""
    api = _Api(kubeconfig)
    try:
        record = _read_record(api, release, namespace)
        if record is None:
            return None
        objects = []
        for d in record["inventory"]:
            ref = Ref.from_json(d)
            objects.append({**ref.to_json(), "present": api.get(ref, namespace) is not None})
        return {"release": release, "namespace": namespace, "revision": record["revision"],
                "templateSet": record.get("templateSet"), "objects": objects}
    finally:
        api.close()
