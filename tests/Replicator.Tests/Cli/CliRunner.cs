using Spectre.Console;

namespace Replicator.Tests.Cli;

/// <summary>Runs the command line in process, with a plain, wide console whose output the test reads.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var text = new StringWriter();
        var code = await Replicator.Cli.Cli.RunAsync(args, Console(text));
        return (code, text.ToString());
    }

    /// <summary>A plain console writing to <paramref name="text"/>, wide enough that nothing wraps: the tests look for whole phrases.</summary>
    public static IAnsiConsole Console(StringWriter text)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 1000;
        return console;
    }

    /// <summary>The arguments with <paramref name="option"/> set to <paramref name="value"/> (replaced if present, else added).</summary>
    public static string[] With(string[] args, string option, string value)
    {
        List<string> result = [.. args];
        var at = result.IndexOf(option);
        if (at >= 0)
        {
            result[at + 1] = value;
        }
        else
        {
            result.AddRange([option, value]);
        }

        return [.. result];
    }
}
