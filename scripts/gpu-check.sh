#!/usr/bin/env bash
# Builds the CUDA-enabled release binary on this machine (the GPU machines have no Rust
# toolchain) and prints how to run the device checks on a GPU machine.
#
#   scripts/gpu-check.sh            # build, then print the command
#
# The binary goes to target/gpu/ so it does not replace the CPU-only release build. cudarc loads
# the CUDA libraries at run time, so the build needs no CUDA toolkit here; on the GPU machine the
# libraries are found through LD_LIBRARY_PATH (never the toolkit's `stubs` folder).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=target/gpu
cargo build --release --features cuda --bin veristat --target-dir "$target_dir"
bin="$target_dir/release/veristat"
mib=$(( $(stat -c %s "$bin") / 1048576 ))
echo "built $bin (${mib} MiB)"
cat <<MSG
On the GPU machine, from the repository root (with the device tool: carry ["$bin"]):
  export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:/usr/local/nvidia/lib64
  $bin device
Without a GPU, '$bin device' prints one line naming what is missing and exits 2.
MSG
