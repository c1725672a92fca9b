#!/usr/bin/env bash
# Re-creates every runner table the book includes. Run from anywhere; takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for scenario in race tickets rlock semaphore signals timer local; do
  ./target/release/twinsync run "$scenario" --flavor all > "book/src/generated/$scenario.txt"
done
