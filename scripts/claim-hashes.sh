#!/usr/bin/env bash
# Prints `claim content_hash verdict` for every claim at test scale (seed 1, CPU), the table the
# refactors compare before and after: `scripts/claim-hashes.sh [BINARY] > hashes.txt`.
set -euo pipefail
bin=${1:-target/debug/veristat}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for claim in $("$bin" claims | awk '{print $1}'); do
  json=$("$bin" verify "$claim" --scale test --seed 1 --device cpu --format json --out "$out/$claim" 2>/dev/null)
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(sys.argv[2], j["content_hash"], "PASS" if j["checks"] and all(c["pass"] for c in j["checks"]) else "FAIL")' "$json" "$claim"
done
