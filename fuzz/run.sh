#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60): `fuzz/run.sh SECONDS [TARGET...]`.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target starts
# from the committed seeds (fuzz/seeds/TARGET) plus what earlier runs found (fuzz/corpus/TARGET,
# not committed); a crashing, panicking, timing-out (> 10 s) or memory-hungry (> 4 GB) input
# is saved under fuzz/artifacts/TARGET and fails the script. Logs: fuzz/logs/TARGET.log, with
# libFuzzer's final statistics (executions, coverage) summarized on stdout.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(read_table cli)
# No sanitizer: the code under test is safe Rust, and what the targets look for is a panic,
# an abort or a hang; ASan would only slow every input down.
cargo +nightly fuzz build -s none
mkdir -p logs
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="logs/$t.log"
  # -close_fd_mask=3: the commands' JSON and device lines are not wanted; libFuzzer keeps its own
  # report on a copy of stderr. Reproduce an artifact to see its panic message.
  if cargo +nightly fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
      -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*' || echo "?")
  echo "fuzz $t: $status, ${secs}s, $runs executions, cov $cov, ft $ft, corpus $corp, artifacts $(ls "artifacts/$t" | wc -l)"
  [ "$status" = ok ] || tail -40 "$log"
done
exit $failed
