#!/usr/bin/env bash
# Fails when a figure in book/src/generated/ is older than the example it was made from: each
# generated file names the example and its git blob hash (book/generate.sh writes that line), and
# the example must still hash the same. Cheap: nothing is re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
stale=0
for file in book/src/generated/*; do
  stamp=$(grep -o -m1 'from examples/[a-z_]*\.rs [0-9a-f]*' "$file" || true)
  if [ -z "$stamp" ]; then
    echo "check-fresh: $file records no example (re-run book/generate.sh)" >&2
    stale=1
    continue
  fi
  read -r _ example recorded <<<"$stamp"
  if [ ! -f "$example" ] || [ "$(git hash-object "$example")" != "$recorded" ]; then
    echo "check-fresh: $file is older than $example (re-run book/generate.sh)" >&2
    stale=1
  fi
done
exit $stale
