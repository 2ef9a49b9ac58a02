#!/usr/bin/env bash
# Runs Fonte's whole test suite (unit, integration, slow, browser and the eval gates) in .venv.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the quick part only.
#
# On a fresh clone it first installs what the tests need: without .venv it runs `scripts/setup.sh --browser`
# (the virtual environment, the local LLM, Tesseract and Chromium); with .venv but without Debian's Chromium
# and chromedriver (the browser tests drive them) it runs only the browser part. When both are there it
# starts the tests at once. FONTE_TEST_SETUP=0 turns the installing off.
set -uo pipefail
cd "$(dirname "$0")/.."

has_browser() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

if [ "${FONTE_TEST_SETUP:-1}" != 0 ]; then
  if [ ! -x .venv/bin/python ]; then
    echo "test.sh: no .venv: running scripts/setup.sh --browser first" >&2
    bash scripts/setup.sh --browser || { echo "test.sh: the set-up failed (see above)" >&2; exit 2; }
  elif ! has_browser; then
    echo "test.sh: Chromium or chromedriver is missing: installing them (scripts/setup.sh --browser-only)" >&2
    # not fatal: without them only the browser tests fail, each saying what to install
    bash scripts/setup.sh --browser-only || echo "test.sh: Chromium could not be installed; the browser tests will fail" >&2
  fi
fi
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
