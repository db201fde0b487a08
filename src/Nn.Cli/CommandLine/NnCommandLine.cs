using System.CommandLine;
using System.CommandLine.Parsing;

namespace Nn.Cli.CommandLine;

/// <summary>
/// The System.CommandLine tree of nn, built from <see cref="CommandCatalog"/>: `nn --help` and `nn COMMAND --help`
/// describe every option with its default and allowed values, `[suggest]` completes commands, options and choices
/// (dotnet-suggest), and a mistyped option gets a suggestion. Values are left as text: each command checks its own
/// and names the option in its message, so `nn` without System.CommandLine's help would say the same things.
/// </summary>
internal static class NnCommandLine
{
    public const string VerboseOption = "--verbose";

    public static RootCommand Build(Func<string, Arguments, int> run)
    {
        var root = new RootCommand("nn: train, evaluate, export and serve multilayer perceptrons on the CPU. `nn` alone trains on the built-in digits.");
        root.Options.Add(new Option<bool>(VerboseOption) { Description = "on an error, also print the stack trace", Recursive = true, Arity = ArgumentArity.Zero });
        foreach (CommandHelp help in CommandCatalog.Commands)
        {
            var command = new Command(help.Name, help.Description);
            var options = new List<(OptionHelp Help, Option Option)>();
            foreach (OptionHelp o in help.Options)
            {
                Option option = o.IsFlag
                    ? new Option<bool>("--" + o.Name) { Description = o.Description, Arity = ArgumentArity.Zero }
                    : new Option<string>("--" + o.Name) { Description = Describe(o), HelpName = o.Values is null ? "value" : string.Join("|", o.Values.Where(v => !v.StartsWith('/'))) };
                if (o.Values is not null) option.CompletionSources.Add(o.Values.Where(v => !v.StartsWith('/')).ToArray());
                command.Options.Add(option);
                options.Add((o, option));
            }
            string name = help.Name;
            command.SetAction(parse => run(name, ToArguments(parse, name, options)));
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>nn's own conventions on top: no command means train, and the word `help` means --help.</summary>
    public static string[] Normalise(string[] args)
    {
        if (args.Length == 0) return ["train"];
        if (args[0] is "help") return ["--help", .. args[1..]];
        bool startsWithOption = args[0].StartsWith('-') && args[0] is not ("--help" or "-h" or "-?" or "--version" or VerboseOption);
        return startsWithOption ? ["train", .. args] : args;
    }

    /// <summary>A suggestion for an unknown option: the known one closest in spelling, if it is close.</summary>
    public static string? Suggest(string command, string unknown)
    {
        if (!CommandCatalog.OptionNames.TryGetValue(command, out IReadOnlySet<string>? names)) return null;
        string typed = unknown.TrimStart('-');
        (string Name, int Distance) best = names.Select(n => (n, Distance(n, typed))).MinBy(p => p.Item2);
        return best.Distance <= Math.Max(2, typed.Length / 3) ? "--" + best.Name : null;
    }

    private static string Describe(OptionHelp o) =>
        o.Default is null ? o.Description : $"{o.Description} [default: {o.Default}]";

    private static Arguments ToArguments(ParseResult parse, string command, List<(OptionHelp Help, Option Option)> options)
    {
        var values = new List<KeyValuePair<string, string?>>();
        foreach ((OptionHelp help, Option option) in options)
        {
            if (parse.GetResult(option) is not OptionResult { Implicit: false } given) continue;
            values.Add(new(help.Name, help.IsFlag ? null : given.Tokens.Count > 0 ? given.Tokens[0].Value : ""));
        }
        return Arguments.FromValues(command, values);
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
