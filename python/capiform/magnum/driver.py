"""Magnum driver ``k8s_capiform_v1``: magnum-capi-helm's driver, rendered and applied by
capiform.

The driver *is* magnum-capi-helm's :class:`magnum_capi_helm.driver.Driver`: the same
labels, ``[capi_helm]`` options, values mapping, status polling, secrets and application
credentials. Only the object it calls helm through is replaced, by :class:`CapiformClient`,
which offers the same two methods:

* ``install_or_upgrade`` renders the values the driver built with the capiform engine and
  applies the objects (server-side dry run of everything first, then apply, then prune of
  what the previous revision had and this one no longer renders);
* ``uninstall_release`` runs capiform's ordered uninstall; the driver finishes it once
  Cluster API has deleted the cluster, which also removes the cloud credentials Secret
  that ``helm uninstall`` leaves behind.

The template set: label ``capiform_template_version`` (cluster template or cluster),
else ``[capiform] template_version``, else capiform's default set for new releases
(the highest embedded version that is not opt-in);
``[capiform] templates_dir`` replaces all of them with an operator's set.
"""

import os
import pathlib
import re
from typing import Any, Dict, Optional

from oslo_log import log as logging

import capiform
from capiform.magnum import conf as _capiform_conf  # noqa: F401  (registers [capiform])

from magnum_capi_helm import conf as capi_conf
from magnum_capi_helm import driver as capi_driver
from magnum_capi_helm import driver_utils
from magnum_capi_helm import helm

LOG = logging.getLogger(__name__)
CONF = capi_conf.CONF

TEMPLATE_VERSION_LABEL = "capiform_template_version"


def kubeconfig_path() -> str:
    """The management cluster's kubeconfig, found as magnum-capi-helm finds it."""
    if CONF.capi_helm.kubeconfig_file:
        return CONF.capi_helm.kubeconfig_file
    if "KUBECONFIG" in os.environ:
        return os.environ["KUBECONFIG"]
    return str(pathlib.Path.home() / ".kube" / "config")


class CapiformClient:
    """What magnum-capi-helm's driver calls instead of ``helm.Client``."""

    def __init__(self, kubeconfig: Optional[str] = None):
        self._kubeconfig = kubeconfig

    @property
    def kubeconfig(self) -> str:
        return self._kubeconfig or kubeconfig_path()

    @staticmethod
    def templates(version: Optional[str]) -> Dict[str, Optional[str]]:
        """The render arguments that choose the template set."""
        templates_dir = CONF.capiform.templates_dir
        if templates_dir:
            return {"template_version": None, "templates_dir": templates_dir}
        return {"template_version": version or None, "templates_dir": None}

    def install_or_upgrade(
        self,
        release_name: str,
        chart_ref: Any,
        *values: Dict[str, Any],
        namespace: str,
        repo: Optional[str] = None,
        version: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Render ``values`` (merged as helm.Client merges them) and apply the objects.

        ``chart_ref`` and ``repo`` name the helm chart and are not used; ``version`` is
        the template set version the driver chose (see ``Driver._get_chart_version``).
        """
        report = capiform.apply(
            release_name,
            namespace,
            helm.mergeconcat({}, *values),
            kubeconfig=self.kubeconfig,
            **self.templates(version),
        )
        LOG.info(
            "capiform applied release %s in %s: revision %d, %d objects, %d pruned",
            release_name,
            namespace,
            report.revision,
            len(report.applied),
            len(report.pruned),
        )
        return {
            "name": release_name,
            "namespace": namespace,
            "version": report.revision,
            "info": {"status": "deployed"},
        }

    def uninstall_release(self, release_name: str, namespace: str):
        """One step of the ordered uninstall; a release that is not there is fine."""
        report = capiform.uninstall(release_name, namespace, kubeconfig=self.kubeconfig)
        LOG.info(
            "capiform uninstall of %s in %s: %d deleted, %s",
            release_name,
            namespace,
            len(report.deleted),
            "done" if report.done else "the rest once the Cluster is gone",
        )
        return report


class Driver(capi_driver.Driver):
    """magnum-capi-helm's driver with :class:`CapiformClient` in place of helm."""

    def __init__(self):
        super().__init__()
        self._helm_client = CapiformClient()

    def _get_chart_version(self, cluster) -> Optional[str]:
        """The template set version (passed where the helm driver passes the chart's)."""
        labels = helm.mergeconcat(
            cluster.cluster_template.labels or {}, cluster.labels or {}
        )
        version = labels.get(TEMPLATE_VERSION_LABEL) or CONF.capiform.template_version
        if not version:
            return None
        # Same filtering of user input as the chart version label.
        return re.sub(r"[^a-z0-9\.\-\+]+", "", version)

    def _update_status_deleting(self, context, cluster):
        # Cluster API has deleted the cluster: finish the ordered uninstall (the kept
        # objects, the cloud credentials among them, and the release record) before the
        # driver removes its own secrets and the application credential.
        release_name = driver_utils.chart_release_name(cluster)
        if release_name:
            self._helm_client.uninstall_release(
                release_name, namespace=driver_utils.cluster_namespace(cluster)
            )
        super()._update_status_deleting(context, cluster)


__all__ = ["CapiformClient", "Driver"]
