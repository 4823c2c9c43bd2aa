variable "name_prefix" {
  description = "Prefix of the names of everything the replicator creates (and of the writer role in account B)."
  type        = string
  default     = "users-xacct"
}

variable "lambda_zip_path" {
  description = "The deployment zip made by build/package-lambda.sh."
  type        = string
  default     = "../../../../artifacts/lambda.zip"
}

variable "target_account_profile" {
  description = "The AWS CLI profile with credentials for account B (the targets' account); null for the environment's."
  type        = string
  default     = null
}

variable "external_id" {
  description = "The external id the writer role's trust policy asks for, passed by the function in AssumeRole. Not a secret (it is in the function's configuration); it guards against a confused deputy when account B trusts a role it does not own."
  type        = string
  default     = "users-replication"
}

variable "deletion_protection" {
  description = "Protect the tables from deletion; set false to let terraform destroy remove them."
  type        = bool
  default     = true
}

variable "tags" {
  type    = map(string)
  default = { application = "users", managed-by = "terraform" }
}
