output "replicator" {
  description = "The function and its role (account A), the targets and how each is reached (account B)."
  value = {
    function_name     = module.replicator.function_name
    function_role_arn = module.replicator.role_arn
    source_table_arn  = module.replicator.source_table_arn
    writer_role_arn   = aws_iam_role.writer.arn
    external_id       = var.external_id
    role_target_arn   = module.users_us_west_2.table_arn
    policy_target_arn = module.users_eu_west_1.table_arn
    target_account_id = data.aws_caller_identity.target.account_id
    source_account_id = split(":", module.replicator.source_table_arn)[4]
    dead_letter_queue = module.replicator.dead_letter_queue_url
  }
}
