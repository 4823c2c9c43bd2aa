using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Model;
using Replicator.Verification;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator verify</c>: compares the source with each target, item by item, and with
/// <c>--repair</c> writes the source's state over every difference. The work is the
/// <see cref="TableVerifier"/>'s; here only options, progress and the report.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Attributes shown per sample in text; JSON has them all.</summary>
    private const int MaxAttributesShown = 10;

    /// <summary>Characters of one value shown in text; JSON has it whole.</summary>
    private const int MaxValueChars = 200;

    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var endpoint = CommonOptions.Endpoint();
        var output = CommonOptions.Output();
        var segments = CommonOptions.Segments("per table");
        var settle = new Option<double>("--settle")
        {
            Description = "Seconds to wait, after a first read that differs, before reading both sides again (default 1). Make it longer than the replication lag, so that a change in flight is not reported.",
            DefaultValueFactory = _ => 1,
            CustomParser = result => double.TryParse(result.Tokens.Single().Value, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 3600
                ? seconds
                : CommonOptions.Error(result, $"--settle: '{result.Tokens.Single().Value}' is not a number of seconds from 0 to 3600 (e.g. 1)", 0.0),
        };
        var repair = new Option<bool>("--repair")
        {
            Description = "Write the source's current item (read strongly consistent) over each difference found, or delete an item the source does not have; then check those keys again.",
        };
        var mode = MultiActiveOptions.Mode();
        var metadataAttribute = MultiActiveOptions.MetadataAttribute();
        var maxReadUnits = CommonOptions.MaxReadUnits("the source's and each target's scans and lookups");
        var maxWriteUnits = CommonOptions.MaxWriteUnits("--repair's writes, per target");
        var command = new Command("verify", "Compare the source table with each target, item by item (strongly consistent reads; a key that differs is read again before it counts). Exit 0 when identical, 1 when not. In multi-active mode the versions are compared too, and a difference shows which region holds which version.")
        {
            source, targets, endpoint, segments, settle, repair, maxReadUnits, maxWriteUnits, mode, metadataAttribute, output,
        };
        var filters = FilterOptions.AddTo(command);
        roles.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            var sourceTable = parsed.GetRequiredValue(source);
            var targetTables = parsed.GetRequiredValue(targets);
            var settings = new VerifySettings
            {
                Segments = parsed.GetValue(segments),
                Settle = TimeSpan.FromSeconds(parsed.GetValue(settle)),
                Repair = parsed.GetValue(repair),
            };
            string? metadata = null;
            var selection = filters.Selection(parsed, parsed.GetValue(mode) == ReplicationMode.MultiActive);
            if (parsed.GetValue(mode) == ReplicationMode.MultiActive)
            {
                if (settings.Repair)
                {
                    throw new UsageException("--repair: does not apply in multi-active mode, where every region is written by its own replicator; a region that lost data is resynced with replicator backfill --mode multi-active.");
                }

                MultiActiveOptions.CheckRegions(sourceTable, targetTables);
                metadata = MultiActiveOptions.Settings(parsed.GetRequiredValue(metadataAttribute), null).MetadataAttribute;
            }

            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString(), access: roles.Access(parsed, targetTables))
            {
                Capacity = new Pacing.CapacityLimits(parsed.GetValue(maxReadUnits), parsed.GetValue(maxWriteUnits)),
            };
            await Tables.CheckAsync(clients, sourceTable, targetTables, interrupt).ConfigureAwait(false);
            return await RunAsync(console, clients, sourceTable, targetTables, settings, parsed.GetValue(output) == OutputFormat.Json, interrupt, metadata, selection).ConfigureAwait(false);
        });
        return command;
    }

    /// <param name="metadataAttribute">Multi-active: the metadata attribute, compared without its per-region field (<see cref="MultiActive.ReplicaReader"/>).</param>
    /// <param name="selection">One-way: the source as the deployment replicates it (filtered, projected), which the targets must equal.</param>
    internal static async Task<int> RunAsync(IAnsiConsole console, AwsClients clients, TargetTable source, IReadOnlyList<TargetTable> targets, VerifySettings settings, bool json, CancellationToken interrupt, string? metadataAttribute = null, Filtering.ItemSelection? selection = null)
    {
        ITableReader Reader(TargetTable table)
        {
            var reader = clients.TableReader(table);
            return metadataAttribute is null ? reader : new MultiActive.ReplicaReader(reader, metadataAttribute);
        }

        var verifier = new TableVerifier(
            selection is { IsAll: false } ? new Filtering.SelectedTableReader(Reader(source), selection) : Reader(source),
            targets.Select(target => new VerifyTarget(Reader(target), clients.Writer(target))).ToList(),
            settings,
            TimeProvider.System,
            new Random());
        if (!json)
        {
            console.MarkupLineInterpolated($"Verifying [bold]{source}[/] against [bold]{string.Join(", ", targets)}[/]{(settings.Repair ? ", repairing differences" : "")} ({settings.Segments} segments).");
        }

        var run = verifier.RunAsync(interrupt);
        await ShowProgressAsync(console, json, verifier.Progress, run).ConfigureAwait(false);
        VerifyReport report;
        try
        {
            report = await run.ConfigureAwait(false);
        }
        catch (VerificationSetupException e)
        {
            throw new UsageException(e.Message);
        }
        catch (TableReadException e)
        {
            if (json)
            {
                console.Profile.Out.Writer.WriteLine(JsonText.Render(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("identical", false);
                    writer.WriteString("error", e.Message);
                    writer.WriteEndObject();
                }));
            }
            else
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                console.MarkupLine("Verify stopped before it finished; nothing is proven.");
            }

            return ExitCodes.Failed;
        }

        if (json)
        {
            console.Profile.Out.Writer.WriteLine(Json(report));
        }
        else
        {
            Render(console, report);
        }

        return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>A progress bar with items/s and an ETA when the console is interactive; otherwise a line every few seconds (on stderr with JSON output).</summary>
    private static async Task ShowProgressAsync(IAnsiConsole console, bool json, VerifyProgress progress, Task run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (json || !console.Profile.Capabilities.Interactive)
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
                if (!run.IsCompleted)
                {
                    var line = ProgressLine(progress, clock.Elapsed);
                    if (json)
                    {
                        await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
                    }
                    else
                    {
                        console.WriteLine(line);
                    }
                }
            }

            return;
        }

        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new ItemsPerSecondColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Verifying", maxValue: 1);
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None)).ConfigureAwait(false);
                    var (scanned, total) = (progress.ItemsScanned, progress.ApproximateTotal);
                    task.IsIndeterminate = total == 0;
                    task.MaxValue = Math.Max(1, Math.Max(total, scanned));
                    task.Value = scanned;
                    task.Description = Markup.Escape(progress.Differences == 0 ? progress.Phase : $"{progress.Phase}, {progress.Differences:N0} differences");
                }

                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
    }

    /// <summary>The task's speed (Spectre's, over its recent updates) as items per second.</summary>
    private sealed class ItemsPerSecondColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Speed ?? 0:N0} items/s");
    }

    private static double Rate(long items, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? items / elapsed.TotalSeconds : 0;

    internal static string ProgressLine(VerifyProgress progress, TimeSpan elapsed)
    {
        var (scanned, total) = (progress.ItemsScanned, progress.ApproximateTotal);
        var rate = Rate(scanned, elapsed);
        var eta = total > scanned && rate > 0 ? $", about {TimeSpan.FromSeconds(Math.Ceiling((total - scanned) / rate)):g} left" : "";
        var of = total > 0 ? $" of about {total:N0}" : "";
        return $"{progress.Phase}: {scanned:N0}{of} items read, {rate:N0} items/s{eta}, {progress.Differences:N0} differences so far";
    }

    private static void Render(IAnsiConsole console, VerifyReport report)
    {
        // One column per target, one row per count: fits a narrow terminal.
        var grid = new Table().AddColumn("");
        foreach (var target in report.Targets)
        {
            grid.AddColumn(Markup.Escape(target.Target.ToString()));
        }

        void Row(string label, Func<TargetReport, string> cell) => grid.AddRow([label, .. report.Targets.Select(cell)]);
        Row("Source items compared", target => $"{target.Compared:N0}");
        Row("Matched", target => $"[green]{target.Matched:N0}[/]");
        Row("Missing from the target", target => Count(target.Missing));
        Row("Extra on the target", target => Count(target.Extra));
        Row("Different", target => Count(target.Different));
        Row("Equal on re-read (changed meanwhile)", target => $"{target.SettledOnReread:N0}");
        Row("Target items scanned", target => $"{target.TargetItemsScanned:N0}");
        if (report.Repaired)
        {
            Row("Repaired", target => $"{target.Repair?.Repaired ?? 0:N0}");
            Row("Repair failed", target => Count(target.Repair?.Failed ?? 0));
            Row("Still different after repair", target => Count(target.Repair?.StillDifferent ?? 0));
        }

        console.Write(grid);
        foreach (var target in report.Targets)
        {
            foreach (var sample in target.Samples)
            {
                RenderSample(console, sample, $"{sample.Kind} on {target.Target}");
            }

            if (target.Repair is { } repair)
            {
                foreach (var error in repair.Errors)
                {
                    console.MarkupLineInterpolated($"[red]repair failed:[/] {error}");
                }

                foreach (var sample in repair.StillDifferentSamples)
                {
                    RenderSample(console, sample, $"Still {sample.Kind.ToString().ToLowerInvariant()} after repair on {target.Target}");
                }
            }
        }

        var targetItems = report.Targets.Sum(target => target.TargetItemsScanned);
        var timing = $"{report.SourceItems:N0} source and {targetItems:N0} target items read in {report.Elapsed.TotalSeconds:0.0} s, {report.ItemsPerSecond:N0} items/s";
        if (report.Identical)
        {
            console.MarkupLineInterpolated($"[green]The tables are identical[/] ({timing}).");
        }
        else
        {
            console.MarkupLineInterpolated($"[red]The tables differ:[/] {report.Missing:N0} missing, {report.Extra:N0} extra, {report.Different:N0} different ({timing}).");
            if (report.Repaired)
            {
                console.MarkupLine(report.Succeeded
                    ? "[green]Every difference was repaired[/] and reads the same on both sides now."
                    : "[red]Not every difference was repaired[/] (see above).");
            }
        }
    }

    private static string Count(long value) => value == 0 ? "0" : $"[red]{value:N0}[/]";

    private static void RenderSample(IAnsiConsole console, DifferenceSample sample, string title)
    {
        console.MarkupLineInterpolated($"[yellow]{title}[/]: {sample.Key}");
        foreach (var attribute in sample.Attributes.Take(MaxAttributesShown))
        {
            console.MarkupLineInterpolated($"    {attribute.Name}: source {Shown(attribute.Source)}, target {Shown(attribute.Target)}");
        }

        if (sample.Attributes.Count > MaxAttributesShown)
        {
            console.MarkupLineInterpolated($"    … and {sample.Attributes.Count - MaxAttributesShown} more attributes");
        }
    }

    private static string Shown(DynamoValue? value)
    {
        if (value is null)
        {
            return "(absent)";
        }

        var text = DynamoJson.ToJson(value);
        return text.Length <= MaxValueChars ? text : $"{text[..MaxValueChars]}… ({text.Length} characters)";
    }

    /// <summary>The JSON report; docs/verify.md documents every field.</summary>
    internal static string Json(VerifyReport report) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("identical", report.Identical);
        writer.WriteString("source", report.Source.ToString());
        writer.WriteNumber("sourceItems", report.SourceItems);
        writer.WriteNumber("missing", report.Missing);
        writer.WriteNumber("extra", report.Extra);
        writer.WriteNumber("different", report.Different);
        writer.WriteBoolean("repair", report.Repaired);
        if (report.Repaired)
        {
            writer.WriteBoolean("repairSucceeded", report.Succeeded);
        }

        writer.WriteNumber("seconds", Math.Round(report.Elapsed.TotalSeconds, 2));
        writer.WriteNumber("itemsPerSecond", Math.Round(report.ItemsPerSecond, 1));
        writer.WriteStartArray("targets");
        foreach (var target in report.Targets)
        {
            writer.WriteStartObject();
            writer.WriteString("target", target.Target.ToString());
            writer.WriteNumber("compared", target.Compared);
            writer.WriteNumber("matched", target.Matched);
            writer.WriteNumber("missing", target.Missing);
            writer.WriteNumber("extra", target.Extra);
            writer.WriteNumber("different", target.Different);
            writer.WriteNumber("settledOnReread", target.SettledOnReread);
            writer.WriteNumber("targetItems", target.TargetItemsScanned);
            WriteSamples(writer, "samples", target.Samples);
            if (target.Repair is { } repair)
            {
                writer.WriteStartObject("repair");
                writer.WriteNumber("repaired", repair.Repaired);
                writer.WriteNumber("failed", repair.Failed);
                writer.WriteNumber("stillDifferent", repair.StillDifferent);
                WriteSamples(writer, "stillDifferentSamples", repair.StillDifferentSamples);
                writer.WriteStartArray("errors");
                foreach (var error in repair.Errors)
                {
                    writer.WriteStringValue(error);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteSamples(Utf8JsonWriter writer, string name, IReadOnlyList<DifferenceSample> samples)
    {
        writer.WriteStartArray(name);
        foreach (var sample in samples)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", sample.Kind.ToString().ToLowerInvariant());
            writer.WritePropertyName("key");
            DynamoJson.WriteItem(writer, sample.Key.Attributes);
            writer.WriteStartArray("attributes");
            foreach (var attribute in sample.Attributes)
            {
                writer.WriteStartObject();
                writer.WriteString("name", attribute.Name);
                WriteValue(writer, "source", attribute.Source);
                WriteValue(writer, "target", attribute.Target);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, string name, DynamoValue? value)
    {
        writer.WritePropertyName(name);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            DynamoJson.Write(writer, value);
        }
    }
}
