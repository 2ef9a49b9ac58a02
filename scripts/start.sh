#!/usr/bin/env bash
# One command from a fresh clone to a running assistant: set up (first time only), ingest the source
# documents in ../shared/corpus (incrementally), and serve the web app on http://127.0.0.1:7860.
#   bash scripts/start.sh [more document folders or files...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
corpus=(../shared/corpus)
[ "$#" -gt 0 ] && corpus=("$@")
.venv/bin/fonte-ingest "${corpus[@]}"
exec .venv/bin/fonte-ui
