variable "name_prefix" {
  description = "Prefix of the names of everything the replicators create; each region's instance adds its region to it."
  type        = string
  default     = "users-ma"
}

variable "lambda_zip_path" {
  description = "The deployment zip made by build/package-lambda.sh."
  type        = string
  default     = "../../../../artifacts/lambda.zip"
}

variable "metadata_attribute" {
  description = "The reserved attribute of each item's version, the same in every region; the application must not write it."
  type        = string
  default     = "_replication"
}

variable "tombstone_retention" {
  description = "How long deletes' tombstones are kept (at least 25h): longer than any replicator may be down and still resume."
  type        = string
  default     = "7d"
}

variable "deletion_protection" {
  description = "Protect the tables from deletion; set false to let terraform destroy remove them."
  type        = bool
  default     = true
}

variable "mapping_enabled" {
  description = "Whether each region's stream feeds its function; false while a new region is copied in (docs/deploy.md)."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arns" {
  description = "Per region, the SNS topic for alarm notifications (null for none)."
  type        = map(string)
  default     = { "us-east-1" = null, "eu-west-1" = null, "ap-southeast-2" = null }
}

variable "tags" {
  type    = map(string)
  default = { application = "users", managed-by = "terraform" }
}
