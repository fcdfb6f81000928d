"""capiform: render Cluster API clusters on OpenStack from ``openstack-cluster`` chart values.

The engine is Rust (``capiform._native``); this package hands it values as text and turns
its answers into Python objects. Every call releases the GIL while the engine works, and
calls are safe from several threads.

>>> import capiform
>>> objects = capiform.render("demo", "default", {
...     "kubernetesVersion": "1.31.4",
...     "machineImage": "ubuntu-jammy-kube-v1.31.4",
...     "cloudCredentialsSecretName": "demo-creds",
...     "controlPlane": {"machineFlavor": "vm.small"},
...     "nodeGroups": [{"name": "md-0", "machineFlavor": "vm.small", "machineCount": 2}],
... })
>>> sorted({o["kind"] for o in objects})[:3]
['Cluster', 'Deployment', 'HelmRelease']
>>> capiform.validate_values({"controlPlane": {"machineCount": "three"}})[0].path
'controlPlane.machineCount'

Values are a dict, a YAML text, or a list of those (layers, later ones win as with
helm's ``-f``). Dicts are read as helm reads the JSON document a driver pipes to it.
Problems raise :class:`InvalidValuesError` (``.problems`` lists them with their paths);
warnings go to the ``capiform`` logger.
"""

import json
import logging
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _native
from .errors import (
    CapiformError,
    InvalidValuesError,
    KubernetesError,
    Problem,
    TemplateSetError,
    ValuesSyntaxError,
    from_native,
)

__all__ = [
    "ENGINE_VERSION",
    "CapiformError",
    "InvalidValuesError",
    "KubernetesError",
    "Problem",
    "TemplateSetError",
    "ValuesSyntaxError",
    "apply",
    "embedded_template_sets",
    "render",
    "render_yaml",
    "status",
    "template_set_id",
    "uninstall",
    "validate_values",
]

ENGINE_VERSION: str = _native.ENGINE_VERSION

LOG = logging.getLogger("capiform")

Values = Union[Dict[str, Any], str, Sequence[Union[Dict[str, Any], str]]]


def _layers(values: Values) -> List[Tuple[str, str]]:
    """``(name, text)`` per values layer; names label the layers in error messages."""
    if isinstance(values, (dict, str)):
        items: Sequence[Union[Dict[str, Any], str]] = [values]
    elif isinstance(values, (list, tuple)):
        items = values
    else:
        raise TypeError(
            f"values must be a dict, a YAML text or a list of those, not {type(values).__name__}"
        )
    layers = []
    for i, item in enumerate(items):
        name = "values" if len(items) == 1 else f"values[{i}]"
        if isinstance(item, str):
            layers.append((name, item))
        elif isinstance(item, dict):
            # JSON is YAML: the engine reads the text exactly as helm reads `--values -`.
            layers.append((name, json.dumps(item, allow_nan=False)))
        else:
            raise TypeError(f"{name} must be a dict or a YAML text, not {type(item).__name__}")
    return layers


def _existing(existing: Optional[Iterable[Dict[str, Any]]]) -> Optional[str]:
    return None if existing is None else json.dumps(list(existing), allow_nan=False)


def _log_warnings(warnings: List[str]) -> None:
    for w in warnings:
        LOG.warning("%s", w)


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except _native.NativeError as e:
        raise from_native(e) from None


def render(
    release: str,
    namespace: str,
    values: Values,
    *,
    template_version: Optional[str] = None,
    templates_dir: Optional[str] = None,
    existing: Optional[Iterable[Dict[str, Any]]] = None,
) -> List[Dict[str, Any]]:
    """The objects of a cluster, in apply order, as dicts.

    ``template_version`` picks an embedded template set (default: the set for new
    releases, the highest version that is not opt-in; an opt-in set, such as one that
    renders Cluster API v1beta2, is used only when asked for by version);
    ``templates_dir`` loads an operator's set from a directory instead (read once per
    process). ``existing`` are objects already in the cluster that a render reads (the
    ``<release>-etcd-key`` Secret).
    """
    text, warnings = _call(
        _native.render_json,
        release,
        namespace,
        _layers(values),
        template_version,
        templates_dir,
        _existing(existing),
    )
    _log_warnings(warnings)
    return json.loads(text)


def render_yaml(
    release: str,
    namespace: str,
    values: Values,
    *,
    template_version: Optional[str] = None,
    templates_dir: Optional[str] = None,
    existing: Optional[Iterable[Dict[str, Any]]] = None,
) -> str:
    """The same objects as :func:`render`, as the YAML text ``capiform render`` prints."""
    text, warnings = _call(
        _native.render_yaml,
        release,
        namespace,
        _layers(values),
        template_version,
        templates_dir,
        _existing(existing),
    )
    _log_warnings(warnings)
    return text


def validate_values(
    values: Values,
    *,
    template_version: Optional[str] = None,
    templates_dir: Optional[str] = None,
    existing: Optional[Iterable[Dict[str, Any]]] = None,
) -> List[Problem]:
    """Every problem of the values (empty list: valid). Runs every check a render runs.

    Unreadable values or a missing template set raise instead.
    """
    problems, warnings = _call(
        _native.validate_values,
        _layers(values),
        template_version,
        templates_dir,
        _existing(existing),
    )
    _log_warnings(warnings)
    return [Problem(p, m) for p, m in problems]


def embedded_template_sets() -> List[str]:
    """The versions of the template sets built into this engine, lowest first."""
    return [version for _, version in _call(_native.embedded_template_sets)]


def template_set_id(
    template_version: Optional[str] = None, templates_dir: Optional[str] = None
) -> str:
    """``name@version`` of the set a render with these arguments uses."""
    return _call(_native.template_set_id, template_version, templates_dir)


# The release lifecycle on the management cluster.
from .lifecycle import apply, status, uninstall  # noqa: E402
