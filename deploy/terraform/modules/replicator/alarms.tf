# Alarms on what a replication operator watches: how far behind it is, records that failed (the
# function answers partial failures without erroring, so Lambda's Errors metric alone misses
# them), function errors, and messages waiting in the two queues.

locals {
  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${var.name_prefix}-replication-behind"
  alarm_description   = "Replication of ${var.source_table_name} is more than ${var.iterator_age_alarm_ms / 1000} s behind the stream."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = local.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.iterator_age_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "records_failed" {
  alarm_name          = "${var.name_prefix}-records-failed"
  alarm_description   = "Records of ${var.source_table_name} could not be replicated and are being retried (see the function's log)."
  namespace           = "DynamoDbReplicator"
  metric_name         = "RecordsFailed"
  dimensions          = { FunctionName = local.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  alarm_name          = "${var.name_prefix}-function-errors"
  alarm_description   = "The replicator function failed whole invocations (malformed events, or a crash)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = local.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_depth" {
  for_each = {
    dead-letters   = aws_sqs_queue.dead_letters.name
    failed-batches = aws_sqs_queue.failed_batches.name
  }

  alarm_name          = "${var.name_prefix}-${each.key}-waiting"
  alarm_description   = "Messages are waiting in ${each.value}: records that were not replicated."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
