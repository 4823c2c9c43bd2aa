// The `replicator` command line. Everything lives in Cli; here only the process.
return await Replicator.Cli.Cli.RunAsync(args).ConfigureAwait(false);
