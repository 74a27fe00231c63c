#!/usr/bin/env bash
# Build a folder to carry to an air-gapped laptop: wheels for Parley and every dependency,
# each installed model as a bundle with SHA256SUMS, and an installer that uses no network.
# Run on a connected machine of the same OS and Python version, after packaging/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist/parley-offline}
[ -e "$OUT" ] && { echo "$OUT exists; remove it or name another folder" >&2; exit 1; }
mkdir -p "$OUT/wheels" "$OUT/models"
.venv/bin/python -m pip wheel --quiet --wheel-dir "$OUT/wheels" '.[gui]'
for folder in models/*/; do
  name=$(basename "$folder")
  .venv/bin/python -m app models bundle "$name" "$OUT/models/$name"
done
cat > "$OUT/install.sh" <<'INSTALL'
#!/usr/bin/env bash
# Offline install: no network is used. Models are checked against their SHA256SUMS on import.
set -euo pipefail
cd "$(dirname "$0")"
PREFIX=${PREFIX:-$HOME/parley}
python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --no-index --find-links wheels 'parley[gui]'
export PARLEY_MODELS="$PREFIX/models"
for bundle in models/*/; do
  "$PREFIX/venv/bin/python" -m app models import "$bundle"
done
echo "Installed. Start with: PARLEY_MODELS=$PREFIX/models $PREFIX/venv/bin/python -m app gui"
INSTALL
chmod +x "$OUT/install.sh"
( cd "$OUT" && find wheels models -type f -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS )
echo "Offline kit written to $OUT"
