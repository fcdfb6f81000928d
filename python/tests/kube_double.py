"""A Kubernetes API server test double on 127.0.0.1, for the Magnum driver tests.

Serves the requests a Magnum Cluster API driver and capiform's lifecycle make, over real
HTTP, so that every client (magnum-capi-helm's ``requests`` client, capiform's) reaches it
through a kubeconfig:

* ``PATCH`` server-side apply (``application/apply-patch+yaml``): with ``dryRun=All``
  answers the object and stores nothing; otherwise stores it (``stringData`` of a Secret
  becomes base64 ``data``, as the API server does);
* ``GET`` one object (404 when absent) or a list, filtered by ``labelSelector``
  (``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k``);
* ``DELETE`` one object (404 when absent) or a collection by ``labelSelector``; objects
  of the plurals in ``finalized`` (``clusters`` by default: Cluster API deletes a cluster
  over minutes) only get a ``deletionTimestamp`` and stay until
  :meth:`KubeDouble.finish_deletions` (the controller being done);
* ``POST`` creates.

Every request is recorded (method, path, query, body, whether it was a dry run), with a
sequence number shared by the whole process. Objects are kept by
``(apiVersion, plural, namespace, name)``; there is no field ownership, admission or
schema validation: an apply replaces the stored object.
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


def plural_of(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("s"):
        return lower
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def split_path(path: str) -> Tuple[str, str, Optional[str], Optional[str]]:
    """``(apiVersion, plural, namespace, name)`` of a REST path."""
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "api":
        api_version, rest = parts[1], parts[2:]
    else:
        api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    return api_version, rest[0], namespace, (rest[1] if len(rest) > 1 else None)


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
                status, body = double.handle(self)
                data = json.dumps(body).encode()
                self.send_response(status)
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
        obj = copy.deepcopy(obj)
        plural = obj.pop("plural", None) or plural_of(obj["kind"])
        md = obj.setdefault("metadata", {})
        with self._lock:
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
            return 401, {"kind": "Status", "code": 401, "message": "Unauthorized"}
        api_version, plural, namespace, name = split_path(url.path)
        with self._lock:
            status, answer = self._answer(req, api_version, plural, namespace, name)
            req.status = status
            self.requests.append(req)
        return status, answer

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
                return 404, {"kind": "Status", "code": 404, "reason": "NotFound",
                             "message": f"{plural} {name!r} not found"}
            sel = req.params.get("labelSelector", "")
            items = [o for (av, pl, ns, _), o in sorted(self.store.items())
                     if av == api_version and pl == plural and ns == namespace
                     and selector_matches(o, sel)]
            return 200, {"kind": "List", "items": items, "metadata": {"continue": ""}}
        if req.method == "DELETE":
            if name:
                if key not in self.store:
                    return 404, {"kind": "Status", "code": 404, "reason": "NotFound"}
                if plural in self.finalized:
                    md = self.store[key].setdefault("metadata", {})
                    md.setdefault("deletionTimestamp", "2026-01-01T00:00:00Z")
                    return 200, self.store[key]
                del self.store[key]
                return 200, {"kind": "Status", "status": "Success"}
            sel = req.params.get("labelSelector", "")
            for k in [k for k, o in self.store.items()
                      if k[0] == api_version and k[1] == plural and k[2] == namespace
                      and selector_matches(o, sel)]:
                del self.store[k]
            return 200, {"kind": "Status", "status": "Success"}
        return 405, {"kind": "Status", "code": 405}
