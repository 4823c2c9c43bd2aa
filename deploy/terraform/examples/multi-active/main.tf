# Multi-active users: one writable users table in each of three regions (us-east-1, eu-west-1,
# ap-southeast-2). Each region has its replica: the table with its stream, the tombstones and
# conflicts side tables, the function that forwards that region's writes to the other two, the
# event source mapping, the queues and the alarms. Each instance of the module gets the other two
# replicas as its targets.

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
  alias  = "eu_west_1"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "ap_southeast_2"
  region = "ap-southeast-2"
}

locals {
  common = {
    source_table_name   = "users"
    hash_key            = "email"
    mode                = "multi-active"
    metadata_attribute  = var.metadata_attribute
    tombstone_retention = var.tombstone_retention
  }
}

module "us_east_1" {
  source = "../../modules/replicator"

  name_prefix         = "${var.name_prefix}-us-east-1"
  source_table_name   = local.common.source_table_name
  hash_key            = local.common.hash_key
  mode                = local.common.mode
  metadata_attribute  = local.common.metadata_attribute
  tombstone_retention = local.common.tombstone_retention
  targets             = [module.eu_west_1.replica, module.ap_southeast_2.replica]
  deletion_protection = var.deletion_protection
  lambda_zip_path     = var.lambda_zip_path
  mapping_enabled     = var.mapping_enabled
  alarm_sns_topic_arn = var.alarm_sns_topic_arns["us-east-1"]
  tags                = var.tags
}

module "eu_west_1" {
  source    = "../../modules/replicator"
  providers = { aws = aws.eu_west_1 }

  name_prefix         = "${var.name_prefix}-eu-west-1"
  source_table_name   = local.common.source_table_name
  hash_key            = local.common.hash_key
  mode                = local.common.mode
  metadata_attribute  = local.common.metadata_attribute
  tombstone_retention = local.common.tombstone_retention
  targets             = [module.us_east_1.replica, module.ap_southeast_2.replica]
  deletion_protection = var.deletion_protection
  lambda_zip_path     = var.lambda_zip_path
  mapping_enabled     = var.mapping_enabled
  alarm_sns_topic_arn = var.alarm_sns_topic_arns["eu-west-1"]
  tags                = var.tags
}

module "ap_southeast_2" {
  source    = "../../modules/replicator"
  providers = { aws = aws.ap_southeast_2 }

  name_prefix         = "${var.name_prefix}-ap-southeast-2"
  source_table_name   = local.common.source_table_name
  hash_key            = local.common.hash_key
  mode                = local.common.mode
  metadata_attribute  = local.common.metadata_attribute
  tombstone_retention = local.common.tombstone_retention
  targets             = [module.us_east_1.replica, module.eu_west_1.replica]
  deletion_protection = var.deletion_protection
  lambda_zip_path     = var.lambda_zip_path
  mapping_enabled     = var.mapping_enabled
  alarm_sns_topic_arn = var.alarm_sns_topic_arns["ap-southeast-2"]
  tags                = var.tags
}
