variable "table_name" {
  description = "Name of the target table in this provider's region."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'."
  }
}

variable "create" {
  description = "Create the table (true), or use an existing one of that name (false)."
  type        = bool
  default     = true
}

variable "hash_key" {
  description = "Partition key attribute: the same as the source table's."
  type        = string
}

variable "hash_key_type" {
  description = "Partition key type: S, N or B."
  type        = string
  default     = "S"
  validation {
    condition     = contains(["S", "N", "B"], var.hash_key_type)
    error_message = "hash_key_type must be S, N or B."
  }
}

variable "range_key" {
  description = "Sort key attribute, if the source table has one (null for none)."
  type        = string
  default     = null
}

variable "range_key_type" {
  description = "Sort key type: S, N or B."
  type        = string
  default     = "S"
  validation {
    condition     = contains(["S", "N", "B"], var.range_key_type)
    error_message = "range_key_type must be S, N or B."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST or PROVISIONED."
  type        = string
  default     = "PAY_PER_REQUEST"
  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Read capacity units (PROVISIONED only)."
  type        = number
  default     = 5
}

variable "write_capacity" {
  description = "Write capacity units (PROVISIONED only). Replication writes every change here: size it like the source's."
  type        = number
  default     = 5
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the table from deletion (set false to let terraform destroy remove it)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for server-side encryption (in this region); null uses the AWS owned key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
}
