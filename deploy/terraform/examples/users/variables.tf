variable "name_prefix" {
  description = "Prefix of the names of everything the replicator creates."
  type        = string
  default     = "users-replication"
}

variable "lambda_zip_path" {
  description = "The deployment zip made by build/package-lambda.sh."
  type        = string
  default     = "../../../../artifacts/lambda.zip"
}

variable "deletion_protection" {
  description = "Protect both tables from deletion; set false to let terraform destroy remove them."
  type        = bool
  default     = true
}

variable "mapping_enabled" {
  description = "Whether the stream feeds the function; false while a backfill copies the existing items (scripts/backfill-lambda.sh)."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic for alarm notifications (null for none)."
  type        = string
  default     = null
}

variable "tags" {
  type    = map(string)
  default = { application = "users", managed-by = "terraform" }
}
