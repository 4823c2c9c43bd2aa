# One dashboard per deployment, named like its function (dashboards are account-wide, so the name
# prefix keeps two deployments apart): every alarm of this module, the function's own metrics
# (src/Replicator.Core/Observability/ReportLines.cs emits them), the mapping's iterator age, both
# queues and the function. test/check_dashboard.py holds the body to what ReportLines.cs emits and
# to the alarms in the state, so a metric renamed in the function fails CI here.

locals {
  namespace        = "DynamoDbReplicator"
  alarm_arn_prefix = "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:"
  latency_regions  = distinct(local.target_regions)
  fn               = local.function_name

  # Widgets a row at a time (24 columns); the multi-active row only in that mode.
  dashboard_rows = concat(
    [
      [
        {
          type = "text", width = 8, height = 5
          properties = {
            markdown = join("\n", [
              "## ${local.multi_active ? "Multi-active replica" : "Replication"} of ${var.source_table_name} (${local.region})",
              "To ${join(", ", [for t in var.targets : "${t.region}:${t.table_name}"])}; function `${local.fn}`.",
              "",
              "The stream keeps a change **24 h**. Iterator age is how far behind replication is: alarm at ${local.iterator_age_text.behind} (behind) and ${local.iterator_age_text.at_risk} (data at risk).",
              "Queues: `${aws_sqs_queue.dead_letters.name}`, `${aws_sqs_queue.failed_batches.name}`.",
            ])
          }
        },
        {
          type = "alarm", width = 16, height = 5
          properties = {
            title  = "Alarms"
            alarms = [for name in local.alarm_names : "${local.alarm_arn_prefix}${name}"]
          }
        },
      ],
      [
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Replication latency per target region, p50 and p99 (ms)"
            region = local.region, view = "timeSeries", stacked = false, period = 60
            # setproduct, not flatten: flatten would flatten the metric arrays themselves too.
            metrics = [
              for pair in setproduct(local.latency_regions, ["p50", "p99"]) :
              [local.namespace, "ReplicationLatency", "FunctionName", local.fn, "TargetRegion", pair[0], { stat = pair[1], label = "${pair[0]} ${pair[1]}" }]
            ]
            yAxis = { left = { min = 0 } }
          }
        },
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Iterator age (s): alarms at ${local.iterator_age_text.behind} and ${local.iterator_age_text.at_risk}; the stream keeps 24 h"
            region = local.region, view = "timeSeries", stacked = false, period = 60
            metrics = [
              [{ expression = "age / 1000", id = "seconds", label = "Iterator age, maximum (s)" }],
              ["AWS/Lambda", "IteratorAge", "FunctionName", local.fn, { id = "age", stat = "Maximum", visible = false }],
            ]
            yAxis = { left = { min = 0 } }
          }
        },
      ],
      [
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Records a minute: applied (left), failed and dead-lettered (right)"
            region = local.region, view = "timeSeries", stacked = false, period = 60, stat = "Sum"
            metrics = [
              [local.namespace, "RecordsApplied", "FunctionName", local.fn, { label = "applied" }],
              [local.namespace, "RecordsFailed", "FunctionName", local.fn, { label = "failed (retried)", yAxis = "right" }],
              [local.namespace, "RecordsDeadLettered", "FunctionName", local.fn, { label = "dead-lettered", yAxis = "right" }],
            ]
            yAxis = { left = { min = 0 }, right = { min = 0 } }
          }
        },
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Messages waiting in the queues"
            region = local.region, view = "timeSeries", stacked = false, period = 300, stat = "Maximum"
            metrics = [
              ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.dead_letters.name, { label = "dead letters (poison records)" }],
              ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.failed_batches.name, { label = "failed batches (given up on)" }],
            ]
            yAxis = { left = { min = 0 } }
          }
        },
      ],
      [
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Function errors and throttles a minute"
            region = local.region, view = "timeSeries", stacked = false, period = 60, stat = "Sum"
            metrics = [
              ["AWS/Lambda", "Errors", "FunctionName", local.fn, { label = "errors (whole invocations)" }],
              ["AWS/Lambda", "Throttles", "FunctionName", local.fn, { label = "throttles" }],
            ]
            yAxis = { left = { min = 0 } }
          }
        },
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Function duration (ms; timeout ${var.timeout_seconds} s)"
            region = local.region, view = "timeSeries", stacked = false, period = 60
            metrics = [
              for stat in ["Average", "p99", "Maximum"] :
              ["AWS/Lambda", "Duration", "FunctionName", local.fn, { stat = stat, label = lower(stat) }]
            ]
            yAxis = { left = { min = 0 } }
          }
        },
      ],
    ],
    local.multi_active ? [
      [
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Conflicts resolved a minute, by winner's origin and where the loser was found"
            region = local.region, view = "timeSeries", stacked = false, period = 60
            metrics = [
              [{ expression = "SEARCH('{${local.namespace},FunctionName,SourceRegion,TargetRegion} MetricName=\"ConflictsResolved\" FunctionName=\"${local.fn}\"', 'Sum', 60)", id = "conflicts", label = "" }],
            ]
            yAxis = { left = { min = 0 } }
          }
        },
        {
          type = "metric", width = 12, height = 6
          properties = {
            title  = "Multi-active writes a minute: forwarded, duplicates, stale"
            region = local.region, view = "timeSeries", stacked = false, period = 60, stat = "Sum"
            metrics = [
              [local.namespace, "Forwarded", "FunctionName", local.fn, { label = "forwarded to peers" }],
              [local.namespace, "Duplicates", "FunctionName", local.fn, { label = "duplicates (already applied)" }],
              [local.namespace, "StaleWrites", "FunctionName", local.fn, { label = "stale (a newer version won)" }],
            ]
            yAxis = { left = { min = 0 } }
          }
        },
      ],
    ] : [],
  )

  # Each row's widgets side by side, rows one under the other (a row is as high as its widgets).
  row_tops = [for i, row in local.dashboard_rows : sum(concat([0], [for earlier in slice(local.dashboard_rows, 0, i) : earlier[0].height]))]
  dashboard_widgets = flatten([
    for i, row in local.dashboard_rows : [
      for j, w in row : merge(w, {
        x = sum(concat([0], [for before in slice(row, 0, j) : before.width]))
        y = local.row_tops[i]
      })
    ]
  ])
}

resource "aws_cloudwatch_dashboard" "replication" {
  count = var.dashboard_enabled ? 1 : 0

  dashboard_name = local.fn
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
