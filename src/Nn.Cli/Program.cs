using System.CommandLine;
using Nn.Cli;
using Nn.Cli.CommandLine;
using Nn.Cli.Commands;
using Nn.Data;
using Nn.Export;
using Nn.Native;
using Nn.Training;

// nn [command] [--option value ...]; no command trains on the built-in digits. Parsing, help and completion come
// from System.CommandLine (built from CommandCatalog); each command checks its own values.
var commands = new Dictionary<string, Func<Arguments, TextWriter, int>>
{
    ["train"] = TrainCommand.Run, ["predict"] = PredictCommand.Run, ["eval"] = EvalCommand.Run, ["export"] = ExportCommand.Run,
    ["import"] = ImportCommand.Run, ["serve"] = ServeCommand.Run, ["gradcheck"] = GradientCheckCommand.Run, ["info"] = InfoCommand.Run,
};
bool verbose = args.Contains(NnCommandLine.VerboseOption);
string[] normalised = NnCommandLine.Normalise(args);
RootCommand root = NnCommandLine.Build((name, arguments) => Execute(name, arguments));
ParseResult parse = root.Parse(normalised);
if (parse.Errors.Count > 0)
{
    string command = parse.CommandResult.Command.Name;
    string message = parse.Errors[0].Message;
    try
    {
        // The hand-written checks name the problem more precisely ("--lr is given twice", "--epochs needs a value").
        Arguments.Parse(normalised.Where(a => a != NnCommandLine.VerboseOption).ToArray(), CommandCatalog.OptionNames, CommandCatalog.Flags);
    }
    catch (UsageException error)
    {
        message = error.Message;
    }
    string? unknown = parse.UnmatchedTokens.FirstOrDefault(t => t.StartsWith("--", StringComparison.Ordinal));
    string? suggestion = unknown is null ? null : NnCommandLine.Suggest(command, unknown);
    Console.Error.WriteLine($"nn: {message}{(suggestion is null ? "" : $" Did you mean {suggestion}?")}");
    Console.Error.WriteLine($"Run 'nn {(command == root.Name ? "" : command + " ")}--help' for the options.");
    return 2;
}
return parse.Invoke();

int Execute(string name, Arguments arguments)
{
    try
    {
        return commands[name](arguments, Console.Out);
    }
    catch (UsageException error)
    {
        Console.Error.WriteLine($"nn: {error.Message}");
        Console.Error.WriteLine($"Run 'nn {name} --help' for the options.");
        return 2;
    }
    catch (Exception error) when (error is DataFormatException or OnnxImportException or Nn.Checkpoints.CheckpointException or BlasProviderUnavailableException
        or FileNotFoundException or DirectoryNotFoundException or TrainingDivergedException or DistributedTrainingException or ArgumentException)
    {
        Console.Error.WriteLine($"nn: {error.Message}");
        if (verbose) Console.Error.WriteLine(error);
        return 1;
    }
    catch (Exception error)
    {
        // Anything unforeseen is still one line; --verbose shows where it came from.
        Console.Error.WriteLine($"nn: {error.GetType().Name}: {error.Message}");
        Console.Error.WriteLine(verbose ? error.ToString() : "Run again with --verbose for the stack trace.");
        return 1;
    }
}
