#!/usr/bin/env bash
# Time `capiform apply` against `helm upgrade --install` of the reference chart on the same
# real API server (scripts/test-apiserver), in the same run; optionally the Magnum driver's
# create and upgrade with magnum-capi-helm (helm run for real) and with k8s_capiform_v1.
#
# Usage: scripts/bench-apply-vs-helm.sh [--runs N] [--kubeconfig K] [--helm PATH] [--chart DIR]
#                                       [--capiform BIN] [--magnum [--python PY]] [CASE...]
#
#   --runs N        runs per tool, operation and case (default 7); medians are reported
#   --kubeconfig K  use this running server (default: start one in a temporary folder and
#                   stop it at the end; the first start builds it, see docs/test-apiserver.md)
#   --helm PATH     helm 3 (default $HELM, else ~/.cache/capiform/bin/helm as scripts/test-deps
#                   installs it)
#   --chart DIR     the reference chart (default ../shared/reference-chart/openstack-cluster)
#   --capiform BIN  the binary (default: `cargo build --release`, target/release/capiform)
#   --magnum        also python/bench/bench_magnum.py --kubeconfig (needs the venv that
#                   python/ci.sh makes, or --python PY with magnum, magnum-capi-helm, capiform)
#   CASE            parity cases (default: minimal upstream-full)
#
# Each run installs new releases (helm: h<tag>-CASE-N, capiform: c<tag>-CASE-N in namespace
# default) and upgrades them with one field changed (nodeGroups[0].machineCount). The servers
# are left with those objects; start a fresh one (the default) for figures to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=7; kubeconfig=""; helm=${HELM:-$HOME/.cache/capiform/bin/helm}
chart=../shared/reference-chart/openstack-cluster; capiform=""; magnum=false
python=${CAPIFORM_PY_VENV:-$HOME/.cache/capiform-magnum/venv}/bin/python; cases=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2;;
    --kubeconfig) kubeconfig=$2; shift 2;;
    --helm) helm=$2; shift 2;;
    --chart) chart=$2; shift 2;;
    --capiform) capiform=$2; shift 2;;
    --magnum) magnum=true; shift;;
    --python) python=$2; shift 2;;
    -h|--help) sed -n '2,22p' "$0"; exit 0;;
    -*) echo "bench-apply-vs-helm: unknown option $1" >&2; exit 2;;
    *) cases+=("$1"); shift;;
  esac
done
[ -x "$helm" ] || { echo "bench-apply-vs-helm: no helm at $helm (scripts/test-deps installs it)" >&2; exit 1; }
[ -d "$chart" ] || { echo "bench-apply-vs-helm: no chart at $chart" >&2; exit 1; }
if [ -z "$capiform" ]; then
  cargo build --release --quiet --bin capiform >&2
  capiform=target/release/capiform
fi

dir=""
if [ -z "$kubeconfig" ]; then
  dir=$(mktemp -d /tmp/bench-apiserver.XXXXXX)
  trap 'scripts/test-apiserver stop "$dir"; rm -rf "$dir"' EXIT
  kubeconfig=$(scripts/test-apiserver start "$dir")
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: $(KUBECONFIG=$kubeconfig "$helm" version --short 2>/dev/null | head -1) client; $("$capiform" --version)"
tag=$(date +%s | tail -c 5)
python3 python/bench/bench_apply_vs_helm.py --kubeconfig "$kubeconfig" --capiform "$capiform" \
  --helm "$helm" --chart "$chart" --runs "$runs" --tag "$tag" ${cases[@]+"${cases[@]}"}
if $magnum; then
  echo
  echo "Magnum conductor, create and upgrade (python/bench/create_upgrade.input.json):"
  "$python" python/bench/bench_magnum.py --kubeconfig "$kubeconfig" --helm "$helm" \
    --chart "$chart" --runs "$runs" --tag "m$tag"
fi
