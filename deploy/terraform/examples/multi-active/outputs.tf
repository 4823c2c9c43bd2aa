output "replicas" {
  description = "Per region: the replica's table, side tables, function, stream, mapping, queues, log group, alarms and dashboard."
  value = {
    for region, m in {
      "us-east-1"      = module.us_east_1
      "eu-west-1"      = module.eu_west_1
      "ap-southeast-2" = module.ap_southeast_2
      } : region => {
      table_arn                 = m.source_table_arn
      side_table_arns           = m.side_table_arns
      function_name             = m.function_name
      source_stream_arn         = m.source_stream_arn
      event_source_mapping_uuid = m.event_source_mapping_uuid
      dead_letter_queue_url     = m.dead_letter_queue_url
      failed_batches_queue_url  = m.failed_batches_queue_url
      log_group_name            = m.log_group_name
      alarm_names               = m.alarm_names
      dashboard_name            = m.dashboard_name
    }
  }
}
