#!/usr/bin/env bash
# Builds the Lambda deployment package: artifacts/lambda.zip, with the Native AOT `bootstrap` at
# its root (what the provided.al2023 runtime runs). Terraform takes this path (lambda_zip_path).
set -euo pipefail
cd "$(dirname "$0")/.."
build/publish-lambda.sh
rm -f artifacts/lambda.zip
(cd artifacts/lambda && zip -q -X ../lambda.zip bootstrap)
echo "package-lambda: artifacts/lambda.zip ($(stat -c %s artifacts/lambda.zip) bytes)"
