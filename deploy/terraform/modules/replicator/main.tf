# The replicator in the source table's region: the source table (or an existing one), the
# function, the event source mapping from the table's stream, the queues, the log group, IAM and
# alarms. Target tables are made by the target-table module, once per target region.

data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id

  function_name = "${var.name_prefix}-replicator"

  # ARNs built from names, so that every IAM statement is known at plan time and can be checked there.
  source_table_arn  = "arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${var.source_table_name}"
  source_stream_arn = var.create_source_table ? aws_dynamodb_table.source[0].stream_arn : data.aws_dynamodb_table.source[0].stream_arn
  dead_letters_arn  = "arn:${local.partition}:sqs:${local.region}:${local.account}:${var.name_prefix}-dead-letters"
  failed_arn        = "arn:${local.partition}:sqs:${local.region}:${local.account}:${var.name_prefix}-failed-batches"
  log_group_name    = "/aws/lambda/${local.function_name}"
  log_group_arn     = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}"

  # Targets compared by table ARN: equal ARNs are the same partition, region, account and name.
  # Writing into the source table would replicate its changes back into itself for ever (and
  # write older images over newer application writes); a target listed twice is written twice.
  target_arns       = [for t in var.targets : t.table_arn]
  self_targets      = [for arn in local.target_arns : arn if arn == local.source_table_arn]
  duplicate_targets = distinct([for i, arn in local.target_arns : arn if index(local.target_arns, arn) != i])

  # Multi-active: this region's table is one replica, the targets are the others. Each replica has
  # two side tables beside it, named after it (as the replicator names them): tombstones, so that
  # deletes stay deleted, and conflicts, every write that lost.
  multi_active = var.mode == "multi-active"
  side_tables = local.multi_active ? {
    tombstones = { name = "${var.source_table_name}-replicator-tombstones", key = "key" }
    conflicts  = { name = "${var.source_table_name}-replicator-conflicts", key = "id" }
  } : {}
  side_table_arns    = { for k, t in local.side_tables : k => "${local.source_table_arn}-replicator-${k}" }
  peer_tombstone_arn = [for arn in local.target_arns : "${arn}-replicator-tombstones"]
  target_regions     = [for t in var.targets : t.region]
  # Versions name their region: a multi-active set has one replica a region.
  shared_regions = local.multi_active ? distinct([for i, r in local.target_regions : r if index(local.target_regions, r) != i || r == local.region]) : []

  # Filtering (docs/filtering.md): only the variables that are set, so an unfiltered function's environment is as before.
  filter_variables = { for k, v in {
    REPLICATION_FILTER             = var.replication_filter
    REPLICATION_INCLUDE_ATTRIBUTES = join(",", var.include_attributes)
    REPLICATION_EXCLUDE_ATTRIBUTES = join(",", var.exclude_attributes)
  } : k => v if v != null && v != "" }

  mode_variables = local.multi_active ? {
    REPLICATION_MODE    = "multi-active"
    METADATA_ATTRIBUTE  = var.metadata_attribute
    TOMBSTONE_RETENTION = var.tombstone_retention
  } : {}
}

resource "aws_dynamodb_table" "source" {
  count = var.create_source_table ? 1 : 0

  name                        = var.source_table_name
  billing_mode                = var.billing_mode
  read_capacity               = var.billing_mode == "PROVISIONED" ? var.read_capacity : null
  write_capacity              = var.billing_mode == "PROVISIONED" ? var.write_capacity : null
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"

  attribute {
    name = var.hash_key
    type = var.hash_key_type
  }

  dynamic "attribute" {
    for_each = var.range_key == null ? [] : [var.range_key]
    content {
      name = attribute.value
      type = var.range_key_type
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

data "aws_dynamodb_table" "source" {
  count = var.create_source_table ? 0 : 1
  name  = var.source_table_name

  lifecycle {
    postcondition {
      condition     = self.stream_enabled && contains(var.mode == "multi-active" || length(var.lambda_prefilter_patterns) > 0 ? ["NEW_AND_OLD_IMAGES"] : ["NEW_AND_OLD_IMAGES", "NEW_IMAGE"], self.stream_view_type)
      error_message = "The source table ${var.source_table_name} needs a stream with new images (and old images, in multi-active mode or with lambda_prefilter_patterns, whose patterns pass a record on its old image so that an item leaving the filter is deleted): enable it with view type NEW_AND_OLD_IMAGES."
    }
  }
}

# Multi-active: the replica's side tables. Their items expire by TTL on `expires` (tombstones after
# tombstone_retention, conflicts after 90 days); both are small, so on demand.
resource "aws_dynamodb_table" "side" {
  for_each = local.side_tables

  name                        = each.value.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.key
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = each.value.key
    type = "S"
  }

  ttl {
    attribute_name = "expires"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# Records that can never apply (validation errors, items too large for a target), sent whole by the function.
resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name_prefix}-dead-letters"
  message_retention_seconds         = var.queue_retention_seconds
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

# Batches the event source mapping gave up on (retries or record age exhausted): their positions in the stream.
resource "aws_sqs_queue" "failed_batches" {
  name                              = "${var.name_prefix}-failed-batches"
  message_retention_seconds         = var.queue_retention_seconds
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

resource "aws_cloudwatch_log_group" "function" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "replicator" {
  function_name    = local.function_name
  description      = "${local.multi_active ? "Multi-active replica" : "Replicates"} ${var.source_table_name} (${local.region}) to ${join(", ", [for t in var.targets : "${t.region}:${t.table_name}"])}"
  role             = aws_iam_role.replicator.arn
  runtime          = "provided.al2023"
  architectures    = ["x86_64"]
  handler          = "bootstrap"
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  memory_size      = var.memory_size
  timeout          = var.timeout_seconds

  environment {
    variables = merge({
      REPLICATION_TARGETS   = local.replication_targets
      DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letters.url
      TTL_DELETES           = var.ttl_deletes
    }, local.mode_variables, local.filter_variables)
  }

  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.replicator]

  lifecycle {
    precondition {
      condition     = length(local.self_targets) == 0
      error_message = "The target ${join(", ", local.self_targets)} is the source table itself: the replicator would write the source's changes back into it. Remove it from targets."
    }
    precondition {
      condition     = length(local.duplicate_targets) == 0
      error_message = "The target ${join(", ", local.duplicate_targets)} is listed more than once in targets: list each target table once."
    }
    precondition {
      condition     = length(local.shared_regions) == 0
      error_message = "In multi-active mode each region holds one replica (versions name their region), but ${join(", ", local.shared_regions)} has more than one (this module's own region is ${local.region}). Give one target a region, none in this one."
    }
    precondition {
      condition     = !local.multi_active || length(local.filter_variables) == 0
      error_message = "replication_filter, include_attributes and exclude_attributes are for one-way mode only: in multi-active mode a projected copy written in another region would be versioned there and forwarded back without the attributes left out, and an item filtered out of one region would leave its versions and deletes out of step (docs/filtering.md)."
    }
    precondition {
      condition     = length(var.include_attributes) == 0 || length(var.exclude_attributes) == 0
      error_message = "Give include_attributes or exclude_attributes, not both."
    }
    precondition {
      condition     = length(var.lambda_prefilter_patterns) == 0 || var.replication_filter != null
      error_message = "lambda_prefilter_patterns are set but replication_filter is not: the patterns must be the ones `replicator filter-criteria --filter` prints for the function's own filter."
    }
    precondition {
      condition     = !local.multi_active || var.ttl_deletes == "replicate"
      error_message = "ttl_deletes = \"skip\" is for one-way mode only: in multi-active mode a delete by time-to-live is a versioned delete, replicated like any other."
    }
  }
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn                   = local.source_stream_arn
  function_name                      = aws_lambda_function.replicator.arn
  enabled                            = var.mapping_enabled
  starting_position                  = var.starting_position
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  parallelization_factor             = var.parallelization_factor
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  bisect_batch_on_function_error     = var.bisect_batch_on_function_error
  function_response_types            = ["ReportBatchItemFailures"]

  # Opt-in: Lambda drops records no pattern passes before they cost an invocation. The patterns
  # (from `replicator filter-criteria`) pass a record whose new or old image matches, so an item
  # that leaves the filter or is removed is still deleted on the targets; what they cannot do is
  # clean up copies a changed filter no longer selects (run verify --repair). docs/filtering.md.
  dynamic "filter_criteria" {
    for_each = length(var.lambda_prefilter_patterns) > 0 ? [1] : []
    content {
      dynamic "filter" {
        for_each = var.lambda_prefilter_patterns
        content {
          pattern = filter.value
        }
      }
    }
  }

  # The side tables exist before the first batch is delivered.
  depends_on = [aws_dynamodb_table.side]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed_batches.arn
    }
  }
}
