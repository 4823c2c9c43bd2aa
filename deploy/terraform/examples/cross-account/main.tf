# A users table in account A (us-east-1) replicated to two tables in account B, each reached one
# of the two ways docs/cross-account.md describes:
#   - us-west-2: through a role in account B that the function assumes (STS AssumeRole); the
#     role trusts exactly the function's role, asks for an external id, and may only write that table;
#   - eu-west-1: with no role, through a resource-based policy on the table granting the
#     function's role the same three write actions.
# Each account has its own providers: how they get account B's credentials (a profile, an
# assume_role block) is yours to choose; the function's role is in account A.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }
  }
}

# Account A: the source table and the replicator.
provider "aws" {
  region = "us-east-1"
}

# Account B: the target tables and the writer role.
provider "aws" {
  alias   = "target_us_west_2"
  region  = "us-west-2"
  profile = var.target_account_profile
}

provider "aws" {
  alias   = "target_eu_west_1"
  region  = "eu-west-1"
  profile = var.target_account_profile
}

data "aws_caller_identity" "target" {
  provider = aws.target_us_west_2
}

data "aws_partition" "target" {
  provider = aws.target_us_west_2
}

locals {
  # Built from its name, not read from the role: the function's configuration names the role, and
  # the role's trust policy names the function's role, which would otherwise be a cycle.
  writer_role_name = "${var.name_prefix}-writer"
  writer_role_arn  = "arn:${data.aws_partition.target.partition}:iam::${data.aws_caller_identity.target.account_id}:role/${local.writer_role_name}"
  write_actions    = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
}

module "users_us_west_2" {
  source    = "../../modules/target-table"
  providers = { aws = aws.target_us_west_2 }

  table_name          = "users"
  hash_key            = "email"
  deletion_protection = var.deletion_protection
  tags                = var.tags
}

module "users_eu_west_1" {
  source    = "../../modules/target-table"
  providers = { aws = aws.target_eu_west_1 }

  table_name          = "users"
  hash_key            = "email"
  deletion_protection = var.deletion_protection
  tags                = var.tags
}

module "replicator" {
  source = "../../modules/replicator"

  name_prefix         = var.name_prefix
  source_table_name   = "users"
  hash_key            = "email"
  deletion_protection = var.deletion_protection
  targets = [
    merge(module.users_us_west_2.target, { role_arn = local.writer_role_arn, external_id = var.external_id }),
    module.users_eu_west_1.target,
  ]
  lambda_zip_path = var.lambda_zip_path
  tags            = var.tags
}

# ---- Way 1: a role in account B, assumed by the function -------------------------------------

data "aws_iam_policy_document" "writer_trust" {
  provider = aws.target_us_west_2
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [module.replicator.role_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "writer" {
  provider             = aws.target_us_west_2
  name                 = local.writer_role_name
  assume_role_policy   = data.aws_iam_policy_document.writer_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "writer" {
  provider = aws.target_us_west_2
  statement {
    sid       = "WriteTheTarget"
    actions   = local.write_actions
    resources = [module.users_us_west_2.table_arn]
  }
}

resource "aws_iam_role_policy" "writer" {
  provider = aws.target_us_west_2
  name     = local.writer_role_name
  role     = aws_iam_role.writer.id
  policy   = data.aws_iam_policy_document.writer.json
}

# ---- Way 2: no role; the table's resource-based policy grants the function's role ------------

data "aws_iam_policy_document" "users_eu_west_1" {
  provider = aws.target_eu_west_1
  statement {
    sid     = "ReplicatorWrites"
    actions = local.write_actions
    principals {
      type        = "AWS"
      identifiers = [module.replicator.role_arn]
    }
    resources = [module.users_eu_west_1.table_arn]
  }
}

resource "aws_dynamodb_resource_policy" "users_eu_west_1" {
  provider = aws.target_eu_west_1
  # The target output, not table_arn: it waits for the table, which must exist to take a policy.
  resource_arn = module.users_eu_west_1.target.table_arn
  policy       = data.aws_iam_policy_document.users_eu_west_1.json
}
