# Least privilege: the function's role may read only the source table's stream, write only to the
# target tables, send only to its own two queues, and log only to its own log group. The policy is
# inline, named from the prefix: nothing account-global to collide with.

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "replicator" {
  name               = "${var.name_prefix}-replicator"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

locals {
  # A target behind a role is written with the role's credentials: the role's own policy, in the
  # target's account, grants what it needs there (its table, its key).
  kms_keys = distinct(compact(concat([var.kms_key_arn], [for t in local.direct_targets : t.kms_key_arn])))
}

data "aws_iam_policy_document" "replicator" {
  statement {
    sid       = "ReadTheSourceStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = ["${local.source_table_arn}/stream/*"]
  }

  # ListStreams takes no resource: AWS requires "*" here (it lists stream names only, no data).
  statement {
    sid       = "ListStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"]
  }

  # One-way: the targets are written unconditionally, in batches.
  dynamic "statement" {
    for_each = local.multi_active || length(local.direct_target_arns) == 0 ? [] : [1]
    content {
      sid       = "WriteTheTargets"
      actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = local.direct_target_arns
    }
  }

  # Targets in other accounts reached through a role: only that role may be assumed, nothing more.
  dynamic "statement" {
    for_each = length(local.target_role_arns) > 0 ? [1] : []
    content {
      sid       = "AssumeTheTargetRoles"
      actions   = ["sts:AssumeRole"]
      resources = local.target_role_arns
    }
  }

  # Multi-active: the local replica is read (tombstone and version checks), stamped, put back and
  # deleted; its side tables read and added to; the peers only written, every write conditional on
  # the version (no BatchWriteItem, which takes no condition), and their tombstones checked in the
  # same transaction or written beside a delete.
  dynamic "statement" {
    for_each = local.multi_active ? [1] : []
    content {
      sid       = "LocalReplica"
      actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [local.source_table_arn]
    }
  }

  dynamic "statement" {
    for_each = local.multi_active ? [1] : []
    content {
      sid       = "LocalSideTables"
      actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
      resources = values(local.side_table_arns)
    }
  }

  dynamic "statement" {
    for_each = local.multi_active && length(local.direct_target_arns) > 0 ? [1] : []
    content {
      sid       = "PeerReplicasConditionalWrites"
      actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = local.direct_target_arns
    }
  }

  dynamic "statement" {
    for_each = local.multi_active && length(local.direct_target_arns) > 0 ? [1] : []
    content {
      sid       = "PeerTombstones"
      actions   = ["dynamodb:ConditionCheckItem", "dynamodb:PutItem"]
      resources = [for arn in local.direct_target_arns : "${arn}-replicator-tombstones"]
    }
  }

  statement {
    sid       = "SendToOwnQueues"
    actions   = ["sqs:SendMessage"]
    resources = [local.dead_letters_arn, local.failed_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  dynamic "statement" {
    for_each = length(local.kms_keys) > 0 ? [1] : []
    content {
      sid       = "UseTheCustomerKeys"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = local.kms_keys
    }
  }
}

resource "aws_iam_role_policy" "replicator" {
  name   = "${var.name_prefix}-replicator"
  role   = aws_iam_role.replicator.id
  policy = data.aws_iam_policy_document.replicator.json
}
