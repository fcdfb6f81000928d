#!/usr/bin/env bash
# Time `capiform render` against `helm template` of the reference chart, side by side.
#
# Usage: scripts/bench-vs-helm.sh [--helm PATH] [--chart DIR] [--cases DIR] [--runs N] [CASE...]
#
#   --helm PATH   a helm v3 binary (default: `helm` on PATH). Not downloaded by this script:
#                 install it from your distribution or https://helm.sh/docs/intro/install/.
#   --chart DIR   the reference openstack-cluster chart with its cluster-addons subchart in
#                 charts/ (e.g. a checkout of azimuth-cloud/capi-helm-charts at 2c557a9a, then
#                 `cp -r charts/cluster-addons charts/openstack-cluster/charts/`).
#   --cases DIR   parity cases (default ../shared/parity/cases): each has values.yaml and case.yaml.
#   --runs N      runs per command (default 30).
# Without helm or the chart only capiform is measured.
# Prints, per case: median wall time of each (hyperfine when installed), the ratio, and
# peak RSS (from GNU time when /usr/bin/time exists). capiform is the binary as
# distributed (scripts/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
helm=${HELM:-helm}; chart=${CHART:-}; cases=../shared/parity/cases; runs=30; only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --helm) helm=$2; shift 2;;
    --chart) chart=$2; shift 2;;
    --cases) cases=$2; shift 2;;
    --runs) runs=$2; shift 2;;
    -h|--help) sed -n '2,16p' "$0"; exit 0;;
    *) only+=("$1"); shift;;
  esac
done
# The binary as distributed (statically linked on Linux/glibc): scripts/build-release.sh.
bin=$(scripts/build-release.sh)
echo "capiform binary: $bin" >&2
have_helm=false
if command -v "$helm" >/dev/null 2>&1 && [ -n "$chart" ] && [ -d "$chart" ]; then have_helm=true; else
  echo "note: helm or --chart not given; measuring capiform only" >&2; fi

# median wall time in ms of running "$@" $runs times: hyperfine when installed (no shell
# in between, warm-up runs first), else a timed loop in Python.
median_ms() {
  if command -v hyperfine >/dev/null 2>&1; then
    local json; json=$(mktemp)
    hyperfine --style none -N --warmup 5 --runs "$runs" --export-json "$json" \
      "$(printf '%q ' "$@")" >/dev/null 2>&1
    python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['results'][0]['median']*1000:.2f}\")" "$json"
    rm -f "$json"
    return
  fi
  python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time, statistics
runs = int(sys.argv[1]); cmd = sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(ts):.2f}")
PY
}
peak_kib() {
  if [ -x /usr/bin/time ]; then /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; else echo "-"; fi
}

printf "%-28s %12s %12s %8s %14s %14s\n" case "capiform ms" "helm ms" ratio "capiform KiB" "helm KiB"
for dir in "$cases"/*/; do
  name=$(basename "$dir")
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $name " ]]; then continue; fi
  [ -f "$dir/expected.yaml" ] || continue
  release=$(sed -n 's/^release: *//p' "$dir/case.yaml"); ns=$(sed -n 's/^namespace: *//p' "$dir/case.yaml")
  c_ms=$(median_ms "$bin" render "$release" --namespace "$ns" -f "$dir/values.yaml")
  c_kib=$(peak_kib "$bin" render "$release" --namespace "$ns" -f "$dir/values.yaml")
  if $have_helm; then
    h_ms=$(median_ms "$helm" template "$release" "$chart" --namespace "$ns" -f "$dir/values.yaml")
    h_kib=$(peak_kib "$helm" template "$release" "$chart" --namespace "$ns" -f "$dir/values.yaml")
    ratio=$(python3 -c "print(f'{$h_ms/$c_ms:.0f}x')")
  else h_ms=-; h_kib=-; ratio=-; fi
  printf "%-28s %12s %12s %8s %14s %14s\n" "$name" "$c_ms" "$h_ms" "$ratio" "$c_kib" "$h_kib"
done
