#!/usr/bin/env bash
# Set up everything the test suite needs and run it. This is the README's test command and what
# .ci/run calls. Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=$(command -v python3.11 || command -v python3)
VENV=${XXGK_VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet -e '.[test]'

# Browser tests need Debian's headless chromium and a CJK font to render the letters; the layout
# corpus (tests/layouts.py) needs poppler's pdftotext.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# DOCX letters are converted to PDF by LibreOffice (headless) to count their pages.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
# summary.xlsx is opened by LibreOffice Calc (tests/test_summary_libreoffice.py).
[ -e /usr/lib/libreoffice/program/libsclo.so ] || need+=(libreoffice-calc)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# (grep reads all of fc-list's output: with -q it would quit at the first match, fc-list would die of
# SIGPIPE, and pipefail would take the font for missing)
fc-list 2>/dev/null | grep -iE 'Noto (Sans|Serif) CJK|WenQuanYi|Droid Sans Fallback' >/dev/null || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "安装测试所需的系统软件包: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
    else
        echo "缺少系统软件包 ${need[*]}，且无法以 root 身份用 apt-get 安装。" >&2
        exit 1
    fi
fi

set +e
"$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
    echo "pytest 没有运行任何测试：视为失败。" >&2
    exit 1
fi
exit $rc
