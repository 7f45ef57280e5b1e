#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the MQTT decoder, the JSON parser and ThingsBoard's typing rules.
#
#   scripts/fuzz.sh              # 600 s per target (the long run)
#   scripts/fuzz.sh 60           # 60 s per target (what scripts/test.sh runs)
#   scripts/fuzz.sh 300 json     # one target: mqtt, json or thingsboard
#
# Each target (Sources/StewardFuzz*) checks invariants, not only survival: decode → encode → decode gives the
# same MQTT packet, parse → serialize → parse gives the same JSON, typed numbers stay bounded… (see
# Sources/StewardFuzzKit). The targets are built with -sanitize=fuzzer,address in their own scratch path
# (.build-fuzz), since those flags differ from the normal build. The corpus grows in .build-fuzz/corpus/<target>
# between runs, starting from seeds written by this script. A failure leaves its input in
# test-output/fuzz/<target>-crash-…; replay it without libFuzzer with
#   swift build --product StewardFuzzJSON && .build/debug/StewardFuzzJSON test-output/fuzz/json-crash-…
# Env: STEWARD_FUZZ_MAX_LEN (default 4096 bytes per input).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(mqtt json thingsboard)
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: seconds must be a positive whole number, not '$SECONDS_PER_TARGET'" >&2; exit 2; }

SCRATCH="$ROOT/.build-fuzz"
OUT="${STEWARD_TEST_OUTPUT:-$ROOT/test-output}/fuzz"
MAX_LEN="${STEWARD_FUZZ_MAX_LEN:-4096}"
mkdir -p "$OUT"
# Swift's own crash backtracer and AddressSanitizer both want the crash; let libFuzzer and ASan report it.
export SWIFT_BACKTRACE=enable=no

product_of() {
  case "$1" in
    mqtt) echo StewardFuzzMQTT ;;
    json) echo StewardFuzzJSON ;;
    thingsboard) echo StewardFuzzThingsBoard ;;
    *) echo "fuzz: unknown target '$1' (use mqtt, json or thingsboard)" >&2; exit 2 ;;
  esac
}

# One build at a time on this machine: wait for any other SwiftPM build to finish first, but not forever (a shared
# runner may always be building something): after 10 minutes, go ahead.
for _ in $(seq 60); do
  pgrep -f swift-build >/dev/null 2>&1 || break
  echo "fuzz: waiting for another swift build to finish" >&2
  sleep 10
done

# Seeds: a few valid inputs of each kind, so the fuzzer starts from the interesting part of the input space.
write_seeds() {
  local dir="$1" target="$2"
  mkdir -p "$dir"
  case "$target" in
    mqtt)
      # first byte: decoder mode (bits 0-1: server, 3.1, 3.1.1, 5) and where the stream is cut (bits 2-7)
      printf '\x00\x10\x16\x00\x04MQTT\x04\x02\x00\x3c\x00\x0adevice-one' >"$dir/connect-311"
      printf '\x00\x10\x16\x00\x04MQTT\x05\x82\x00\x3c\x00\x00\x01a\x00\x06tok123' >"$dir/connect-5"
      printf '\x02\x32\x22\x00\x17v1/devices/me/telemetry\x00\x01{"t":1}' >"$dir/publish-311"
      printf '\x03\x32\x25\x00\x17v1/devices/me/telemetry\x00\x01\x02\x01\x01{"t":1}' >"$dir/publish-5"
      printf '\x03\x82\x26\x00\x01\x00\x00\x1av1/devices/me/attributes/+\x01\x00\x03a/#\x02' >"$dir/subscribe-5"
      printf '\x02\xa2\x07\x00\x02\x00\x03a/b\xc0\x00\xe0\x00' >"$dir/unsubscribe-ping-disconnect"
      printf '\x03\x40\x04\x00\x07\x10\x00\x62\x02\x00\x07\xe0\x02\x04\x00' >"$dir/acks-5"
      printf '\x03\xf0\x05\x18\x03\x15\x00\x00' >"$dir/auth-5"
      ;;
    json|thingsboard)
      printf '{"temperature":21.5,"humidity":60,"active":true,"mode":"eco","n":null}' >"$dir/object"
      printf '{"ts":1700000000000,"values":{"a":1,"b":"2.50","c":[1,{"d":null}]}}' >"$dir/ts-values"
      printf '[{"ts":1,"values":{"x":1e3}},{"y":-0.0000000000000000001},{"z":12345678901234567890}]' >"$dir/array"
      printf '{"s":"\\u00e9\\ud83d\\ude00\\n\\"","e":1E-7,"big":9223372036854775807,"k":"007"}' >"$dir/escapes"
      printf '{"a":{"b":{"c":{"d":[[[[]]]]}}},"":1}' >"$dir/nested"
      ;;
  esac
}

write_dictionary() {
  case "$1" in
    mqtt) printf '"MQTT"\n"MQIsdp"\n"v1/devices/me/telemetry"\n"v1/devices/me/rpc/request/+"\n"\\x00\\x04MQTT\\x05"\n' ;;
    *) printf '"{"\n"}"\n"["\n"]"\n":"\n","\n"true"\n"false"\n"null"\n"\\\\u"\n"\\\\ud800"\n"e+"\n"E-"\n"-0."\n"\\"ts\\""\n"\\"values\\""\n' ;;
  esac
}

status=0
for target in "${TARGETS[@]}"; do
  product="$(product_of "$target")"
  echo "== fuzz: building $product with libFuzzer and AddressSanitizer (.build-fuzz)"
  build_log="$OUT/build-$target.log"
  if ! swift build -c debug --product "$product" --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSTEWARD_LIBFUZZER >"$build_log" 2>&1; then
    grep -E "error|undefined" "$build_log" | head -40 >&2 || tail -40 "$build_log" >&2
    echo "fuzz: building $product failed (whole log: $build_log); libFuzzer comes with the swift.org toolchain" >&2
    exit 1
  fi
  tail -1 "$build_log"
  binary="$SCRATCH/debug/$product"
  [[ -x "$binary" ]] || { echo "fuzz: $binary was not built" >&2; exit 1; }

  corpus="$SCRATCH/corpus/$target"
  seeds="$SCRATCH/seeds/$target"
  dictionary="$SCRATCH/seeds/$target.dict"
  rm -rf "$seeds"
  mkdir -p "$corpus"
  write_seeds "$seeds" "$target"
  write_dictionary "$target" >"$dictionary"

  echo "== fuzz: $product for ${SECONDS_PER_TARGET}s (corpus $corpus)"
  if ! "$binary" "$corpus" "$seeds" -dict="$dictionary" -max_total_time="$SECONDS_PER_TARGET" -max_len="$MAX_LEN" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/$target-" \
      >"$OUT/$target.log" 2>&1; then
    echo "fuzz: $product FAILED; the input is in $OUT/$target-*, the log in $OUT/$target.log:" >&2
    grep -E "invariant broken|ERROR: (libFuzzer|AddressSanitizer)|Fatal error|Test unit written" "$OUT/$target.log" | head -20 >&2 || true
    tail -30 "$OUT/$target.log" >&2
    status=1
    continue
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$OUT/$target.log" | tr '\n' ' '
  echo "(corpus: $(find "$corpus" -type f | wc -l) inputs)"
done
exit $status
