#!/usr/bin/env bash
# Builds, on this machine (the GPU machines have no Rust toolchain), everything a GPU machine needs
# to check the CUDA kernels, and prints the one command to run there.
#
#   scripts/gpu-check.sh            # build, bundle, print the command
#
# 1. the CUDA-enabled release binary (`veristat device`: every kernel against its CPU twin on
#    fresh inputs, with timings);
# 2. the library's unit-test binary with `--features cuda` (the #[ignore]d GPU agreement tests,
#    i.e. `cargo test --features cuda -- --ignored` without cargo);
# both stripped into target/gpu/bundle/ (about 40 MiB together; the device tool carries at most
# 64 MiB). cudarc loads the CUDA libraries at run time, so no toolkit is needed to build. When
# libnvrtc is loadable here (NVRTC_DIR=<folder with libnvrtc.so.13>, e.g. from the PyPI wheel
# nvidia-cuda-nvrtc), the kernels are also compiled by the real NVRTC before anything is shipped.
#
# Build output goes to $GPU_TARGET_DIR (default target/gpu), apart from the CPU-only builds.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${GPU_TARGET_DIR:-target/gpu}
bundle=target/gpu/bundle
mkdir -p "$bundle"

cargo build --release --features cuda --bin veristat --target-dir "$target_dir"
# The test binary needs no polars/plotters: the GPU tests live in the library.
test_bin=$(cargo test --no-run --no-default-features --features cuda --lib --target-dir "$target_dir" 2>&1 \
  | tee /dev/stderr | sed -n 's/.*Executable unittests src\/lib.rs (\(.*\))$/\1/p' | tail -1)
if [ -z "$test_bin" ] || [ ! -x "$test_bin" ]; then
  echo "could not find the library test binary in cargo's output" >&2
  exit 1
fi
strip -o "$bundle/veristat" "$target_dir/release/veristat"
strip -o "$bundle/veristat-gpu-tests" "$test_bin"

if [ -n "${NVRTC_DIR:-}" ]; then
  echo "compiling every kernel with the NVRTC in $NVRTC_DIR:"
  LD_LIBRARY_PATH="$NVRTC_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$bundle/veristat-gpu-tests" --ignored --exact gpu::tests::nvrtc_compiles_every_kernel --nocapture
fi

echo "bundled:"
ls -l "$bundle"
echo "total $(( $(du -cb "$bundle"/veristat "$bundle"/veristat-gpu-tests | tail -1 | cut -f1) / 1048576 )) MiB"
cat <<MSG
On the GPU machine, from the repository root (device tool: carry ["$bundle"], timeout_s 480):
  bash scripts/gpu-run.sh
It sets LD_LIBRARY_PATH (CUDA 13 toolkit and driver folders), runs the GPU tests
  $bundle/veristat-gpu-tests --include-ignored --test-threads 1 gpu:: device::
then
  $bundle/veristat device --seed 1
then the acceptance 4 and 5 comparisons (--device cpu against --device cuda: verify
expfam-risk-expansion and ldp-nldp-slopes, echo search on one injected spectrum; sizes at the
top of gpu-run.sh), and copies the outputs to \$OUT (acceptance.txt has the comparison lines).
Without a GPU, 'veristat device' prints one line naming what is missing and exits 2.
MSG
