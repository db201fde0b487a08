using Nn.Cli;
using Nn.Cli.Commands;
using Nn.Data;
using Nn.Export;
using Nn.Native;
using Nn.Training;

// nn [command] [--option value ...]; the default command trains on the built-in digits.
var commands = new Dictionary<string, (IReadOnlySet<string> Options, Func<Arguments, TextWriter, int> Run, string Help)>
{
    ["train"] = (TrainCommand.Options, TrainCommand.Run, "train a network (default: built-in digits), report test accuracy, export ONNX, check ONNX Runtime parity"),
    ["import"] = (ImportCommand.Options, ImportCommand.Run, "read an ONNX MLP (e.g. from PyTorch) and check it against ONNX Runtime"),
    ["gradcheck"] = (GradientCheckCommand.Options, GradientCheckCommand.Run, "verify backpropagation on a small random network"),
    ["predict"] = (PredictCommand.Options, PredictCommand.Run, "predict a CSV of raw features with a checkpoint or ONNX model; CSV or JSON lines out"),
    ["eval"] = (EvalCommand.Options, EvalCommand.Run, "score a checkpoint or ONNX classifier: accuracy, loss, per-class precision/recall/F1, confusion matrix"),
    ["export"] = (ExportCommand.Options, ExportCommand.Run, "write a checkpoint's model as ONNX and check it against ONNX Runtime"),
    ["serve"] = (ServeCommand.Options, ServeCommand.Run, "serve a checkpoint or ONNX model over HTTP on 127.0.0.1 (POST /predict, GET /health, GET /model)"),
    ["info"] = (InfoCommand.Options, InfoCommand.Run, "show the BLAS provider, its threads and the CPU"),
};
IReadOnlySet<string> flags = new HashSet<string> { "force", "quiet", "watch", "verbose" };
// --verbose is accepted by every command: it adds the stack trace to an error.
bool verbose = args.Contains("--verbose");
string[] commandArgs = args.Where(a => a != "--verbose").ToArray();

if (args.Length > 0 && args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine("usage: nn [command] [--option value ...]");
    foreach (var (name, command) in commands)
    {
        Console.WriteLine($"  {name,-10} {command.Help}");
        Console.WriteLine($"  {"",-10} options: {string.Join(" ", command.Options.Order().Select(o => "--" + o))}");
    }
    Console.WriteLine($"--data takes {DataSources.Help}.");
    Console.WriteLine("--verbose (any command) adds the stack trace to an error message.");
    return 0;
}

try
{
    Arguments parsed = Arguments.Parse(commandArgs, commands.ToDictionary(c => c.Key, c => c.Value.Options), flags);
    return commands[parsed.Command].Run(parsed, Console.Out);
}
catch (UsageException error)
{
    Console.Error.WriteLine($"nn: {error.Message}");
    Console.Error.WriteLine("Run 'nn help' for the commands and options.");
    return 2;
}
catch (Exception error) when (error is DataFormatException or OnnxImportException or Nn.Checkpoints.CheckpointException or BlasProviderUnavailableException
    or FileNotFoundException or DirectoryNotFoundException or TrainingDivergedException or ArgumentException)
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
