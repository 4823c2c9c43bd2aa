using System.Text.Json;
using Replicator.Aws;

namespace Replicator.Lambda;

/// <summary>
/// The custom runtime's loop: get the next invocation, hand it to the function, post the answer,
/// and again. An invocation's failure is the function's to report (it never throws); only a runtime
/// API that cannot be reached ends the loop, since without it there is nothing left to serve.
/// </summary>
internal sealed class LambdaHost(RuntimeApiClient runtime, ReplicationFunction function, TextWriter log)
{
    /// <summary>Where Lambda's custom runtimes put the invocation's X-Ray trace header, for the AWS SDK to pass on.</summary>
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    /// <summary>Where Lambda tells a custom runtime the address of its runtime API.</summary>
    public const string RuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>Exit code when initialization failed or the runtime API went away.</summary>
    public const int Failed = 1;

    /// <summary>Exit code when there is no runtime API to talk to (not running under Lambda).</summary>
    public const int NoRuntimeApi = 2;

    /// <summary>
    /// Initializes (configuration, AWS clients, engine: once per process) and serves invocations
    /// until <paramref name="cancellationToken"/> is cancelled (0) or the runtime API fails (1). A
    /// failed initialization is posted as an init error, and ends the process (1).
    /// </summary>
    public static async Task<int> RunAsync(Func<string, string?> environment, TextWriter log, CancellationToken cancellationToken)
    {
        RuntimeApiClient runtime;
        try
        {
            runtime = new RuntimeApiClient(environment(RuntimeApiVariable) ?? "");
        }
        catch (FormatException e)
        {
            var problem = string.IsNullOrWhiteSpace(environment(RuntimeApiVariable)) ? "is not set" : $"is not valid: {e.Message}";
            var error = FunctionError.Of(ErrorTypes.Configuration, $"{RuntimeApiVariable} {problem}; this program is a Lambda custom runtime, run by Lambda, which sets {RuntimeApiVariable} to host:port");
            log.WriteLine(HostLog.Error("initialization failed", requestId: null, error));
            return NoRuntimeApi;
        }

        using (runtime)
        {
            AwsClients? clients = null;
            ReplicationFunction function;
            try
            {
                var configuration = LambdaConfiguration.Load(environment);
                clients = new AwsClients(environment: environment, access: configuration.Access);
                function = ReplicationFunction.Create(configuration, clients, TimeProvider.System, new Random(), log);
            }
            catch (Exception e)
            {
                clients?.Dispose();
                var error = e switch
                {
                    ConfigurationException => FunctionError.Of(ErrorTypes.Configuration, e.Message),
                    // The clients of every target and of the queue are made here, so a region that does not exist stops the function now.
                    UnknownRegionException unknown => FunctionError.Of(ErrorTypes.Configuration, $"{LambdaConfiguration.TargetsVariable} or {LambdaConfiguration.DeadLetterQueueVariable}: {unknown.Message}"),
                    _ => FunctionError.Unexpected(ErrorTypes.Initialization, e),
                };
                log.WriteLine(HostLog.Error("initialization failed", requestId: null, error, error.ErrorType == ErrorTypes.Configuration ? null : e));
                try
                {
                    await runtime.ReportInitErrorAsync(error, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception post) when (post is RuntimeApiException or OperationCanceledException)
                {
                    log.WriteLine(HostLog.Error("could not post the init error to the runtime API", post));
                }

                return Failed;
            }

            using (clients)
            {
                try
                {
                    await new LambdaHost(runtime, function, log).ServeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return 0;
                }
                catch (RuntimeApiException e)
                {
                    log.WriteLine(HostLog.Error("the runtime API failed; stopping", e));
                    return Failed;
                }
            }
        }

        return 0;
    }

    /// <summary>Serves invocations until cancelled, or until the runtime API fails (<see cref="RuntimeApiException"/>).</summary>
    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await ServeOneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One invocation, start to finish. Posting the answer is bounded by <see cref="RuntimeApiClient.PostTimeout"/>
    /// and not cancelled with the loop, so a batch that was handled is always answered; an answer
    /// the runtime API refuses is logged, and Lambda retries that batch when its deadline passes.
    /// </summary>
    public async Task ServeOneAsync(CancellationToken cancellationToken)
    {
        var invocation = await runtime.NextInvocationAsync(cancellationToken).ConfigureAwait(false);
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        var result = await function.HandleAsync(invocation, cancellationToken).ConfigureAwait(false);
        try
        {
            switch (result)
            {
                case InvocationResult.Fail failed:
                    await runtime.ReportInvocationErrorAsync(invocation.RequestId, failed.Error, CancellationToken.None).ConfigureAwait(false);
                    break;
                case InvocationResult.Respond respond:
                    var body = JsonSerializer.SerializeToUtf8Bytes(respond.Response, RuntimeApiJsonContext.Default.BatchResponse);
                    await runtime.RespondAsync(invocation.RequestId, body, CancellationToken.None).ConfigureAwait(false);
                    break;
            }
        }
        catch (RuntimeApiException e)
        {
            log.WriteLine(HostLog.Error($"could not post the answer to invocation {invocation.RequestId}", e));
        }
    }
}
