"""The real test API server (``scripts/test-apiserver``) for the Python tests.

* :func:`unavailable` says why the server cannot run here (no Go, no script, no CRDs);
* :func:`start` / :func:`stop` run ``scripts/test-apiserver start|stop DIR``;
* :class:`Kube` is a small REST client for reading and writing objects on it, from the
  kubeconfig the script prints (its client certificate and CA), standard library only
  besides PyYAML;
* :class:`RealKube` stands in for :class:`kube_double.KubeDouble` in ``magnum_harness.py``
  (``--kubeconfig``): the same methods the harness calls, answered by the real server,
  and records no requests.

>>> kube = Kube(start("/tmp/capi"))                       # doctest: +SKIP
>>> kube.get("/api/v1/namespaces/default")["metadata"]["name"]   # doctest: +SKIP
'default'
"""

import base64
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "scripts", "test-apiserver")
SHARED_CRDS = os.environ.get("CAPIFORM_SHARED_CRDS") or os.path.join(
    os.path.dirname(ROOT), "shared", "crds")


def unavailable() -> Optional[str]:
    """Why the real server cannot be started here, or None."""
    if not os.path.exists(SCRIPT):
        return f"{SCRIPT} is missing"
    if not os.path.isdir(SHARED_CRDS):
        return f"the CRDs ({SHARED_CRDS}) are missing"
    cache = os.environ.get("CAPIFORM_CACHE") or os.path.expanduser("~/.cache/capiform")
    built = any(os.path.exists(os.path.join(cache, d, "complete"))
                for d in (os.listdir(cache) if os.path.isdir(cache) else [])
                if d.startswith("apiserver-"))
    if shutil.which("go") is None and not built:
        return "go is not installed (scripts/test-apiserver builds the server with it)"
    return None


def start(directory: str, timeout: float = 3600) -> str:
    """Start the server on ``directory``; the kubeconfig's path. The first start builds
    the programs (several minutes; cached under ~/.cache/capiform)."""
    done = subprocess.run([SCRIPT, "start", directory], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/test-apiserver start {directory} failed:\n"
                           f"{done.stderr[-4000:]}")
    return done.stdout.strip()


def stop(directory: str) -> None:
    subprocess.run([SCRIPT, "stop", directory], capture_output=True, text=True, timeout=120)


def plural_of(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("s"):
        return lower
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def object_path(api_version: str, plural: str, namespace: Optional[str],
                name: Optional[str] = None) -> str:
    """The REST path of an object (or of a collection when ``name`` is None)."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    if namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{plural}"
    return base + (f"/{name}" if name else "")


class KubeError(Exception):
    def __init__(self, code: int, body: str):
        super().__init__(f"HTTP {code}: {body[:500]}")
        self.code = code


class Kube:
    """A REST client for the server of a kubeconfig (its current context)."""

    def __init__(self, kubeconfig: str):
        import yaml

        with open(kubeconfig) as f:
            config = yaml.safe_load(f)
        context_name = config.get("current-context") or config["contexts"][0]["name"]
        context = next(c["context"] for c in config["contexts"] if c["name"] == context_name)
        cluster = next(c["cluster"] for c in config["clusters"]
                       if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        self.server = cluster["server"].rstrip("/")
        self._tmp = tempfile.mkdtemp(prefix="capiform-kube-")
        self._ssl = ssl.create_default_context(cadata=base64.b64decode(
            cluster["certificate-authority-data"]).decode())
        cert, key = (os.path.join(self._tmp, n) for n in ("client.crt", "client.key"))
        for path, field in ((cert, "client-certificate-data"), (key, "client-key-data")):
            with open(path, "wb") as f:
                f.write(base64.b64decode(user[field]))
        self._ssl.load_cert_chain(cert, key)

    def close(self):
        shutil.rmtree(self._tmp, ignore_errors=True)

    def request(self, method: str, path: str, body: Any = None,
                content_type: str = "application/json", query: Optional[Dict] = None):
        url = self.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": content_type,
                                              "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=60) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as e:
            raise KubeError(e.code, e.read().decode()) from None
        return json.loads(text) if text else None

    def get(self, path: str) -> Optional[Dict[str, Any]]:
        """The object at ``path``, or None when the server answers 404."""
        try:
            return self.request("GET", path)
        except KubeError as e:
            if e.code == 404:
                return None
            raise

    def items(self, path: str, **query) -> List[Dict[str, Any]]:
        answer = self.get(path + ("?" + urllib.parse.urlencode(query) if query else ""))
        return (answer or {}).get("items", [])

    def apply(self, obj: Dict[str, Any], manager: str = "tests",
              plural: Optional[str] = None) -> Dict[str, Any]:
        """Server-side apply of ``obj`` (forced) as ``manager``."""
        meta = obj["metadata"]
        path = object_path(obj["apiVersion"], plural or plural_of(obj["kind"]),
                           meta.get("namespace"), meta["name"])
        return self.request("PATCH", path, obj, "application/apply-patch+yaml",
                            {"fieldManager": manager, "force": "true"})

    def delete(self, path: str) -> None:
        try:
            self.request("DELETE", path)
        except KubeError as e:
            if e.code != 404:
                raise

    def wait_gone(self, path: str, timeout: float = 240) -> float:
        """Wait until ``path`` answers 404 (e.g. Cluster API finishing a deletion);
        seconds waited."""
        started = time.monotonic()
        while self.get(path) is not None:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{path} still there after {timeout:.0f}s")
            time.sleep(1)
        return time.monotonic() - started


# The kinds a Magnum cluster is made of, for snapshots of the management cluster.
SNAPSHOT_KINDS = [
    ("cluster.x-k8s.io/v1beta1", "clusters"),
    ("cluster.x-k8s.io/v1beta1", "machinedeployments"),
    ("cluster.x-k8s.io/v1beta1", "machinehealthchecks"),
    ("controlplane.cluster.x-k8s.io/v1beta1", "kubeadmcontrolplanes"),
    ("bootstrap.cluster.x-k8s.io/v1beta1", "kubeadmconfigtemplates"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "openstackclusters"),
    ("infrastructure.cluster.x-k8s.io/v1beta1", "openstackmachinetemplates"),
    ("addons.stackhpc.com/v1alpha1", "helmreleases"),
    ("addons.stackhpc.com/v1alpha1", "manifests"),
    ("apps/v1", "deployments"),
    ("v1", "secrets"),
]


class RealKube:
    """What ``magnum_harness.py`` asks of its Kubernetes, answered by a real server."""

    records_requests = False

    def __init__(self, kubeconfig: str):
        self.kubeconfig_path = kubeconfig
        self.client = Kube(kubeconfig)
        self.requests: List[Any] = []

    def start(self):
        return self

    def stop(self):
        self.client.close()

    def preload(self, obj: Dict[str, Any]):
        obj = dict(obj)
        plural = obj.pop("plural", None)
        obj.pop("status", None)
        self.client.apply(obj, "magnum-harness", plural)

    def remove(self, plural: str, name: str):
        for api_version, p in SNAPSHOT_KINDS:
            if p == plural:
                for o in self.client.items(object_path(api_version, plural, None)):
                    if o["metadata"]["name"] == name:
                        self.client.delete(object_path(api_version, plural,
                                                       o["metadata"]["namespace"], name))

    def finish_deletions(self, timeout: float = 240) -> List[str]:
        """Wait until Cluster API has finished deleting every Cluster being deleted."""
        finished = []
        for c in self.client.items("/apis/cluster.x-k8s.io/v1beta1/clusters"):
            meta = c["metadata"]
            if meta.get("deletionTimestamp"):
                self.client.wait_gone(object_path("cluster.x-k8s.io/v1beta1", "clusters",
                                                  meta["namespace"], meta["name"]), timeout)
                finished.append(f"clusters/{meta['name']}")
        return finished

    def objects(self, namespace_prefix: str = "magnum-") -> List[Dict[str, Any]]:
        """The objects of :data:`SNAPSHOT_KINDS` in namespaces named ``magnum-*``."""
        found = []
        for api_version, plural in SNAPSHOT_KINDS:
            for o in self.client.items(object_path(api_version, plural, None)):
                if o["metadata"].get("namespace", "").startswith(namespace_prefix):
                    o.setdefault("apiVersion", api_version)
                    o["plural"] = plural
                    found.append(o)
        return found
