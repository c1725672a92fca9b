#!/usr/bin/env bash
# Re-creates every runner table the book includes (book/src/generated/*.txt), from a release
# build of the runner. Run from anywhere; takes about a minute on a 2-core machine (a few more
# for the `scale --full` table).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# Run a private copy, so that a rebuild of target/ meanwhile cannot pull the runner (which
# re-executes itself once per pair) from under the run.
runner_dir=$(mktemp -d)
trap 'rm -rf "$runner_dir"' EXIT
cp target/release/twinsync "$runner_dir/"
runner=$runner_dir/twinsync
# A backtrace printed for the scenario's deliberate panic would cost tens of MiB and
# milliseconds and distort the figures.
export RUST_BACKTRACE=0
out=book/src/generated
mkdir -p "$out"
# Every scenario, in the order of the tour (`twinsync list`).
for scenario in spawn_join race tickets deadlock rlock semaphore timer cancel local signals \
  queue_orders producer_consumer joinable pool cpu_vs_io scale; do
  echo "generating $out/$scenario.txt" >&2
  "$runner" run "$scenario" --flavor all > "$out/$scenario.txt"
done
# The big sizes: up to 1M tasks, and threads until the OS's map limit (the scenario stops just
# short of it and says so).
echo "generating $out/scale-full.txt" >&2
"$runner" run scale --flavor all --full > "$out/scale-full.txt"
# The curves of the scale and cpu_vs_io chapters.
echo "generating $out/scale.svg and $out/cpu_vs_io.svg" >&2
"$runner" plot --out-dir "$out" > /dev/null
