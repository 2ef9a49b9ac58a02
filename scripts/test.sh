#!/usr/bin/env bash
# Runs Fonte's whole test suite (unit, integration, slow, browser and the eval gates) in .venv.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the quick part only.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "no .venv: run 'bash scripts/setup.sh --browser' first" >&2
  exit 2
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
.venv/bin/python -m pytest -ra "$@"
rc=$?
# pytest's 5 means it collected no test: that is a failure here, not a pass.
[ "$rc" = 5 ] && echo "no tests were collected" >&2
exit "$rc"
