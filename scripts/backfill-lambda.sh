#!/usr/bin/env bash
# Brings a table that already holds data into replication by the Lambda function, safely while
# the application keeps writing:
#   1. terraform apply with the event source mapping created disabled (at TRIM_HORIZON): the
#      stream keeps every change from now on, and nothing is replayed yet;
#   2. replicator backfill copies every existing item to the targets;
#   3. terraform apply with the mapping enabled: it replays the stream from the trim horizon, so
#      every change made during the copy lands after it, in order.
# Step 3 must come within 24 hours of step 1 (the stream's retention).
#
#   scripts/backfill-lambda.sh TERRAFORM_DIR --source REGION:TABLE --target REGION:TABLE [--target ...] [more backfill options]
#
# e.g. scripts/backfill-lambda.sh deploy/terraform/examples/users --source us-east-1:users --target us-west-2:users
# Extra terraform variables can be given with TF_CLI_ARGS_apply (e.g. -var-file=prod.tfvars).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] && [ -d "$1" ] || { sed -n '2,16p' "$0" >&2; exit 2; }
dir="$1"; shift

echo "1/3 terraform apply with the stream mapping disabled"
terraform -chdir="$dir" apply -input=false -auto-approve -var mapping_enabled=false

echo "2/3 copying the existing items"
started=$(date +%s)
"$root/replicator" backfill "$@" --checkpoint "$(mktemp -d)/backfill-lambda.json"

if [ $(( $(date +%s) - started )) -gt $(( 23 * 3600 )) ]; then
  echo "warning: the copy took more than 23 hours; records at the start of the stream may be trimmed before the mapping replays them: verify afterwards." >&2
fi

echo "3/3 terraform apply with the stream mapping enabled (replays from the trim horizon)"
terraform -chdir="$dir" apply -input=false -auto-approve -var mapping_enabled=true
echo "done: the function now applies every change made since step 1. Check with: replicator verify $*"
