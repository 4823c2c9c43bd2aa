output "replicator" {
  description = "Everything the operator needs: function, stream, mapping, queues, log group, alarms, dashboard."
  value = {
    function_name             = module.replicator.function_name
    source_table_arn          = module.replicator.source_table_arn
    source_stream_arn         = module.replicator.source_stream_arn
    target_table_arn          = module.users_us_west_2.table_arn
    event_source_mapping_uuid = module.replicator.event_source_mapping_uuid
    dead_letter_queue_url     = module.replicator.dead_letter_queue_url
    failed_batches_queue_url  = module.replicator.failed_batches_queue_url
    log_group_name            = module.replicator.log_group_name
    alarm_names               = module.replicator.alarm_names
    dashboard_name            = module.replicator.dashboard_name
  }
}
