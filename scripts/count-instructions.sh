#!/usr/bin/env bash
# Instructions per render, counted by valgrind's callgrind. Unlike wall time on a shared
# VM, the count is the same from run to run, so it shows small changes. The example
# `profile_render` runs N1 and then N2 renders, and the script prints the difference
# divided by N2 - N1, so the start-up work cancels out. One render means
# `capiform::render`, its YAML emission and dropping the objects, as in `capiform render`.
#
# Usage: scripts/count-instructions.sh [--base REV] [VALUES.yaml | groups:N] ...
#   VALUES.yaml   a values file (default: examples/values/minimal.yaml)
#   groups:N      minimal.yaml with N node groups, as the benchmark `render/100-node-groups`
#                 builds them
#   --base REV    also count a build of git revision REV (in a worktree under target/) and
#                 print the change
#
# Needs valgrind. Counts are not times: a cache miss or a malloc that takes the slow path
# costs the same as any instruction, and SHA-256 runs its software code under valgrind,
# which has no SHA extensions, so hashing counts several times what it costs on a CPU
# that has them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is required (e.g. apt install valgrind)" >&2; exit 1; }
base=""; inputs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2;;
    -h|--help) sed -n '2,17p' "$0"; exit 0;;
    *) inputs+=("$1"); shift;;
  esac
done
[ ${#inputs[@]} -gt 0 ] || inputs=(examples/values/minimal.yaml)
tmp=$(mktemp -d); wt=""
cleanup() { rm -rf "$tmp"; if [ -n "$wt" ]; then git worktree remove --force "$wt" 2>/dev/null || true; fi; }
trap cleanup EXIT

many_groups() {
  sed '/^nodeGroups:/,$d' examples/values/minimal.yaml
  echo "nodeGroups:"
  for ((i = 0; i < $1; i++)); do
    if ((i % 2 == 0)); then
      printf '  - name: group-%d\n    machineFlavor: vm.medium\n    machineCount: %d\n' "$i" $((i % 5 + 1))
    else
      printf '  - name: group-%d\n    machineFlavor: vm.large\n    autoscale: true\n    machineCountMin: 1\n    machineCountMax: %d\n' "$i" $((i % 7 + 2))
    fi
  done
}

build() { # build DIR TARGET_DIR: prints the profile_render binary
  (cd "$1" && CARGO_TARGET_DIR="$2" cargo build --release --quiet --example profile_render >&2)
  echo "$2/release/examples/profile_render"
}

irefs() { # irefs BIN VALUES N
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" 2>&1 |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}

per_render() { # per_render BIN VALUES: instructions per render
  local n1 n2 a b
  case "$2" in *groups*) n1=1; n2=3;; *) n1=5; n2=25;; esac
  a=$(irefs "$1" "$2" $n1); b=$(irefs "$1" "$2" $n2)
  echo $(( (b - a) / (n2 - n1) ))
}

new=$(build . target)
old=""
if [ -n "$base" ]; then
  wt=target/count-base
  git worktree remove --force "$wt" 2>/dev/null || true
  git worktree add --detach "$wt" "$base" >/dev/null 2>&1
  # Its own target directory: two checkouts of one package must not share one.
  old=$(build "$wt" "$PWD/target/count-base-target")
fi

printf '%-50s %14s' "input" "instructions"
[ -n "$old" ] && printf ' %14s %8s' "at $base" "change"
echo
for input in "${inputs[@]}"; do
  file=$input
  if [[ $input == groups:* ]]; then
    file=$tmp/groups-${input#groups:}.yaml
    many_groups "${input#groups:}" > "$file"
  fi
  n=$(per_render "$new" "$file")
  printf '%-50s %14s' "$input" "$n"
  if [ -n "$old" ]; then
    o=$(per_render "$old" "$file")
    printf ' %14s %7s%%' "$o" "$(python3 -c "print(f'{($n - $o) / $o * 100:+.1f}')")"
  fi
  echo
done
