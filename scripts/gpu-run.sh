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
# Sizes (override from the environment) keep the whole script near 7 minutes on an H100 machine
# with 16 cores (run it with the device tool's timeout_s 480). Acceptance 4 runs each claim at
# R replicates on the CPU and at R and 10R on the GPU: R on both compares the verdicts (the same
# replicate count, so the same power), 10R on the GPU must finish within the CPU's wall time.
EXPFAM_REPLICATES=${EXPFAM_REPLICATES:-200000} # expfam-risk-expansion (--scale full), R
NLDP_REPLICATES=${NLDP_REPLICATES:-4000}       # ldp-nldp-slopes, R
PUBLIC_REPLICATES=${PUBLIC_REPLICATES:-2000}   # ldp-public-slopes, R
IHT_REPLICATES=${IHT_REPLICATES:-100}          # ldp-iht-slopes, R (its quick-scale default; ~1 s each on 16 cores)
CLAIM_TIMEOUT=${CLAIM_TIMEOUT:-150}            # seconds allowed to any one claim run
ECHO_BENCHMARK=${ECHO_BENCHMARK:-boltzmann}    # injected spectrum (analytic transfer function)
# N = 500 echoes: T = 500 × 870 M, 69k bins, a search of about 150 s on 2 cores (25 s on 16).
# At N = 50 (7k bins) the CPU search takes 8.5 s on 2 cores, and a GPU's fixed costs (context,
# NVRTC compile, a launch per batch) would decide the ratio rather than the likelihoods.
ECHO_N=${ECHO_N:-500}                          # echoes in it
ECHO_SNR=${ECHO_SNR:-15}                       # its optimal SNR
ECHO_NLIVE=${ECHO_NLIVE:-500}                  # live points of the search
ECHO_BATCH=${ECHO_BATCH:-50}                   # K on both devices (CUDA's default nlive/10)
ECHO_SEED=${ECHO_SEED:-1}
# DRY_RUN=1 (on any machine, with BUNDLE holding a `veristat` built here): the script's
# mechanics with `--device cpu` standing in for cuda, no tests and no device table.
DRY_RUN=${DRY_RUN:-0}
set -uo pipefail
cd "$(dirname "$0")/.."
gpu=cuda
[ "$DRY_RUN" = 1 ] && gpu=cpu
bundle=${BUNDLE:-target/gpu/bundle}
out=${OUT:-target/gpu/out}
mkdir -p "$out"
bins="veristat veristat-gpu-tests"
[ "$DRY_RUN" = 1 ] && bins=veristat
for f in $bins; do
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
if [ "$DRY_RUN" != 1 ]; then
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
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
field() { sed -n "s/^ *\"$1\": \([^,]*\),\{0,1\}$/\1/p" "$2" | head -1; }

verdict_of() { head -1 "$1" 2>/dev/null | awk '{print $NF}'; }

# One claim run: prints its seconds; the verdict line goes to $out/$claim-$tag.txt.
claim_run() {
  local claim=$1 reps=$2 dev=$3 tag=$4 t0 t1 rc
  t0=$(now)
  timeout "$CLAIM_TIMEOUT" "$bundle/veristat" verify "$claim" --scale full --replicates "$reps" \
    --seed 1 --out "$runs/$claim-$tag" --device "$dev" >"$out/$claim-$tag.txt" 2>"$out/$claim-$tag.err"
  rc=$?
  t1=$(now)
  rm -rf "$runs/$claim-$tag"
  if [ "$rc" -ne 0 ]; then
    echo "$claim $tag: exit $rc" >&2
    tail -3 "$out/$claim-$tag.err" >&2
    status=1
  fi
  secs "$t0" "$t1"
}

# Acceptance 4: R replicates on the CPU, R and 10R on the GPU.
claim_both() {
  local claim=$1 reps=$2 tc tg tg10 vc vg vg10 met
  echo "== acceptance 4: $claim, R = $reps (CPU), R and 10R (GPU), --scale full =="
  tc=$(claim_run "$claim" "$reps" cpu cpu)
  grep -h '^device: ' "$out/$claim-cpu.err"
  tg=$(claim_run "$claim" "$reps" "$gpu" cuda)
  grep -h '^device: ' "$out/$claim-cuda.err"
  tg10=$(claim_run "$claim" "$((10 * reps))" "$gpu" cuda10)
  vc=$(verdict_of "$out/$claim-cpu.txt")
  vg=$(verdict_of "$out/$claim-cuda.txt")
  vg10=$(verdict_of "$out/$claim-cuda10.txt")
  met=$(awk -v a="$tg10" -v b="$tc" -v v="$vg10" 'BEGIN { print (v != "" && a > 0 && a <= b) ? "met" : "NOT met" }')
  {
    echo "$claim: cpu $reps reps in $tc s ($(rate "$reps" "$tc")/s) $vc; cuda $reps reps in $tg s $vg; cuda $((10 * reps)) reps in $tg10 s ($(rate "$((10 * reps))" "$tg10")/s) $vg10"
    echo "$claim: 10x replicates within the CPU's wall time: $met; verdicts at $reps: cpu $vc, cuda $vg ($([ -n "$vc" ] && [ "$vc" = "$vg" ] && echo same || echo DIFFER))"
  } | tee -a "$out/acceptance.txt"
  if [ "$met" != met ] || [ -z "$vc" ] || [ "$vc" != "$vg" ]; then
    status=1
  fi
}
# The result tables stay out of $OUT (hundreds of MB at these sizes).
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

# Acceptance 5 first (the most device time per run): one injected spectrum, the same search
# (same K) on both devices.
echo "== acceptance 5: echo search, $ECHO_BENCHMARK N=$ECHO_N SNR $ECHO_SNR, nlive $ECHO_NLIVE, K $ECHO_BATCH =="
spec="$out/echo-$ECHO_BENCHMARK-$ECHO_N.csv"
"$bundle/veristat" echo inject --benchmark "$ECHO_BENCHMARK" --n-echo "$ECHO_N" --snr "$ECHO_SNR" \
  --analytic --seed 1 --out "$spec" >"$out/echo-inject.json" || status=1
for dev in cpu "$gpu"; do
  tag=$dev
  [ "$DRY_RUN" = 1 ] && [ "$tag" = cpu ] && [ -s "$out/echo-search-cpu.json" ] && tag=cuda
  t0=$(now)
  timeout 240 "$bundle/veristat" echo search --data "$spec" --likelihood new --nlive "$ECHO_NLIVE" \
    --batch "$ECHO_BATCH" --seed "$ECHO_SEED" --device "$dev" >"$out/echo-search-$tag.json" 2>"$out/echo-search-$tag.err"
  rc=$?
  t1=$(now)
  secs "$t0" "$t1" >"$out/echo-search-$tag.wall"
  grep '^device: ' "$out/echo-search-$tag.err"
  if [ "$rc" -ne 0 ]; then
    echo "echo search --device $dev: exit $rc"
    tail -3 "$out/echo-search-$tag.err"
    status=1
    continue
  fi
  f="$out/echo-search-$tag.json"
  echo "echo search --device $dev: $(cat "$out/echo-search-$tag.wall") s wall ($(field seconds "$f") s searching), ln B = $(field log_bayes_factor "$f") ± $(field log_bayes_factor_err "$f"), $(field n_likelihood_calls "$f") likelihood calls" \
    | tee -a "$out/acceptance.txt"
done
if [ -s "$out/echo-search-cpu.json" ] && [ -s "$out/echo-search-cuda.json" ]; then
  # The ratio of whole-command wall times: the GPU's context and NVRTC compile count against it.
  awk -v tc="$(cat "$out/echo-search-cpu.wall")" -v tg="$(cat "$out/echo-search-cuda.wall")" \
    -v bc="$(field log_bayes_factor "$out/echo-search-cpu.json")" -v bg="$(field log_bayes_factor "$out/echo-search-cuda.json")" \
    -v ec="$(field log_bayes_factor_err "$out/echo-search-cpu.json")" -v eg="$(field log_bayes_factor_err "$out/echo-search-cuda.json")" \
    'BEGIN { sp = tc / tg; z = (bc - bg) / sqrt(ec * ec + eg * eg);
             printf "echo search: cuda %.1fx faster than cpu (%s); ln B differ by %.2f combined errors (%s)\n",
               sp, (sp >= 5 ? "met" : "NOT met"), z, (z < 3 && z > -3 ? "within" : "NOT within") }' \
    | tee -a "$out/acceptance.txt"
  grep -q "NOT" <(tail -1 "$out/acceptance.txt") && status=1
fi

claim_both expfam-risk-expansion "$EXPFAM_REPLICATES"
claim_both ldp-nldp-slopes "$NLDP_REPLICATES"
claim_both ldp-public-slopes "$PUBLIC_REPLICATES"
claim_both ldp-iht-slopes "$IHT_REPLICATES"

echo "gpu-run: exit $status (outputs in $out)"
exit $status
