# Test only (planned by ../run.sh against moto, never applied): the replicator module with the
# targets given as a variable, to prove that a plan fails, naming the table, when a target is the
# source table itself or is listed twice; and with the iterator-age thresholds as variables (null:
# the module's defaults), to prove it fails when the data-at-risk alarm would fire first.

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

variable "targets" {
  description = "The replicator module's targets."
  type = list(object({
    region     = string
    table_name = string
    table_arn  = string
  }))
}

variable "iterator_age_alarm_ms" {
  type    = number
  default = null
}

variable "iterator_age_at_risk_alarm_ms" {
  type    = number
  default = null
}

variable "include_attributes" {
  type    = list(string)
  default = []
}

variable "exclude_attributes" {
  type    = list(string)
  default = []
}

variable "lambda_prefilter_patterns" {
  type    = list(string)
  default = []
}

module "replicator" {
  source = "../../modules/replicator"

  name_prefix         = "bad-targets"
  source_table_name   = "users"
  hash_key            = "email"
  deletion_protection = false
  targets             = var.targets
  lambda_zip_path     = var.lambda_zip_path

  iterator_age_alarm_ms         = var.iterator_age_alarm_ms
  iterator_age_at_risk_alarm_ms = var.iterator_age_at_risk_alarm_ms
  include_attributes            = var.include_attributes
  exclude_attributes            = var.exclude_attributes
  lambda_prefilter_patterns     = var.lambda_prefilter_patterns
}
