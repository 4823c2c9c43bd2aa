# Test only (planned by ../run.sh against moto, never applied): two replicator deployments side by
# side in one account, with the same providers, to prove that every account-scoped name the modules
# create (function, role, role policy, queues, log group, alarms, tables per region) is distinct
# between them. The source and target tables of one deployment share a name in two regions, which
# is allowed. The orders deployment also has a filter, a projection and a Lambda prefilter.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"
}

variable "lambda_zip_path" {
  description = "The deployment zip made by build/package-lambda.sh."
  type        = string
}

module "users_us_west_2" {
  source    = "../../modules/target-table"
  providers = { aws = aws.us_west_2 }

  table_name          = "users"
  hash_key            = "email"
  deletion_protection = false
}

module "users_replicator" {
  source = "../../modules/replicator"

  name_prefix         = "users-replication"
  source_table_name   = "users"
  hash_key            = "email"
  deletion_protection = false
  targets             = [module.users_us_west_2.target]
  lambda_zip_path     = var.lambda_zip_path
}

module "orders_us_west_2" {
  source    = "../../modules/target-table"
  providers = { aws = aws.us_west_2 }

  table_name          = "orders"
  hash_key            = "order_id"
  deletion_protection = false
}

module "orders_replicator" {
  source = "../../modules/replicator"

  name_prefix         = "orders-replication"
  source_table_name   = "orders"
  hash_key            = "order_id"
  deletion_protection = false
  targets             = [module.orders_us_west_2.target]
  lambda_zip_path     = var.lambda_zip_path

  # One of the two replicates part of its table, so that ../check_filtering.py sees the filter's
  # variables and FilterCriteria in one deployment's plan and nothing of them in the other's.
  replication_filter = "begins_with(order_id, \"eu#\") and status = \"open\""
  exclude_attributes = ["card"]
  lambda_prefilter_patterns = [
    jsonencode({ dynamodb = { NewImage = { order_id = { S = [{ prefix = "eu#" }] }, status = { S = ["open"] } } } }),
    jsonencode({ dynamodb = { OldImage = { order_id = { S = [{ prefix = "eu#" }] }, status = { S = ["open"] } } } }),
  ]
}
