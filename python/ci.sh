#!/usr/bin/env bash
# The Python package in CI: build the wheel (maturin), install it with Magnum and
# magnum-capi-helm in a virtualenv outside the repository, run the Python tests.
#
#   python/ci.sh            (from anywhere; .ci/run calls it)
#
# Environment:
#   CAPIFORM_PY_VENV   the virtualenv (default ${XDG_CACHE_HOME:-$HOME/.cache}/capiform-magnum/venv;
#                      created when missing, reused otherwise)
#   PYTHON             interpreter that creates it (default python3, >= 3.9)
#   CI=true            a missing ../shared (Magnum cases, reference chart, parity
#                      referee) or helm fails the Magnum tests instead of skipping them
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${CAPIFORM_PY_VENV:-"${XDG_CACHE_HOME:-$HOME/.cache}/capiform-magnum/venv"}
PYTHON=${PYTHON:-python3}
# The versions the Magnum referee in ../shared/magnum runs; its constraints file pins the
# rest of their dependency set.
PINS=("magnum==23.0.0" "magnum-capi-helm==1.4.0" "maturin==1.16.0" "pytest==9.2.0")
CONSTRAINTS=../shared/magnum/constraints.txt

if [ ! -x "$VENV/bin/python" ]; then
  echo "python/ci.sh: creating $VENV" >&2
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
if [ -f "$CONSTRAINTS" ]; then
  "${PIP[@]}" -c "$CONSTRAINTS" "${PINS[@]}"
elif [ "${CI:-}" = "true" ]; then
  echo "python/ci.sh: $CONSTRAINTS is missing" >&2
  exit 1
else
  echo "python/ci.sh: WARNING: $CONSTRAINTS is missing; installing without it" >&2
  "${PIP[@]}" "${PINS[@]}"
fi

# The wheel: abi3 (CPython >= 3.9), release build, into target/wheels.
rm -rf target/wheels
"$VENV/bin/maturin" build --release --locked --manifest-path python/Cargo.toml -o target/wheels
"${PIP[@]}" --force-reinstall --no-deps target/wheels/capiform-*.whl

# From the repository root, so that the installed package is the one imported.
"$VENV/bin/python" -m pytest -q -rsxX -p no:cacheprovider python/tests
