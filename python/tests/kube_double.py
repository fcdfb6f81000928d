"""A Kubernetes API server test double on 127.0.0.1, for the Magnum driver tests.

Serves the requests a Magnum Cluster API driver and capiform's lifecycle make, over real
HTTP, so that every client (magnum-capi-helm's ``requests`` client, capiform's) reaches it
through a kubeconfig:

* ``PATCH`` server-side apply (``application/apply-patch+yaml``): with ``dryRun=All``
  answers the object and stores nothing; otherwise stores it (``stringData`` of a Secret
  becomes base64 ``data``, as the API server does);
* discovery, as kube-apiserver answers it: ``GET /api`` (APIVersions), ``GET /apis``
  (APIGroupList), ``GET /apis/GROUP`` (APIGroup: versions, preferredVersion) and
  ``GET /api/v1``, ``GET /apis/GROUP/VERSION`` (APIResourceList), from :data:`SERVED`
  (a management cluster with Cluster API >= 1.11, which serves its groups at v1beta1
  and v1beta2, CAPO, the addon provider) and the kinds preloaded; a resource, version
  or group not served answers 404 without ``details``, as kube-apiserver does;
* ``GET`` one object (404 ``NotFound`` with ``details.name`` when absent) or a list,
  filtered by ``labelSelector`` (``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k``);
* ``DELETE`` one object (404 as for ``GET`` when absent) or a collection by
  ``labelSelector``; objects
  of the plurals in ``finalized`` (``clusters`` by default: Cluster API deletes a cluster
  over minutes) only get a ``deletionTimestamp`` and stay until
  :meth:`KubeDouble.finish_deletions` (the controller being done);
* ``POST`` creates.

Every request is recorded (method, path, query, body, whether it was a dry run), with a
sequence number shared by the whole process. Objects are kept by
``(apiVersion, plural, namespace, name)``; there is no field ownership, admission,
schema validation or conversion: an apply replaces the stored object, and an object is
read back only at the version it was written at.
"""

import base64
import copy
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

Key = Tuple[str, str, Optional[str], str]

SEQ = itertools.count(1)

# What the double serves: ``(group, version) -> [(plural, kind, namespaced)]`` ("" is the
# core group). The versions of a group are listed in kube-apiserver's order, the preferred
# (highest priority) first: Cluster API >= 1.11 serves its groups at v1beta2 and v1beta1.
_CAPI = {
    "cluster.x-k8s.io": [("clusters", "Cluster"), ("machinedeployments", "MachineDeployment"),
                         ("machinehealthchecks", "MachineHealthCheck"),
                         ("machinesets", "MachineSet"), ("machines", "Machine")],
    "controlplane.cluster.x-k8s.io": [("kubeadmcontrolplanes", "KubeadmControlPlane")],
    "bootstrap.cluster.x-k8s.io": [("kubeadmconfigtemplates", "KubeadmConfigTemplate"),
                                   ("kubeadmconfigs", "KubeadmConfig")],
}
SERVED: Dict[Tuple[str, str], List[Tuple[str, str, bool]]] = {
    ("", "v1"): [("namespaces", "Namespace", False), ("secrets", "Secret", True),
                 ("configmaps", "ConfigMap", True),
                 ("serviceaccounts", "ServiceAccount", True)],
    ("apps", "v1"): [("deployments", "Deployment", True)],
    ("rbac.authorization.k8s.io", "v1"): [
        ("roles", "Role", True), ("rolebindings", "RoleBinding", True),
        ("clusterroles", "ClusterRole", False),
        ("clusterrolebindings", "ClusterRoleBinding", False)],
    **{(group, version): [(plural, kind, True) for plural, kind in kinds]
       for group, kinds in _CAPI.items() for version in ("v1beta2", "v1beta1")},
    ("infrastructure.cluster.x-k8s.io", "v1beta1"): [
        ("openstackclusters", "OpenStackCluster", True),
        ("openstackmachinetemplates", "OpenStackMachineTemplate", True),
        ("openstackmachines", "OpenStackMachine", True)],
    ("addons.stackhpc.com", "v1alpha1"): [("helmreleases", "HelmRelease", True),
                                          ("manifests", "Manifests", True)],
}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def plural_of(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("s"):
        return lower
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def split_path(path: str) -> Optional[Tuple[str, str, Optional[str], Optional[str]]]:
    """``(apiVersion, plural, namespace, name)`` of a REST path of a resource (``None``
    for any other path: discovery, or nothing the API server knows)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "api":
        api_version, rest = parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 2:  # a subresource (status, scale): not served by the double
        return None
    return api_version, rest[0], namespace, (rest[1] if len(rest) > 1 else None)


def group_version(api_version: str) -> Tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def status(code: int, reason: str, message: str, **details: str) -> Dict[str, Any]:
    """A ``Status`` body as kube-apiserver answers an error."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


def not_served() -> Tuple[int, Dict[str, Any]]:
    """A path the server does not serve (a group, version or resource it does not know):
    404 without ``details``, which clients read as "not served", not "object absent"."""
    return 404, status(404, "NotFound", "the server could not find the requested resource")


def not_found(api_version: str, plural: str, name: str) -> Tuple[int, Dict[str, Any]]:
    """A named object that does not exist: 404 naming it in ``details``."""
    group, _ = group_version(api_version)
    what = f"{plural}.{group}" if group else plural
    details = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return 404, status(404, "NotFound", f'{what} "{name}" not found', **details)


def selector_matches(obj: Dict[str, Any], selector: str) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k) != v:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


@dataclass
class Request:
    seq: int
    method: str
    path: str
    params: Dict[str, str]
    body: Any = None
    dry_run: bool = False
    status: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {"seq": self.seq, "method": self.method, "path": self.path,
                "params": self.params, "body": self.body, "dry_run": self.dry_run,
                "status": self.status}


@dataclass
class KubeDouble:
    store: Dict[Key, Dict[str, Any]] = field(default_factory=dict)
    requests: List[Request] = field(default_factory=list)
    finalized: Tuple[str, ...] = ("clusters",)

    served: Dict[Tuple[str, str], List[Tuple[str, str, bool]]] = field(
        default_factory=lambda: copy.deepcopy(SERVED), repr=False)

    def __post_init__(self):
        self._lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as API servers do

            def setup(self):
                super().setup()
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                try:
                    code, body = double.handle(self)
                except Exception as e:  # a bug of the double: say so rather than hang up
                    code, body = 500, status(500, "InternalError",
                                             f"test double: {type(e).__name__}: {e}")
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> "KubeDouble":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def kubeconfig(self) -> Dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "double",
            "contexts": [{"name": "double", "context": {"cluster": "double", "user": "driver"}}],
            "clusters": [{"name": "double", "cluster": {"server": self.url}}],
            "users": [{"name": "driver", "user": {"token": "test-token"}}],
        }

    # -- data ------------------------------------------------------------------
    def preload(self, obj: Dict[str, Any]) -> None:
        """Store an object; its kind is served from then on if it was not."""
        obj = copy.deepcopy(obj)
        plural = obj.pop("plural", None) or plural_of(obj["kind"])
        md = obj.setdefault("metadata", {})
        with self._lock:
            resources = self.served.setdefault(group_version(obj["apiVersion"]), [])
            if not any(r[0] == plural for r in resources):
                resources.append((plural, obj["kind"], md.get("namespace") is not None))
            self.store[(obj["apiVersion"], plural, md.get("namespace"), md["name"])] = obj

    def remove(self, plural: str, name: str) -> None:
        with self._lock:
            for key in [k for k in self.store if k[1] == plural and k[3] == name]:
                del self.store[key]

    def finish_deletions(self) -> List[str]:
        """Remove the objects whose deletion was pending; their ``Kind/name``."""
        with self._lock:
            done = [k for k, o in self.store.items()
                    if (o.get("metadata") or {}).get("deletionTimestamp")]
            for key in done:
                del self.store[key]
        return [f"{k[1]}/{k[3]}" for k in done]

    def objects(self, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(o) for o in self.store.values()
                    if kind is None or o.get("kind") == kind]

    # -- requests --------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> Tuple[int, Any]:
        url = urlsplit(h.path)
        params = dict(parse_qsl(url.query))
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length)) if length else None
        req = Request(next(SEQ), h.command, url.path, params, body,
                      dry_run=params.get("dryRun") == "All")
        if h.headers.get("Authorization") != "Bearer test-token":
            req.status = 401
            self.requests.append(req)
            return 401, status(401, "Unauthorized", "Unauthorized")
        with self._lock:
            resource = split_path(url.path)
            if resource is None:
                code, answer = self._discovery(req, h)
            elif not self._serves(*resource):
                code, answer = not_served()
            else:
                code, answer = self._answer(req, *resource)
            req.status = code
            self.requests.append(req)
        return code, answer

    # -- discovery -------------------------------------------------------------
    def _groups(self) -> Dict[str, List[str]]:
        """The named groups and their versions, preferred first."""
        groups: Dict[str, List[str]] = {}
        for group, version in self.served:
            if group:
                groups.setdefault(group, []).append(version)
        return groups

    def _api_group(self, name: str, versions: List[str]) -> Dict[str, Any]:
        listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": listed,
                "preferredVersion": listed[0]}

    def _resource_list(self, group: str, version: str) -> Dict[str, Any]:
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version,
                "resources": [{"name": plural, "singularName": kind.lower(),
                               "namespaced": namespaced, "kind": kind, "verbs": VERBS}
                              for plural, kind, namespaced in self.served[(group, version)]]}

    def _discovery(self, req: Request, h: BaseHTTPRequestHandler) -> Tuple[int, Any]:
        """``GET /api``, ``/api/v1``, ``/apis``, ``/apis/GROUP``, ``/apis/GROUP/VERSION``."""
        parts = [p for p in urlsplit(h.path).path.split("/") if p]
        if req.method != "GET":
            return 405, status(405, "MethodNotAllowed", f"{req.method} is not allowed here")
        if parts == ["api"]:
            host, port = self._server.server_address[:2]
            return 200, {"kind": "APIVersions",
                         "versions": [v for g, v in self.served if not g],
                         "serverAddressByClientCIDRs": [
                             {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{host}:{port}"}]}
        if parts == ["apis"]:
            return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                         "groups": [{k: v for k, v in self._api_group(g, vs).items()
                                     if k not in ("kind", "apiVersion")}
                                    for g, vs in self._groups().items()]}
        if len(parts) == 2 and parts[0] == "apis" and parts[1] in self._groups():
            return 200, self._api_group(parts[1], self._groups()[parts[1]])
        if len(parts) == 2 and parts[0] == "api" and ("", parts[1]) in self.served:
            return 200, self._resource_list("", parts[1])
        if len(parts) == 3 and parts[0] == "apis" and (parts[1], parts[2]) in self.served:
            return 200, self._resource_list(parts[1], parts[2])
        return not_served()

    def _serves(self, api_version: str, plural: str, namespace: Optional[str],
                name: Optional[str]) -> bool:
        """Whether the resource of a path is served (in a namespace when it is namespaced;
        a namespaced kind may be listed across namespaces)."""
        for p, _, namespaced in self.served.get(group_version(api_version), []):
            if p == plural:
                return namespaced or namespace is None
        return False

    def _answer(self, req, api_version, plural, namespace, name):
        key = (api_version, plural, namespace, name)
        if req.method in ("PATCH", "PUT", "POST"):
            obj = copy.deepcopy(req.body)
            if req.method == "POST":
                name = obj["metadata"]["name"]
                key = (api_version, plural, namespace, name)
            if namespace:
                obj.setdefault("metadata", {})["namespace"] = namespace
            if obj.get("kind") == "Secret" and "stringData" in obj:
                data = obj.setdefault("data", {})
                for k, v in obj.pop("stringData").items():
                    data[k] = base64.b64encode(v.encode()).decode()
            if not req.dry_run:
                self.store[key] = obj
            return 200, obj
        if req.method == "GET":
            if name:
                if key in self.store:
                    return 200, self.store[key]
                return not_found(api_version, plural, name)
            sel = req.params.get("labelSelector", "")
            items = [o for (av, pl, ns, _), o in sorted(self.store.items())
                     if av == api_version and pl == plural and ns == namespace
                     and selector_matches(o, sel)]
            return 200, {"kind": "List", "items": items, "metadata": {"continue": ""}}
        if req.method == "DELETE":
            if name:
                if key not in self.store:
                    return not_found(api_version, plural, name)
                if plural in self.finalized:
                    md = self.store[key].setdefault("metadata", {})
                    md.setdefault("deletionTimestamp", "2026-01-01T00:00:00Z")
                    return 200, self.store[key]
                del self.store[key]
                return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Success", "details": {"name": name, "kind": plural}}
            sel = req.params.get("labelSelector", "")
            for k in [k for k, o in self.store.items()
                      if k[0] == api_version and k[1] == plural and k[2] == namespace
                      and selector_matches(o, sel)]:
                del self.store[k]
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                         "status": "Success"}
        return 405, status(405, "MethodNotAllowed", f"{req.method} is not supported by the double")
