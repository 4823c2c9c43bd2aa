# Alarms on what a replication operator watches: how far behind it is (twice: behind, and data at
# risk before the stream's 24 h retention runs out; variables.tf says why at 1 h and 12 h), records
# that failed (the function answers partial failures without erroring, so Lambda's Errors metric
# alone misses them), function errors, and messages waiting in the two queues.

locals {
  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  # Thresholds as people read them: 1 h, 30 min, 90 s.
  iterator_age_text = {
    for k, ms in { behind = var.iterator_age_alarm_ms, at_risk = var.iterator_age_at_risk_alarm_ms } :
    k => ms % 3600000 == 0 ? "${ms / 3600000} h" : ms % 60000 == 0 ? "${ms / 60000} min" : "${ms / 1000} s"
  }

  # Every alarm of this module, in the order the dashboard's alarm widget lists them.
  alarm_names = concat(
    [
      aws_cloudwatch_metric_alarm.iterator_age_at_risk.alarm_name,
      aws_cloudwatch_metric_alarm.iterator_age.alarm_name,
      aws_cloudwatch_metric_alarm.records_failed.alarm_name,
      aws_cloudwatch_metric_alarm.function_errors.alarm_name,
    ],
    [for a in aws_cloudwatch_metric_alarm.queue_depth : a.alarm_name],
  )
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${var.name_prefix}-replication-behind"
  alarm_description   = "Replication of ${var.source_table_name} is more than ${local.iterator_age_text.behind} behind the stream (it keeps changes 24 h)."
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

  lifecycle {
    precondition {
      condition     = var.iterator_age_alarm_ms < var.iterator_age_at_risk_alarm_ms
      error_message = "iterator_age_alarm_ms (${var.iterator_age_alarm_ms}) must be below iterator_age_at_risk_alarm_ms (${var.iterator_age_at_risk_alarm_ms}): replication-behind is the earlier warning."
    }
  }
}

# The urgent one: changes older than 24 h leave the stream (and go to the failed-batches queue as
# positions only), after which only verify --repair brings them back.
resource "aws_cloudwatch_metric_alarm" "iterator_age_at_risk" {
  alarm_name          = "${var.name_prefix}-replication-data-at-risk"
  alarm_description   = "Replication of ${var.source_table_name} is more than ${local.iterator_age_text.at_risk} behind: changes leave the stream 24 h after they were written, and those not replicated by then are lost to replication (verify --repair)."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = local.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.iterator_age_at_risk_alarm_ms
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
