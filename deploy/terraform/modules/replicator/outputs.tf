output "function_name" {
  description = "The replicator function."
  value       = aws_lambda_function.replicator.function_name
}

output "function_arn" {
  value = aws_lambda_function.replicator.arn
}

output "role_arn" {
  description = "The function's execution role."
  value       = aws_iam_role.replicator.arn
}

output "source_table_arn" {
  value = local.source_table_arn
}

output "source_stream_arn" {
  description = "The stream the function reads."
  value       = local.source_stream_arn
}

output "event_source_mapping_uuid" {
  description = "The mapping from the stream to the function (enable it after a backfill: see docs/deploy.md)."
  value       = aws_lambda_event_source_mapping.stream.uuid
}

output "dead_letter_queue_url" {
  description = "Poison records, one message each: the original stream record, the target, the error."
  value       = aws_sqs_queue.dead_letters.url
}

output "failed_batches_queue_url" {
  description = "Batches the mapping gave up on: their shard and sequence number range."
  value       = aws_sqs_queue.failed_batches.url
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.function.name
}

output "alarm_names" {
  value = local.alarm_names
}

output "dashboard_name" {
  description = "The CloudWatch dashboard (null when dashboard_enabled is false)."
  value       = var.dashboard_enabled ? aws_cloudwatch_dashboard.replication[0].dashboard_name : null
}

output "replica" {
  description = "Multi-active: this region's replica, as the other regions' instances of this module take it in `targets`."
  value = {
    region      = local.region
    table_name  = var.source_table_name
    table_arn   = local.source_table_arn
    kms_key_arn = var.kms_key_arn
  }
  depends_on = [aws_dynamodb_table.source, aws_dynamodb_table.side]
}

output "side_table_arns" {
  description = "Multi-active: the replica's tombstones and conflicts tables (empty in one-way mode)."
  value       = { for k, t in aws_dynamodb_table.side : k => t.arn }
}
