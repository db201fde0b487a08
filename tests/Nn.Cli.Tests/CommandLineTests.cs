using Nn.Cli.CommandLine;
using Nn.Cli.Commands;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>The System.CommandLine front end: help with defaults and choices, suggestions for typos, completion, and a catalogue that matches the commands.</summary>
public sealed class CommandLineTests(ITestOutputHelper log) : ToolFolderTests(log, "nn-cli-line-")
{
    [Fact]
    public void TheCatalogueDescribesExactlyTheOptionsEachCommandReads()
    {
        var read = new Dictionary<string, IReadOnlySet<string>>
        {
            ["train"] = TrainCommand.Options, ["predict"] = PredictCommand.Options, ["eval"] = EvalCommand.Options, ["export"] = ExportCommand.Options,
            ["import"] = ImportCommand.Options, ["serve"] = ServeCommand.Options, ["gradcheck"] = GradientCheckCommand.Options, ["info"] = InfoCommand.Options,
        };
        Assert.Equal(read.Keys.Order(), CommandCatalog.OptionNames.Keys.Order());
        foreach (var (command, options) in read) Assert.Equal(options.Order(), CommandCatalog.OptionNames[command].Order());
        Assert.All(CommandCatalog.Commands.SelectMany(c => c.Options), o => Assert.False(string.IsNullOrWhiteSpace(o.Description)));
    }

    [Fact]
    public void HelpDescribesEveryOptionWithItsDefaultAndChoices()
    {
        (int code, string root) = Nn("--help");
        Assert.Equal(0, code);
        foreach (CommandHelp command in CommandCatalog.Commands) Assert.Contains(command.Name, root);
        (code, string train) = Nn("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--optimizer <adam|adamw|sgd|momentum|nesterov|rmsprop|adagrad>", train);
        Assert.Contains("[default: 30 (fashion-mnist: 20)]", train);
        foreach (OptionHelp option in CommandCatalog.Commands.Single(c => c.Name == "train").Options) Assert.Contains("--" + option.Name, train);
        Assert.Equal(0, Nn("help").Code);   // the word, as before
    }

    [Theory]
    [InlineData(new[] { "train", "--epoch", "3" }, "Did you mean --epochs?")]
    [InlineData(new[] { "serve", "--modle", "x" }, "Did you mean --model?")]
    [InlineData(new[] { "fly" }, "Unknown command 'fly'")]
    [InlineData(new[] { "train", "--lr", "1", "--lr", "2" }, "--lr is given twice")]
    public void MistakesGetOneLineAndASuggestion(string[] args, string message)
    {
        (int code, string output) = Nn(args);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void CompletionOffersOptionsAndChoices()
    {
        Assert.Contains("--optimizer", Nn("[suggest:13]", "train --optim").Output);
        string choices = Nn("[suggest:19]", "train --optimizer a").Output;
        Assert.Contains("adamw", choices);
        Assert.DoesNotContain("sgd", choices);
    }
}
