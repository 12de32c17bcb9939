#!/usr/bin/env bash
# Runs on a GPU machine, which has no Rust toolchain: the CUDA agreement tests and the
# `veristat device` table, from the two binaries that scripts/gpu-check.sh bundled here.
#
#   bash scripts/gpu-run.sh            # with target/gpu/bundle carried over
#
# Prints everything and copies it to $OUT (the device tool's output folder) or target/gpu/out.
# Exit status: 0 when every test passed and every kernel agreed with its CPU twin, 1 otherwise,
# 2 when the bundle or the GPU is missing.
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
status=0
echo "== GPU agreement tests (library test binary, ignored tests included) =="
"$bundle/veristat-gpu-tests" --include-ignored --test-threads 1 gpu:: device:: 2>&1 | tee "$out/gpu-tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "== veristat device (default sizes, seed 1) =="
"$bundle/veristat" device --seed 1 2>&1 | tee "$out/device.txt"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 2 ]; then
  status=2
elif [ "$rc" -ne 0 ]; then
  status=1
fi
echo "gpu-run: exit $status (outputs in $out)"
exit $status
