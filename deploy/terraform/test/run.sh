#!/usr/bin/env bash
# CI stage for deploy/terraform. Checks the formatting, then, against a local moto server: init,
# validate and plan of examples/users, a least-privilege check of every IAM policy in the plan,
# apply, checks of what was deployed (the dashboard against the metrics ReportLines.cs emits and
# the alarms in the state), destroy (and that nothing is left); the same for examples/multi-active
# (three regions; its IAM held to what multi-active needs; its dashboards show conflicts); then
# examples/cross-account applied (two accounts: a target through an assumed role, one through a
# table's resource policy) and checked by check_cross_account.py (least privilege on both sides, the
# tables in account B, a write with the role's credentials), not destroyed; a plan
# of two deployments in one account (test/two-instances) with a check that no account-scoped name
# is used twice and that only the one given a Lambda prefilter has FilterCriteria
# (check_filtering.py), and plans of test/bad-targets that must fail: a target that is the source
# table itself (with iterator-age thresholds out of order, refused in the same plan), and a target
# listed twice (with include and exclude attributes both given, and prefilter patterns without a
# filter, refused in the same plan). The checkers' self-tests run first, so that a checker that passes everything fails here.
# Works in a temporary copy of deploy/terraform: no state, lock or .terraform lands in the repo.
#
# Needs: terraform, the AWS provider in a local mirror (TF_PLUGIN_DIR, default /opt/tf-plugins),
# moto_server (pip install "moto[server]"), python3 with boto3, and artifacts/lambda.zip (made
# here with build/package-lambda.sh when missing or older than artifacts/lambda/bootstrap).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cd "$repo"

export LC_ALL=C TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0 PYTHONDONTWRITEBYTECODE=1
plugin_dir=${TF_PLUGIN_DIR:-/opt/tf-plugins}
zip="$repo/artifacts/lambda.zip"
bootstrap="$repo/artifacts/lambda/bootstrap"
# The function's metrics, as it writes them: the dashboard check reads their names from here.
metric_source="$repo/src/Replicator.Core/Observability/ReportLines.cs"
vars=(-var "lambda_zip_path=$zip" -var deletion_protection=false)

steps=()
took=()
current=""
work=""
moto_pid=""
started=$EPOCHREALTIME

fail() {
  echo "run.sh: $*" >&2
  exit 1
}

seconds_since() {
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# timed LABEL COMMAND...: runs the command as one step of the timings table.
timed() {
  local label=$1 t0=$EPOCHREALTIME
  shift
  current=$label
  echo "== $label"
  "$@"
  steps+=("$label")
  took+=("$(seconds_since "$t0")")
  current=""
}

# tf LOG ARGS...: terraform ARGS with its output in LOG; the whole log is shown if it fails.
tf() {
  local log=$1
  shift
  if ! terraform "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "terraform $* failed (its output is above)"
  fi
}

print_timings() {
  local i
  [ "${#steps[@]}" -gt 0 ] || return 0
  echo
  echo "== timings"
  for i in "${!steps[@]}"; do
    printf '  %-30s %6s s\n' "${steps[$i]}" "${took[$i]}"
  done
  printf '  %-30s %6s s\n' "total" "$(seconds_since "$started")"
}

cleanup() {
  local status=$?
  trap - EXIT
  if [ -n "$moto_pid" ]; then
    # moto_server was started as the leader of its own process group: stop that group only.
    kill -TERM -- "-$moto_pid" 2>/dev/null || kill -TERM "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -n "$work" ] && [ -s "$work/moto.log" ]; then
    echo "-- last lines of the moto log:" >&2
    tail -n 20 "$work/moto.log" >&2 || true
  fi
  if [ -n "$work" ]; then
    rm -rf "$work"
  fi
  print_timings
  if [ "$status" -ne 0 ]; then
    echo "run.sh: FAILED${current:+ in step \"$current\"} (exit $status)" >&2
  else
    echo "run.sh: terraform stage passed"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools ------------------------------------------------------------------------------------
command -v terraform >/dev/null 2>&1 || fail "terraform not found on PATH"
[ -d "$plugin_dir" ] || fail "no provider mirror at $plugin_dir (set TF_PLUGIN_DIR)"
if ! command -v moto_server >/dev/null 2>&1; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi
command -v moto_server >/dev/null 2>&1 || fail 'moto_server not found: install it with pip install "moto[server]"'
py=python3
if ! "$py" -c 'import boto3' >/dev/null 2>&1; then
  py="$HOME/.pyenv/shims/python3"
  "$py" -c 'import boto3' >/dev/null 2>&1 || fail "python3 with boto3 not found: install it with pip install boto3"
fi

# ---- 1. formatting ------------------------------------------------------------------------------
fmt_check() {
  if ! terraform fmt -check -recursive -diff deploy/terraform; then
    fail "terraform fmt found unformatted files (diff above): run terraform fmt -recursive deploy/terraform"
  fi
}
timed "fmt -check" fmt_check

# ---- the checkers' self-tests (no terraform needed) ---------------------------------------------
self_tests() {
  "$py" "$here/check_iam.py" --self-test "$here/fixtures/iam-star-putitem.plan.json"
  "$py" "$here/check_unique_names.py" --self-test "$here/fixtures/names-duplicate-function.plan.json"
  "$py" -m py_compile "$here/check_cross_account.py"
}
timed "checker self-tests (fixtures)" self_tests

# ---- the deployment zip -------------------------------------------------------------------------
if [ ! -f "$zip" ] || { [ -f "$bootstrap" ] && [ "$bootstrap" -nt "$zip" ]; }; then
  timed "package-lambda" build/package-lambda.sh
fi
[ -f "$zip" ] || fail "$zip is missing after build/package-lambda.sh"

# ---- 2. moto and the working copy ---------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/terraform-test.XXXXXX")
mkdir -p "$work/logs"
logs="$work/logs"

start_moto() {
  local port i
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  endpoint="http://127.0.0.1:$port"
  if command -v setsid >/dev/null 2>&1; then
    setsid moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  else
    moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  fi
  moto_pid=$!
  for i in $(seq 1 150); do
    kill -0 "$moto_pid" 2>/dev/null || fail "moto_server exited at start (log: $(tail -n 5 "$work/moto.log"))"
    if "$py" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1).read(1)' "$endpoint" 2>/dev/null; then
      echo "moto_server (pid $moto_pid) answers at $endpoint"
      return 0
    fi
    sleep 0.1
  done
  fail "moto_server did not answer at $endpoint within 15 s"
}
timed "start moto" start_moto

tar -C "$repo/deploy" -cf - --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate' \
  --exclude='*.tfstate.*' --exclude=moto_override.tf --exclude=plan.out --exclude=plan.json terraform |
  tar -C "$work" -xf -
example="$work/terraform/examples/users"
multi="$work/terraform/examples/multi-active"
xacct="$work/terraform/examples/cross-account"
two="$work/terraform/test/two-instances"
bad="$work/terraform/test/bad-targets"

# The override points every provider of a configuration at moto (TEMPLATE: one with its providers).
override() {
  local template=${2:-moto_override.tf.template}
  sed "s#@ENDPOINT@#$endpoint#g" "$here/$template" >"$1/moto_override.tf"
  if grep -q '@ENDPOINT@' "$1/moto_override.tf"; then
    fail "placeholder left in $1/moto_override.tf"
  fi
}
override "$example"
override "$multi" moto_override_multi_active.tf.template
override "$xacct" moto_override_cross_account.tf.template
override "$two"
override "$bad"

# ---- 3. init, validate, plan ------------------------------------------------------------------
timed "init" tf "$logs/init.log" -chdir="$example" init -input=false -no-color -plugin-dir="$plugin_dir"
timed "validate" tf "$logs/validate.log" -chdir="$example" validate -no-color
plan_example() {
  tf "$logs/plan.log" -chdir="$example" plan -input=false -no-color -out=plan.out "${vars[@]}"
  grep -E '^(Plan:|No changes)' "$logs/plan.log" || true
  terraform -chdir="$example" show -json plan.out >"$work/plan.json"
}
timed "plan" plan_example

# ---- 4. least privilege, checked in the plan ---------------------------------------------------
check_iam() {
  "$py" "$here/check_iam.py" --real "$work/plan.json"
  "$py" "$here/check_iam.py" "$work/plan.json"
}
timed "IAM check (plan)" check_iam

# ---- 5. apply, and what was deployed -----------------------------------------------------------
apply_example() {
  tf "$logs/apply.log" -chdir="$example" apply -input=false -no-color -auto-approve plan.out
  grep -E '^Apply complete' "$logs/apply.log" || true
}
timed "apply" apply_example
check_deployment() {
  terraform -chdir="$example" output -no-color -json >"$work/outputs.json"
  terraform -chdir="$example" show -no-color -json >"$work/state.json"
  "$py" "$here/check_deployment.py" --endpoint "$endpoint" --outputs "$work/outputs.json" \
    --plan "$work/plan.json" --state "$work/state.json" --hash-key email
}
timed "deployment check" check_deployment
# The self-test first (mutations of the deployed body must fail), then the check itself.
check_dashboards() {
  local state=$1
  "$py" "$here/check_dashboard.py" --real --source "$metric_source" --state "$state" --endpoint "$endpoint"
  "$py" "$here/check_dashboard.py" --source "$metric_source" --state "$state" --endpoint "$endpoint"
}
timed "dashboard check" check_dashboards "$work/state.json"

# ---- 6. destroy, and nothing left --------------------------------------------------------------
destroy_example() {
  tf "$logs/destroy.log" -chdir="$example" destroy -input=false -no-color -auto-approve "${vars[@]}"
  grep -E '^Destroy complete' "$logs/destroy.log" || true
  local left
  left=$(terraform -chdir="$example" state list)
  [ -z "$left" ] || fail "terraform destroy left resources in the state: $left"
  echo "terraform state list: empty"
  "$py" "$here/check_deployment.py" --endpoint "$endpoint" --outputs "$work/outputs.json" --state "$work/state.json" --gone
  "$py" "$here/check_dashboard.py" --endpoint "$endpoint" --state "$work/state.json" --gone
}
timed "destroy" destroy_example

# ---- 6b. examples/multi-active: three regions, applied, checked and destroyed ------------------
# No separate validate (plan validates), and destroy without a refresh (the state was just
# written): three regions take about three times the resources, not three times the waits.
timed "multi-active init" tf "$logs/multi-init.log" -chdir="$multi" init -input=false -no-color -plugin-dir="$plugin_dir"
plan_multi() {
  tf "$logs/multi-plan.log" -chdir="$multi" plan -input=false -no-color -out=plan.out "${vars[@]}"
  grep -E '^(Plan:|No changes)' "$logs/multi-plan.log" || true
  terraform -chdir="$multi" show -json plan.out >"$work/multi-plan.json"
}
timed "multi-active plan" plan_multi
check_iam_multi() {
  "$py" "$here/check_iam.py" --real "$work/multi-plan.json"
  "$py" "$here/check_iam.py" "$work/multi-plan.json"
}
timed "multi-active IAM check (plan)" check_iam_multi
apply_multi() {
  tf "$logs/multi-apply.log" -chdir="$multi" apply -input=false -no-color -auto-approve plan.out
  grep -E '^Apply complete' "$logs/multi-apply.log" || true
  terraform -chdir="$multi" output -no-color -json >"$work/multi-outputs.json"
  "$py" "$here/check_multi_active.py" --endpoint "$endpoint" --outputs "$work/multi-outputs.json"
  terraform -chdir="$multi" show -no-color -json >"$work/multi-state.json"
}
timed "multi-active apply + check" apply_multi
timed "multi-active dashboard check" check_dashboards "$work/multi-state.json"
destroy_multi() {
  # moto under load can answer a DeleteTable it has done already with ResourceNotFound (the
  # provider retrying a slow answer): a second destroy, with the state refreshed, finishes the job.
  if ! terraform -chdir="$multi" destroy -input=false -no-color -auto-approve -refresh=false "${vars[@]}" >"$logs/multi-destroy.log" 2>&1; then
    echo "multi-active destroy failed once, trying again with a refresh; its last lines:"
    tail -n 5 "$logs/multi-destroy.log"
    tf "$logs/multi-destroy.log" -chdir="$multi" destroy -input=false -no-color -auto-approve "${vars[@]}"
  fi
  grep -E '^Destroy complete' "$logs/multi-destroy.log" || true
  local left
  left=$(terraform -chdir="$multi" state list)
  [ -z "$left" ] || fail "terraform destroy left resources in the state: $left"
  "$py" "$here/check_multi_active.py" --endpoint "$endpoint" --outputs "$work/multi-outputs.json" --gone
  "$py" "$here/check_dashboard.py" --endpoint "$endpoint" --state "$work/multi-state.json" --gone
}
timed "multi-active destroy + check" destroy_multi

# ---- 6c. examples/cross-account: two accounts, applied and checked -----------------------------
# Applied without a separate plan and not destroyed (moto, and everything in it, goes at the end;
# the users example proves destroy): the added time is init and one apply, about a minute, most of
# it the provider's wait for the two SQS queues. The checker's self-test mutates the real state.
timed "cross-account init" tf "$logs/xacct-init.log" -chdir="$xacct" init -input=false -no-color -plugin-dir="$plugin_dir"
apply_cross_account() {
  tf "$logs/xacct-apply.log" -chdir="$xacct" apply -input=false -no-color -auto-approve "${vars[@]}"
  grep -E '^Apply complete' "$logs/xacct-apply.log" || true
  terraform -chdir="$xacct" output -no-color -json >"$work/xacct-outputs.json"
  terraform -chdir="$xacct" show -no-color -json >"$work/xacct-state.json"
  "$py" "$here/check_cross_account.py" --self-test --endpoint "$endpoint" --state "$work/xacct-state.json" --outputs "$work/xacct-outputs.json"
}
timed "cross-account apply + check" apply_cross_account

# ---- 7. two deployments in one account: distinct names -----------------------------------------
timed "two-instances init" tf "$logs/two-init.log" -chdir="$two" init -input=false -no-color -plugin-dir="$plugin_dir"
plan_two() {
  tf "$logs/two-plan.log" -chdir="$two" plan -input=false -no-color -out=plan.out -var "lambda_zip_path=$zip"
  grep -E '^(Plan:|No changes)' "$logs/two-plan.log" || true
  terraform -chdir="$two" show -json plan.out >"$work/two-plan.json"
}
timed "two-instances plan" plan_two
check_two() {
  "$py" "$here/check_unique_names.py" --real "$work/two-plan.json"
  "$py" "$here/check_unique_names.py" "$work/two-plan.json" --expect-instances 2
  "$py" "$here/check_iam.py" "$work/two-plan.json"
  "$py" "$here/check_filtering.py" "$work/two-plan.json" orders_replicator users_replicator
}
timed "two-instances checks" check_two

# ---- 8. targets (and thresholds) the module must refuse at plan time ---------------------------
# plan_refused LOG TARGETS MESSAGE... [-- VAR=VALUE...]: a plan of test/bad-targets with these
# targets (and variables) must fail, saying each MESSAGE (Terraform wraps its error boxes, so the
# lines are joined before searching). One plan can show several refusals: independent
# preconditions all report.
plan_refused() {
  local log=$1 targets=$2 message v
  shift 2
  local messages=() vars=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    messages+=("$1")
    shift
  done
  if [ $# -gt 0 ]; then
    shift
    for v in "$@"; do vars+=(-var "$v"); done
  fi
  if terraform -chdir="$bad" plan -input=false -no-color -var "lambda_zip_path=$zip" -var "targets=$targets" "${vars[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    fail "the plan with targets $targets ${vars[*]} succeeded; it must fail saying: ${messages[*]}"
  fi
  for message in "${messages[@]}"; do
    if ! sed 's/^[│╵╷] *//' "$log" | tr '\n' ' ' | tr -s ' ' | grep -qF -- "$message"; then
      cat "$log" >&2
      fail "the plan with targets $targets ${vars[*]} failed, but without saying: $message"
    fi
    echo "refused: $message"
  done
}
bad_targets() {
  local source_arn="arn:aws:dynamodb:us-east-1:123456789012:table/users"
  local west_arn="arn:aws:dynamodb:us-west-2:123456789012:table/users"
  plan_refused "$logs/bad-self.log" \
    "[{region = \"us-west-2\", table_name = \"users\", table_arn = \"$west_arn\"}, {region = \"us-east-1\", table_name = \"users\", table_arn = \"$source_arn\"}]" \
    "The target $source_arn is the source table itself" \
    "iterator_age_alarm_ms (43200000) must be below iterator_age_at_risk_alarm_ms (3600000)" \
    -- iterator_age_alarm_ms=43200000 iterator_age_at_risk_alarm_ms=3600000
  plan_refused "$logs/bad-twice.log" \
    "[{region = \"us-west-2\", table_name = \"users\", table_arn = \"$west_arn\"}, {region = \"us-west-2\", table_name = \"users\", table_arn = \"$west_arn\"}]" \
    "The target $west_arn is listed more than once in targets" \
    "Give include_attributes or exclude_attributes, not both." \
    "lambda_prefilter_patterns are set but replication_filter is not" \
    -- 'include_attributes=["name"]' 'exclude_attributes=["ssn"]' 'lambda_prefilter_patterns=["{\"dynamodb\":{}}"]'
}
timed "bad-targets init" tf "$logs/bad-init.log" -chdir="$bad" init -input=false -no-color -plugin-dir="$plugin_dir"
timed "bad-targets plans refused" bad_targets
