output "target" {
  description = "The target, as the replicator module's `targets` takes it."
  value = {
    region      = data.aws_region.current.name
    table_name  = var.table_name
    table_arn   = local.table_arn
    kms_key_arn = var.kms_key_arn
  }
  depends_on = [aws_dynamodb_table.this, data.aws_dynamodb_table.existing]
}

output "table_arn" {
  description = "ARN of the target table."
  value       = local.table_arn
}
