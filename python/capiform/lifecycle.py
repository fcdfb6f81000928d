"""The release lifecycle on the management cluster: apply, status, uninstall.

These functions are the engine's lifecycle (Rust, kube-rs), called without the GIL:

* :func:`apply` renders the values (reading the release's etcd encryption key Secret
  from the cluster, creating it first when encryption is on and there is none), sends
  every object as a server-side dry run (nothing changes when one is refused; the error
  lists every refusal), then applies them with server-side apply in stages (Secrets and
  RBAC, infrastructure, control plane, Cluster, workers, autoscaler, addons), a few
  requests in flight per stage. The release is an ApplySet: its parent Secret
  ``capiform-release-<release>`` records each revision (values, template set, engine)
  and lists the kinds of its members; what the previous revision applied and this one
  no longer renders is deleted (prune), machine and config templates only once Cluster
  API no longer references them.
* :func:`uninstall` is ordered and does not block: it deletes the ``Cluster`` and, while
  Cluster API is still deleting it (the machines and cloud resources, with the
  credentials), returns with ``done`` false; the next call, once the Cluster is gone,
  deletes the other objects (addons first, the credentials Secret last, which
  ``helm uninstall`` would leave behind), the etcd key and the record.
* :func:`status` reads the Cluster, control plane, MachineDeployments and addons.

``kubeconfig`` is a path or an already loaded dict; ``context`` picks a context (default:
the current one).
"""

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Union

from . import _native
from .errors import from_native

Kubeconfig = Union[str, "os.PathLike[str]", Dict[str, Any]]


@dataclass
class ApplyReport:
    """What :func:`apply` did; objects as ``Kind/name``."""

    revision: int
    applied: List[str] = field(default_factory=list)
    pruned: List[str] = field(default_factory=list)
    kept: List[str] = field(default_factory=list)


@dataclass
class UninstallReport:
    """What one :func:`uninstall` call deleted; ``done`` once nothing is left."""

    deleted: List[str] = field(default_factory=list)
    done: bool = False


def record_name(release: str) -> str:
    """The name of the Secret that records a release (the ApplySet's parent)."""
    return f"capiform-release-{release}"


def _ref(r: Dict[str, str]) -> str:
    return f"{r['kind']}/{r['name']}"


@contextlib.contextmanager
def _kubeconfig_path(kubeconfig: Kubeconfig) -> Iterator[str]:
    """A path for the kubeconfig: as given, or a private temporary file for a dict."""
    if not isinstance(kubeconfig, dict):
        yield os.fspath(kubeconfig)
        return
    fd, path = tempfile.mkstemp(prefix="capiform-kubeconfig-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(kubeconfig, f)
        yield path
    finally:
        os.unlink(path)


def _call(fn, *args):
    try:
        return fn(*args)
    except _native.NativeError as e:
        raise from_native(e) from None


def apply(
    release: str,
    namespace: str,
    values: Any,
    *,
    kubeconfig: Kubeconfig,
    context: Optional[str] = None,
    template_version: Optional[str] = None,
    templates_dir: Optional[str] = None,
    prune: bool = True,
) -> ApplyReport:
    """Render ``values`` and apply the objects as the next revision of ``release``."""
    from . import _layers

    with _kubeconfig_path(kubeconfig) as path:
        text = _call(_native.apply_release, release, namespace, _layers(values), path, context,
                     template_version, templates_dir, prune, True)
    report = json.loads(text)
    return ApplyReport(
        revision=report["revision"],
        applied=[_ref(a["object"]) for a in report["applied"]],
        pruned=[_ref(r) for r in report["pruned"]],
        kept=[_ref(r) for r in report["kept"]],
    )


def uninstall(release: str, namespace: str, *, kubeconfig: Kubeconfig,
              context: Optional[str] = None) -> UninstallReport:
    """One step of the ordered uninstall of ``release``; call again until ``done``."""
    with _kubeconfig_path(kubeconfig) as path:
        report = json.loads(_call(_native.uninstall_release, release, namespace, path, context))
    return UninstallReport(deleted=[_ref(r) for r in report["deleted"]],
                           done=report["complete"])


def status(release: str, namespace: str, *, kubeconfig: Kubeconfig,
           context: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The release's status (revision, Cluster, control plane, MachineDeployments,
    addons, readiness), or ``None`` when it is not installed."""
    with _kubeconfig_path(kubeconfig) as path:
        text = _call(_native.release_status, release, namespace, path, context)
    return None if text is None else json.loads(text)
