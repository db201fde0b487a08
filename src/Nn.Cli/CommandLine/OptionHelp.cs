namespace Nn.Cli.CommandLine;

/// <summary>What `nn COMMAND --help` says about one option: its meaning, its default and its allowed values.</summary>
internal sealed record OptionHelp(string Name, string Description, string? Default = null, string[]? Values = null, bool IsFlag = false)
{
    public static OptionHelp Flag(string name, string description) => new(name, description, IsFlag: true);
}

/// <summary>A command, its one-line purpose and its options.</summary>
internal sealed record CommandHelp(string Name, string Description, IReadOnlyList<OptionHelp> Options);
