"""The ``[capiform]`` options of the Magnum driver ``k8s_capiform_v1``."""

from oslo_config import cfg

CONF = cfg.CONF

capiform_group = cfg.OptGroup(
    name="capiform", title="Options for the capiform Cluster API driver (k8s_capiform_v1)"
)

capiform_opts = [
    cfg.StrOpt(
        "template_version",
        help=(
            "Version of the embedded template set clusters are rendered with, unless "
            "their template or cluster sets the label capiform_template_version. "
            "Unset: the default set of the installed capiform for new releases, the "
            "highest embedded version that is not opt-in (an opt-in set, such as one "
            "rendering Cluster API v1beta2, is used only when named here or by label)."
        ),
    ),
    cfg.StrOpt(
        "templates_dir",
        help=(
            "Directory of an operator's template set (for example a fork of an "
            "embedded set exported with 'capiform templates export'). When set, every "
            "cluster of this driver is rendered with it and template_version and the "
            "label are not used. The directory is read once per conductor process."
        ),
    ),
]

CONF.register_group(capiform_group)
CONF.register_opts(capiform_opts, group=capiform_group)


def list_opts():
    """For oslo-config-generator (entry point ``oslo.config.opts``)."""
    return [(capiform_group, capiform_opts)]
