# Targets in other accounts, reached through a role the function assumes (STS AssumeRole) for its
# writes there; the others are written with the function's own role (its policy in iam.tf), which
# includes a target in another account whose table has a resource-based policy granting this
# function's role (docs/cross-account.md has both ways).

locals {
  direct_targets     = [for t in var.targets : t if t.role_arn == null]
  direct_target_arns = [for t in local.direct_targets : t.table_arn]
  target_role_arns   = distinct(compact([for t in var.targets : t.role_arn]))

  # REPLICATION_TARGETS: each target's ARN, then |role=ARN and |external-id=ID when it has them
  # (the form src/Replicator.Lambda/TargetEntries.cs reads).
  replication_targets = join(",", [for t in var.targets : join("|", compact([
    t.table_arn,
    t.role_arn == null ? null : "role=${t.role_arn}",
    t.external_id == null ? null : "external-id=${t.external_id}",
  ]))])
}
