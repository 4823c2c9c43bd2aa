# The original deployment, done right: a users table keyed by email in us-east-1, replicated to
# us-west-2. Each region has its own provider; the target table's module gets the us-west-2 one.

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

module "users_us_west_2" {
  source    = "../../modules/target-table"
  providers = { aws = aws.us_west_2 }

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
  targets             = [module.users_us_west_2.target]
  lambda_zip_path     = var.lambda_zip_path
  mapping_enabled     = var.mapping_enabled
  alarm_sns_topic_arn = var.alarm_sns_topic_arn
  tags                = var.tags
}
