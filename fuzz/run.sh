#!/usr/bin/env bash
# Fuzzes every parser of outside input for a bounded time, seeded from the providers' documented
# payloads in ../../shared/fixtures (read in place, never copied into the repository) and the
# bot profiles in crates/tandem-bot/profiles.
#
#   bash fuzz/run.sh                  # every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=300 bash fuzz/run.sh whatsapp email
#
# It needs cargo-fuzz (`cargo install cargo-fuzz --locked`, installed here when missing, about
# a minute of CPU) and libFuzzer's sanitizer flags, which only nightly Rust accepts: the
# project's one (stable) toolchain is told to accept them with RUSTC_BOOTSTRAP=1. The first
# run builds the parsers with AddressSanitizer into fuzz/target. A crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run; turn it into a regression test in the normal suite.
set -euo pipefail

cd "$(dirname "$0")"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FIXTURES=${FIXTURES:-../../shared/fixtures}
ALL_TARGETS=(whatsapp messenger telegram twilio email bot_profile message_text voice_note)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
FUZZ=(cargo fuzz)
# The fuzz crate's sanitizer builds never share the workspace's target directory; CI keeps
# them outside the clone (FUZZ_TARGET_DIR) so a run rebuilds only what changed.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"

CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT

# Seeds: each target's documented payloads.
seed() {
  local target=$1; shift
  mkdir -p "$CORPUS/$target"
  local file
  for file in "$@"; do
    [ -f "$file" ] && cp "$file" "$CORPUS/$target/"
  done
  return 0
}
seed whatsapp "$FIXTURES"/meta_whatsapp_*.body
seed messenger "$FIXTURES"/meta_messenger_*.body "$FIXTURES"/meta_instagram_*.body
seed telegram "$FIXTURES"/telegram_update_*.json
seed twilio "$FIXTURES"/twilio_*.form
seed bot_profile ../crates/tandem-bot/profiles/*.yaml
seed message_text
mkdir -p "$CORPUS/voice_note"
# A WAV header for 16 kHz mono 16-bit PCM with four samples; the fuzzer finds Ogg's and Opus's
# magic numbers itself.
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x08\x00\x00\x00\x00\x00\xff\x7f\x00\x80\x00\x00' >"$CORPUS/voice_note/short.wav"
mkdir -p "$CORPUS/email"
printf 'From: Cliente <cliente@example.com>\r\nTo: suporte@example.com\r\nSubject: =?UTF-8?B?Qm9sZXRv?=\r\nMessage-ID: <seed-1@example.com>\r\nIn-Reply-To: <a@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOl\xc3\xa1, preciso da segunda via.\r\n\r\nOn Mon, someone wrote:\r\n> antes\r\n' >"$CORPUS/email/plain.eml"
printf 'From: a@example.com\r\nTo: b@example.com\r\nSubject: anexo\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Ol=E1</p>\r\n--b1\r\nContent-Type: application/pdf; name="f.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1--\r\n' >"$CORPUS/email/multipart.eml"
printf 'From: MAILER-DAEMON@example.com\r\nTo: b@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\naway\r\n' >"$CORPUS/email/automated.eml"

status=0
for target in "${TARGETS[@]}"; do
  echo "== fuzzing $target for ${FUZZ_SECONDS}s"
  if ! "${FUZZ[@]}" run -O "$target" "$CORPUS/$target" -- \
      -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 2>"$CORPUS/$target.log"; then
    tail -n 40 "$CORPUS/$target.log"
    echo "!! $target found a crash: see fuzz/artifacts/$target/"
    status=1
  else
    grep -E '^(stat::number_of_executed_units|Done )' "$CORPUS/$target.log" || true
  fi
done
exit $status
