using System.Globalization;
using System.Text.Json;
using Nn.Data;
using Nn.Native;
using Nn.Training;

namespace Nn.Bench.Peers;

/// <summary>
/// peer-run --epochs N --threads T --json FILE: Nn's side of bench/peers/side_by_side.py, doing what the PyTorch and
/// scikit-learn scripts do: Fashion-MNIST with min-max scaling fitted on the training images, 784-256-128-10 ReLU, softmax
/// + cross-entropy, Adam(1e-3), batch 128, no L2, a fresh shuffle every epoch; test accuracy after every epoch, outside
/// the epoch's time. Writes the same JSON as the peer scripts. --every-step makes the managed kernel walk every depth step
/// (no skipping of zero rows, the same results), to show what the skipping is worth.
/// </summary>
internal static class NnPeerRun
{
    public static int Run(string[] args)
    {
        int epochs = int.Parse(Option(args, "--epochs", "10"), CultureInfo.InvariantCulture);
        int threads = int.Parse(Option(args, "--threads", "2"), CultureInfo.InvariantCulture);
        string json = Option(args, "--json", "nn.json");
        Blas.Provider.Threads = threads;
        bool everyStep = args.Contains("--every-step");
        Nn.Native.Providers.Managed.ManagedGemmKernel<float>.SkipZeroSteps = !everyStep;
        Sequential architecture = Nn.Models.Recipes.Classifier(784, 10, 256, 128).Architecture;
        var loss = new CategoricalCrossEntropy();
        var options = new TrainingOptions { Loss = loss, Optimizer = new Adam(1e-3), Epochs = epochs, BatchSize = 128, Seed = 1 };
        // The JIT compiles the training path on the other core while the data loads (Trainer.WarmUp; NOWARM=1 skips it).
        Task warmUp = Environment.GetEnvironmentVariable("NOWARM") is null ? Task.Run(() => Trainer.WarmUp<float>(architecture, options)) : Task.CompletedTask;
        (DataSet<float> train, DataSet<float> test) = FashionBench.LoadScaled();
        warmUp.Wait();
        using (train)
        using (test)
        {
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1, Initializer = Initializer.HeNormal });
            var records = new List<object>();
            var hook = new FashionBench.EpochHook(record =>
            {
                double accuracy = Trainer.Evaluate(network, test, loss).Accuracy!.Value;
                records.Add(new { epoch = record.Epoch, seconds = record.Elapsed.TotalSeconds, train_loss = record.TrainingLoss, test_accuracy = accuracy });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {record.Epoch,2}  loss {record.TrainingLoss:F4}  test acc {accuracy:F4}  {record.Elapsed.TotalSeconds:F3} s"));
            });
            Trainer.Fit(network, train, options with { Callbacks = [hook] });
            var result = new
            {
                engine = "nn", version = typeof(Network<float>).Assembly.GetName().Version?.ToString(), threads,
                settings = $"{Blas.Provider.Name} provider, {threads} thread(s){(Blas.Provider.Kind == BlasProviderKind.Managed ? everyStep ? ", every depth step walked (--every-step)" : ", zero depth steps skipped" : "")}; He-normal initialisation; .NET tiered compilation {(AppContext.GetData("System.Runtime.TieredCompilation") is false or "false" ? "off (as nn train)" : "on")}; training path compiled while the data loads {(Environment.GetEnvironmentVariable("NOWARM") is null ? "(Trainer.WarmUp)" : "skipped (NOWARM)")}",
                epochs = records,
            };
            File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}
