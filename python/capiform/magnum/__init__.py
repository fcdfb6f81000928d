"""The Magnum Cluster API driver ``k8s_capiform_v1``: magnum-capi-helm's driver with
capiform in place of helm and the ``openstack-cluster`` chart (see ``driver``)."""
