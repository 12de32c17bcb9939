#!/usr/bin/env bash
# Runs on a GPU machine, which has no Rust toolchain: the CUDA agreement tests, the
# `veristat device` table, and the issue's acceptance 4 and 5 measurements (`--device cpu`
# against `--device cuda` on the same claims and the same echo search), from the two binaries
# that scripts/gpu-check.sh bundled here.
#
#   bash scripts/gpu-run.sh            # with target/gpu/bundle carried over
#
# Prints everything and copies it to $OUT (the device tool's output folder) or target/gpu/out.
# Exit status: 0 when every test passed, every kernel agreed with its CPU twin and both devices
# gave the same verdicts; 1 otherwise; 2 when the bundle or the GPU is missing.
#
# Sizes (override from the environment) keep the whole script under about 5 minutes on an H100
# machine with 16 cores; each measurement runs once per device.
EXPFAM_REPLICATES=${EXPFAM_REPLICATES:-200000} # expfam-risk-expansion at --scale full
LDP_CLAIM=${LDP_CLAIM:-ldp-nldp-slopes}         # an LDP slope claim
LDP_REPLICATES=${LDP_REPLICATES:-1000}          # its replicates at --scale full
IHT_REPLICATES=${IHT_REPLICATES:-100}           # ldp-iht-slopes at --scale full (its default; ~80 s on 16 CPU cores)
ECHO_BENCHMARK=${ECHO_BENCHMARK:-boltzmann}     # injected spectrum (analytic transfer function)
ECHO_N=${ECHO_N:-50}                            # echoes in it
ECHO_SNR=${ECHO_SNR:-15}                        # its optimal SNR
ECHO_NLIVE=${ECHO_NLIVE:-500}                   # live points of the search
ECHO_SEED=${ECHO_SEED:-1}
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=${BUNDLE:-target/gpu/bundle}
out=${OUT:-target/gpu/out}
mkdir -p "$out"
for f in veristat veristat-gpu-tests; do
  if [ ! -x "$bundle/$f" ]; then
    echo "missing $bundle/$f: run scripts/gpu-check.sh on the build machine and carry $bundle" >&2
    exit 2
  fi
done
# cudarc dlopens libcuda (driver), libcublas and libnvrtc (CUDA 13) at run time. Never add the
# toolkit's stubs folder: its libcuda.so loads but fails every call.
for d in /usr/local/cuda-13.0/targets/x86_64-linux/lib /usr/local/cuda/lib64 /usr/local/nvidia/lib64; do
  [ -d "$d" ] && LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
nvidia-smi -L 2>&1 | tee "$out/nvidia-smi.txt" || true
echo "cpu cores: $(nproc)"
status=0
echo "== GPU agreement tests (library test binary, ignored tests included) =="
"$bundle/veristat-gpu-tests" --include-ignored --test-threads 1 gpu:: device:: 2>&1 | tee "$out/gpu-tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "== veristat device (default sizes, seed 1) =="
"$bundle/veristat" device --seed 1 2>&1 | tee "$out/device.txt"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 2 ]; then
  echo "gpu-run: no GPU, skipping the device comparisons"
  exit 2
elif [ "$rc" -ne 0 ]; then
  status=1
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
field() { sed -n "s/^ *\"$1\": \([^,]*\),\{0,1\}$/\1/p" "$2" | head -1; }

# Acceptance 4: a claim on both devices; same verdict, replicates per second of each.
claim_both() {
  local claim=$1 reps=$2 verdict_cpu verdict_cuda
  echo "== acceptance 4: $claim, $reps replicates, --scale full =="
  for dev in cpu cuda; do
    local t0 t1
    t0=$(now)
    "$bundle/veristat" verify "$claim" --scale full --replicates "$reps" --seed 1 \
      --out "$runs/$claim-$dev" --device "$dev" >"$out/$claim-$dev.txt" 2>"$out/$claim-$dev.err"
    rc=$?
    t1=$(now)
    grep '^device: ' "$out/$claim-$dev.err"
    if [ "$rc" -ne 0 ]; then
      cat "$out/$claim-$dev.err"
      status=1
    fi
    head -1 "$out/$claim-$dev.txt"
    echo "$claim --device $dev: $(secs "$t0" "$t1") s, $(rate "$reps" "$(secs "$t0" "$t1")") replicates/s" \
      | tee -a "$out/acceptance.txt"
  done
  verdict_cpu=$(head -1 "$out/$claim-cpu.txt" | awk '{print $NF}')
  verdict_cuda=$(head -1 "$out/$claim-cuda.txt" | awk '{print $NF}')
  if [ -n "$verdict_cpu" ] && [ "$verdict_cpu" = "$verdict_cuda" ]; then
    echo "$claim verdicts: cpu $verdict_cpu, cuda $verdict_cuda (same)" | tee -a "$out/acceptance.txt"
  else
    echo "$claim verdicts: cpu '$verdict_cpu', cuda '$verdict_cuda' (DIFFER)" | tee -a "$out/acceptance.txt"
    status=1
  fi
}
# The result tables stay out of $OUT (hundreds of MB at these sizes).
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
claim_both expfam-risk-expansion "$EXPFAM_REPLICATES"
claim_both "$LDP_CLAIM" "$LDP_REPLICATES"
claim_both ldp-iht-slopes "$IHT_REPLICATES"

# Acceptance 5: one injected spectrum, the same search on both devices.
echo "== acceptance 5: echo search, $ECHO_BENCHMARK N=$ECHO_N SNR $ECHO_SNR, nlive $ECHO_NLIVE =="
spec="$out/echo-$ECHO_BENCHMARK-$ECHO_N.csv"
"$bundle/veristat" echo inject --benchmark "$ECHO_BENCHMARK" --n-echo "$ECHO_N" --snr "$ECHO_SNR" \
  --analytic --seed 1 --out "$spec" >"$out/echo-inject.json" || status=1
for dev in cpu cuda; do
  "$bundle/veristat" echo search --data "$spec" --likelihood new --nlive "$ECHO_NLIVE" \
    --seed "$ECHO_SEED" --device "$dev" >"$out/echo-search-$dev.json" 2>"$out/echo-search-$dev.err"
  rc=$?
  grep '^device: ' "$out/echo-search-$dev.err"
  if [ "$rc" -ne 0 ]; then
    cat "$out/echo-search-$dev.err"
    status=1
    continue
  fi
  f="$out/echo-search-$dev.json"
  echo "echo search --device $dev: $(field seconds "$f") s, ln B = $(field log_bayes_factor "$f") ± $(field log_bayes_factor_err "$f"), $(field n_likelihood_calls "$f") likelihood calls" \
    | tee -a "$out/acceptance.txt"
done

echo "gpu-run: exit $status (outputs in $out)"
exit $status
