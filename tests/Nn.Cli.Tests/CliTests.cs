using Nn.Cli;
using Nn.Cli.Commands;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>The command line: bad options fail before any work with a message naming them; train runs end to end.</summary>
public sealed class CliTests
{
    private static readonly Dictionary<string, IReadOnlySet<string>> Commands = new()
    {
        ["train"] = TrainCommand.Options, ["info"] = InfoCommand.Options, ["gradcheck"] = GradientCheckCommand.Options, ["import"] = ImportCommand.Options,
    };

    private static readonly IReadOnlySet<string> Flags = new HashSet<string> { "force", "quiet" };

    private static Arguments Parse(params string[] args) => Arguments.Parse(args, Commands, Flags);

    [Theory]
    [InlineData(new[] { "fly" }, "Unknown command 'fly'")]
    [InlineData(new[] { "train", "--epoch", "3" }, "has no option --epoch")]
    [InlineData(new[] { "--epochs" }, "--epochs needs a value")]
    [InlineData(new[] { "train", "--lr", "1", "--lr", "2" }, "--lr is given twice")]
    [InlineData(new[] { "train", "stray" }, "Unexpected argument 'stray'")]
    public void MalformedCommandLinesAreRejected(string[] args, string message)
    {
        var error = Assert.Throws<UsageException>(() => Parse(args));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be an integer between 1")]
    [InlineData("--lr", "-1", "--lr must be a number above 0")]
    [InlineData("--lr", "NaN", "--lr must be a number")]
    [InlineData("--hidden", "64,x", "--hidden takes layer widths")]
    [InlineData("--optimizer", "lion", "--optimizer must be one of")]
    [InlineData("--data", "/nonexistent.csv", "neither a known data set")]
    [InlineData("--validation", "1.5", "--validation must be a number")]
    [InlineData("--weight-decay", "0.1", "--weight-decay is AdamW's decoupled decay; with --optimizer adam use --l2")]
    [InlineData("--schedule", "linear", "--schedule must be one of")]
    public void BadValuesAreRejectedBeforeTraining(string option, string value, string message)
    {
        string output = Path.Combine(Path.GetTempPath(), $"nn-cli-{Guid.NewGuid():N}.onnx");
        var error = Assert.Throws<UsageException>(() => TrainCommand.Run(Parse("train", option, value, "--output", output), TextWriter.Null));
        Assert.Contains(message, error.Message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ForeignFileIsNotOverwrittenWithoutForce()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nn-cli-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "precious");
        try
        {
            var error = Assert.Throws<UsageException>(() => TrainCommand.Run(Parse("train", "--output", path, "--epochs", "1"), TextWriter.Null));
            Assert.Contains("--force", error.Message);
            Assert.Equal("precious", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainOnDigitsReportsAccuracyExportsAndChecksParity()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nn-cli-{Guid.NewGuid():N}.onnx");
        string report = Path.ChangeExtension(path, ".json");
        try
        {
            var output = new StringWriter();
            int code = TrainCommand.Run(Parse("train", "--epochs", "15", "--output", path, "--report", report, "--quiet"), output);
            string text = output.ToString();
            Assert.True(code == 0, text);
            Assert.Matches(@"test      accuracy 9\d\.\d\d %", text);
            Assert.Contains("ONNX Runtime parity on 359 samples", text);
            Assert.True(new FileInfo(path).Length > 1000);
            Assert.Contains("\"testAccuracy\"", File.ReadAllText(report));

            // Running the same command again replaces Nn's own model file.
            Assert.Equal(0, TrainCommand.Run(Parse("train", "--epochs", "1", "--output", path, "--validation", "0"), TextWriter.Null));
        }
        finally
        {
            File.Delete(path);
            File.Delete(report);
        }
    }

    [Fact]
    public void TrainOnFashionMnistWarmsUpWhileTheDataLoads()
    {
        // The Fashion-MNIST path starts Trainer.WarmUp on another thread before the load; the run must not notice.
        if (Nn.Data.FashionMnist.FindDirectory() is null)
        {
            if (Environment.GetEnvironmentVariable("NN_REQUIRE_FASHION_MNIST") == "1") Assert.Fail("NN_REQUIRE_FASHION_MNIST=1 but Fashion-MNIST is not installed.");
            Assert.Skip("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist).");
        }
        string path = Path.Combine(Path.GetTempPath(), $"nn-cli-{Guid.NewGuid():N}.onnx");
        try
        {
            string Train()
            {
                var output = new StringWriter();
                int code = TrainCommand.Run(Parse("train", "--data", "fashion-mnist", "--hidden", "32", "--epochs", "1", "--output", path, "--force", "--quiet"), output);
                Assert.True(code == 0, output.ToString());
                return output.ToString();
            }

            string first = Train();
            Assert.Matches(@"test      accuracy (7[5-9]|8\d)\.\d\d %", first);
            Assert.Contains("network   784-32-10 (Relu, Softmax)", first);
            // Same seed, same bits: the second run's warm-up finds the code compiled and changes nothing either.
            string Accuracy(string text) => text.Split('\n').Single(line => line.StartsWith("test ", StringComparison.Ordinal));
            Assert.Equal(Accuracy(first), Accuracy(Train()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainsRegressionFromCsv()
    {
        string csv = Path.Combine(Path.GetTempPath(), $"nn-cli-{Guid.NewGuid():N}.csv");
        string model = Path.ChangeExtension(csv, ".onnx");
        try
        {
            var random = new Random(3);
            var lines = new List<string> { "a,b,target" };
            for (int i = 0; i < 200; i++)
            {
                double a = random.NextDouble(), b = random.NextDouble();
                lines.Add(FormattableString.Invariant($"{a},{b},{2 * a - b}"));
            }
            File.WriteAllLines(csv, lines);
            var output = new StringWriter();
            int code = TrainCommand.Run(Parse("train", "--data", csv, "--task", "regression", "--label", "target", "--epochs", "60", "--output", model, "--quiet"), output);
            Assert.True(code == 0, output.ToString());
            Assert.Matches(@"test      loss 0\.00\d+", output.ToString());
        }
        finally
        {
            File.Delete(csv);
            File.Delete(model);
        }
    }

    [Fact]
    public void GradientCheckCommandPasses()
    {
        var output = new StringWriter();
        Assert.Equal(0, GradientCheckCommand.Run(Parse("gradcheck", "--activation", "sigmoid", "--loss", "bce"), output));
        Assert.Contains("PASS", output.ToString());
    }
}
