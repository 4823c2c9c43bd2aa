using System.Runtime.InteropServices;
using Replicator.Lambda;

// The Lambda custom runtime's entry point (provided.al2023 runs ./bootstrap). All of it lives in
// LambdaHost; here only the process: its environment, stdout, and SIGTERM, which Lambda sends
// before it shuts the execution environment down.
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
return await LambdaHost.RunAsync(Environment.GetEnvironmentVariable, Console.Out, stop.Token);
