# ---- Naming -------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of every name this module creates (function, role, policies, queues, log group, alarms), so that two deployments in one account never collide."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 40 of a-z, A-Z, 0-9, '_' and '-'."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}

# ---- Source table ---------------------------------------------------------------------------

variable "source_table_name" {
  description = "The table whose changes are replicated, in this provider's region."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.source_table_name))
    error_message = "source_table_name must be 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'."
  }
}

variable "create_source_table" {
  description = "Create the source table with a NEW_AND_OLD_IMAGES stream (true), or use an existing table of that name (false; its stream must be enabled with NEW_AND_OLD_IMAGES or NEW_IMAGE)."
  type        = bool
  default     = true
}

variable "hash_key" {
  description = "Partition key attribute of the source table (when created here)."
  type        = string
  default     = "id"
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
  description = "Sort key attribute (null for none)."
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
  description = "PAY_PER_REQUEST or PROVISIONED (source table, when created here)."
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
  description = "Write capacity units (PROVISIONED only)."
  type        = number
  default     = 5
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery on the source table."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the source table from deletion (set false to let terraform destroy remove it)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the source table and the queues; null uses AWS owned keys (tables) and SQS managed encryption (queues)."
  type        = string
  default     = null
}

# ---- Targets --------------------------------------------------------------------------------

variable "targets" {
  description = "Target tables, usually the `target` outputs of the target-table module (one per region): region, table_name, table_arn, and kms_key_arn if the table uses a customer managed key. A target in another account may name role_arn, a role there that the function assumes for its writes (and external_id, if the role's trust policy asks for one): the function then gets sts:AssumeRole on that role and no DynamoDB grant on that table (see docs/cross-account.md)."
  type = list(object({
    region      = string
    table_name  = string
    table_arn   = string
    kms_key_arn = optional(string)
    role_arn    = optional(string)
    external_id = optional(string)
  }))
  validation {
    condition     = length(var.targets) > 0
    error_message = "targets needs at least one target table."
  }
  validation {
    condition     = alltrue([for t in var.targets : can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}$", t.table_arn))])
    error_message = "Each target's table_arn must be a DynamoDB table ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME)."
  }
  validation {
    condition     = alltrue([for t in var.targets : t.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z0-9_+=,.@/-]{1,512}$", t.role_arn))])
    error_message = "Each target's role_arn, when given, must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
  validation {
    condition     = alltrue([for t in var.targets : t.external_id == null || (t.role_arn != null && can(regex("^[a-zA-Z0-9_+=.@:/-]{2,}$", t.external_id)) && try(length(t.external_id) <= 1224, false))])
    error_message = "A target's external_id needs its role_arn, and is 2 to 1224 of letters, digits and _+=.@:/- (no comma or '|': it travels in REPLICATION_TARGETS)."
  }
}

# ---- Function -------------------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "Path of the deployment zip (build/package-lambda.sh makes artifacts/lambda.zip, with the Native AOT bootstrap at its root)."
  type        = string
  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must name a .zip file (build/package-lambda.sh makes artifacts/lambda.zip)."
  }
}

variable "memory_size" {
  description = "Function memory in MB (128 to 10240); CPU is memory / 1,769 MB of a vCPU. 256 applies a full GetRecords page one-way in about 0.24 s, 2.9 times a shard's top write rate, with 2.9 times the worst measured peak memory (docs/scale.md). Multi-active needs more: 1769 with parallelization_factor 3 for shards written flat out."
  type        = number
  default     = 256
  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240."
  }
}

variable "timeout_seconds" {
  description = "Function timeout (1 to 900). The engine retries throttled writes until 3 s before it, so this is how long one attempt rides out throttling. 60 is 9 times the slowest normal batch at the defaults (multi-active, 1,000 records at 256 MB: 6.5 s; one-way 0.3 s): docs/scale.md."
  type        = number
  default     = 60
  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be from 1 to 900."
  }
}

variable "ttl_deletes" {
  description = "replicate (default) or skip deletes made by time-to-live."
  type        = string
  default     = "replicate"
  validation {
    condition     = contains(["replicate", "skip"], var.ttl_deletes)
    error_message = "ttl_deletes must be replicate or skip."
  }
}

variable "log_retention_days" {
  description = "Days to keep the function's logs."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …, 3653)."
  }
}

# ---- Event source mapping -------------------------------------------------------------------

variable "mapping_enabled" {
  description = "Whether the stream feeds the function. Create it disabled to backfill first, then enable (see docs/deploy.md)."
  type        = bool
  default     = true
}

variable "starting_position" {
  description = "TRIM_HORIZON (default: everything the stream holds) or LATEST (only new changes)."
  type        = string
  default     = "TRIM_HORIZON"
  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST"], var.starting_position)
    error_message = "starting_position must be TRIM_HORIZON or LATEST."
  }
}

variable "batch_size" {
  description = "Records per invocation, at most (1 to 10000). 1000 is one GetRecords page at most; with no batching window a batch is one page, so more matters only with a window (docs/scale.md)."
  type        = number
  default     = 1000
  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be from 1 to 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long to gather records before invoking (0 to 300). 0: Lambda invokes on every poll, lag about 0.25 s (mean) and 0.4 s (worst); every second of window adds to both. Raise it for tables that write the same keys many times a second (one target write per key per batch) or to pay for fewer invocations on quiet shards (docs/scale.md)."
  type        = number
  default     = 0
  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be from 0 to 300."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard (1 to 10); order per key is kept. Concurrency is open shards times this, against the account's 1,000. 1 applies 2.9 times a shard's top write rate one-way at 256 MB; multi-active needs 3 at 1769 MB for shards written flat out (docs/scale.md)."
  type        = number
  default     = 1
  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10
    error_message = "parallelization_factor must be from 1 to 10."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before it goes to the on-failure queue (0 to 10000). At 100 and a 60 s timeout a batch is given up after about 101 minutes, long after the alarms and with 22 hours left to redrive it (docs/scale.md)."
  type        = number
  default     = 100
  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 10000
    error_message = "maximum_retry_attempts must be from 0 to 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the on-failure queue instead of being retried (60 to 604800)."
  type        = number
  default     = 86400
  validation {
    condition     = var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800
    error_message = "maximum_record_age_in_seconds must be from 60 to 604800."
  }
}

variable "bisect_batch_on_function_error" {
  description = "Split a batch in two when the function fails as a whole."
  type        = bool
  default     = true
}

# ---- Queues and alarms ----------------------------------------------------------------------

variable "queue_retention_seconds" {
  description = "How long the dead-letter and on-failure queues keep messages (60 to 1209600; default 14 days)."
  type        = number
  default     = 1209600
  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds <= 1209600
    error_message = "queue_retention_seconds must be from 60 to 1209600."
  }
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic notified when an alarm fires or clears; null for no notifications."
  type        = string
  default     = null
}

# The stream keeps a change for 24 hours; after that it is gone from the stream, and (with the
# default maximum_record_age_in_seconds) the mapping hands its batch to the failed-batches queue.
# So 24 h minus the iterator age is the time left. Normal lag is under a second (no batching
# window by default, and a batch written in a round trip or two); failing writes page within minutes through the
# records-failed and function-errors alarms. What only iterator age shows is replication running
# too slowly without failing. 1 h is far outside normal (no page for a
# redeploy or a burst of throttling) and leaves 23 h to page someone (under 1 h), find and fix
# the cause (hours: a deploy, a quota raise) and drain (the age falls as soon as the function is
# faster than the writes again). 12 h: half the retention is gone, data is at risk. docs/deploy.md
# gives the whole reasoning.
variable "iterator_age_alarm_ms" {
  description = "Alarm replication-behind when the mapping's iterator age (how far behind replication is) exceeds this, in milliseconds (default 1 h; the stream keeps 24 h: see docs/deploy.md)."
  type        = number
  nullable    = false
  default     = 3600000
  validation {
    condition     = var.iterator_age_alarm_ms >= 60000 && var.iterator_age_alarm_ms < 86400000
    error_message = "iterator_age_alarm_ms must be at least 60000 (1 minute) and below 86400000 (the stream's 24 hours)."
  }
}

variable "iterator_age_at_risk_alarm_ms" {
  description = "Alarm replication-data-at-risk when the iterator age exceeds this, in milliseconds (default 12 h: half the stream's 24 h retention gone); above iterator_age_alarm_ms."
  type        = number
  nullable    = false
  default     = 43200000
  validation {
    condition     = var.iterator_age_at_risk_alarm_ms >= 60000 && var.iterator_age_at_risk_alarm_ms < 86400000
    error_message = "iterator_age_at_risk_alarm_ms must be at least 60000 (1 minute) and below 86400000 (the stream's 24 hours)."
  }
}

variable "dashboard_enabled" {
  description = "Create a CloudWatch dashboard PREFIX-replicator: latency per target region, records, conflicts (multi-active), iterator age, queue depths, function errors and duration, and every alarm of this module."
  type        = bool
  default     = true
}

# ---- Mode -----------------------------------------------------------------------------------

variable "mode" {
  description = "one-way (default: the source table replicated to read-only targets) or multi-active (this region's table is one writable replica, the targets are the other regions' replicas, each deployed by its own instance of this module)."
  type        = string
  default     = "one-way"
  validation {
    condition     = contains(["one-way", "multi-active"], var.mode)
    error_message = "mode must be one-way or multi-active."
  }
}

variable "metadata_attribute" {
  description = "Multi-active only: the reserved attribute the replicator keeps each item's version in; the application must not write it. The same in every region."
  type        = string
  default     = "_replication"
  validation {
    condition     = length(var.metadata_attribute) >= 1 && length(var.metadata_attribute) <= 255
    error_message = "metadata_attribute must be an attribute name of 1 to 255 characters."
  }
}

variable "tombstone_retention" {
  description = "Multi-active only: how long a delete's tombstone is kept, as <n>m, <n>h or <n>d; at least 25h (the stream's 24 hours and one to spare). Longer than any replicator may be down and still resume."
  type        = string
  default     = "7d"
  validation {
    condition = try(
      can(regex("^[0-9]+[smhd]$", var.tombstone_retention)) && tonumber(regex("^[0-9]+", var.tombstone_retention)) * lookup({ s = 1, m = 60, h = 3600, d = 86400 }, substr(var.tombstone_retention, -1, 1), 0) >= 25 * 3600,
      false,
    )
    error_message = "tombstone_retention must be a whole number and a unit, s, m, h or d (e.g. 36h, 7d), of at least 25h."
  }
}

# ---- Filtering (one-way only; docs/filtering.md) ----------------------------------------------

variable "replication_filter" {
  description = "One-way only: replicate only the items this expression matches, judged on each change's new image (REPLICATION_FILTER), e.g. begins_with(pk, \"tenant#eu\") and status = \"active\". An item that stops matching is deleted from the targets. Null: every item."
  type        = string
  default     = null
}

variable "include_attributes" {
  description = "One-way only: copy only these top-level attributes (and always the key). Not with exclude_attributes."
  type        = list(string)
  default     = []
}

variable "exclude_attributes" {
  description = "One-way only: copy every attribute but these top-level ones (never the key). Not with include_attributes."
  type        = list(string)
  default     = []
}

variable "lambda_prefilter_patterns" {
  description = "Opt-in: Lambda FilterCriteria patterns, exactly as `replicator filter-criteria --filter '<replication_filter>'` prints them, so Lambda never invokes the function for records the filter rejects. They pass a record whose new or old image matches (the source stream must be NEW_AND_OLD_IMAGES), so deletes and items leaving the filter still reach the targets; but a record dropped here is gone for the function: after changing replication_filter, regenerate these and run verify --repair. Empty: no prefilter, the function sees every record."
  type        = list(string)
  default     = []
  validation {
    condition     = length(var.lambda_prefilter_patterns) <= 10 && alltrue([for p in var.lambda_prefilter_patterns : can(jsondecode(p)) && length(p) <= 4096])
    error_message = "lambda_prefilter_patterns must be at most 10 JSON patterns (Lambda takes 5 per event source mapping by default, 10 with a quota increase), each at most 4096 characters."
  }
}
