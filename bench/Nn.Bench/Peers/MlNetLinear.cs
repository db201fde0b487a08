using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nn.Data;
using Nn.Models;
using Nn.Training;

namespace Nn.Bench.Peers;

/// <summary>
/// mlnet-linear: the lectures' linear models against ML.NET 5.0.1 in the same process, on the same float arrays
/// (Fashion-MNIST 60k/10k, min-max scaled once for both), each timed around its training call only. Test accuracy is
/// counted here over every test row for both libraries; ML.NET's labels go through MapValueToKey from a uint column,
/// not through a key-typed schema, so no label is read as missing.
/// </summary>
internal static class MlNetLinear
{
    private sealed class Row
    {
        [VectorType(784)] public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class Scored
    {
        public uint PredictedLabel { get; set; }
    }

    public static int Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        Nn.Native.Blas.Provider.Threads = threads;
        (DataSet<float> train, DataSet<float> test) = FashionBench.LoadScaled();
        using (train)
        using (test)
        {
            Console.WriteLine($"# Nn against ML.NET 5.0.1, Fashion-MNIST 60,000/10,000, {threads} thread(s), Nn provider {Nn.Native.Blas.Provider.Name}, {DateTime.UtcNow:yyyy-MM-dd}");
            Console.WriteLine();
            Console.WriteLine("| model | library | settings | training s | test accuracy |");
            Console.WriteLine("|---|---|---|---:|---:|");

            var ml = new MLContext(seed: 1);
            IDataView trainView = ml.Data.LoadFromEnumerable(Rows(train));
            IDataView testView = ml.Data.LoadFromEnumerable(Rows(test));
            var toKey = ml.Transforms.Conversion.MapValueToKey("Label");   // the uint label becomes a key in place
            var toValue = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel");

            // Averaged perceptron, 10 passes.
            var perceptron = new Perceptron(784, classes: 10);
            double nnPerceptron = Time(() => perceptron.Fit(train, maxEpochs: 10, shuffleSeed: 1, averaged: true));
            Report("averaged perceptron", "Nn", "10 epochs, η = 1, shuffled, one-vs-rest", nnPerceptron, Accuracy(test, x => perceptron.Predict(x)));
            var perceptronPipeline = toKey.Append(ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 10))).Append(toValue);
            ITransformer? mlPerceptron = null;
            double mlPerceptronSeconds = Time(() => mlPerceptron = perceptronPipeline.Fit(trainView));
            Report("averaged perceptron", "ML.NET", "OneVersusAll(AveragedPerceptron), 10 iterations, defaults otherwise", mlPerceptronSeconds, Accuracy(ml, mlPerceptron!, testView, test));

            // Softmax regression by L-BFGS, 100 iterations, memory 10.
            const double l2 = 1.0;
            using var network = new Network<float>(new Sequential(new Dense(784, 10), new Softmax()), new NetworkOptions { Seed = 1 });
            FullBatchResult? lbfgs = null;
            double nnLbfgs = Time(() => lbfgs = FullBatch.Lbfgs(network, train, new CategoricalCrossEntropy(), new FullBatchOptions { MaxEvaluations = 100, History = 10, L2 = l2, GradientTolerance = 0 }));
            Report("softmax regression, L-BFGS", "Nn", $"100 evaluations ({lbfgs!.Iterations} iterations), memory 10, λ = {l2} in λ/(2m)ΣW², float", nnLbfgs, Evaluate(network, test));
            var maxentPipeline = toKey.Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                MaximumNumberOfIterations = 100, HistorySize = 10, L2Regularization = (float)(l2 / train.Count), L1Regularization = 0,
                OptimizationTolerance = 1e-12f,
            })).Append(toValue);
            ITransformer? mlMaxent = null;
            double mlMaxentSeconds = Time(() => mlMaxent = maxentPipeline.Fit(trainView));
            Report("softmax regression, L-BFGS", "ML.NET", $"LbfgsMaximumEntropy, 100 iterations, history 10, L2 {l2 / train.Count:G3} (λ/m), L1 0", mlMaxentSeconds, Accuracy(ml, mlMaxent!, testView, test));
        }
        return 0;
    }

    private static IEnumerable<Row> Rows(DataSet<float> data)
    {
        for (int i = 0; i < data.Count; i++) yield return new Row { Features = data.FeaturesOf(i).ToArray(), Label = (uint)data.Labels[i] };
    }

    private static double Time(Action train)
    {
        long start = Stopwatch.GetTimestamp();
        train();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Accuracy(DataSet<float> test, Func<double[], int> predict)
    {
        var x = new double[test.FeatureCount];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            ReadOnlySpan<float> row = test.FeaturesOf(i);
            for (int f = 0; f < x.Length; f++) x[f] = row[f];
            if (predict(x) == test.Labels[i]) correct++;
        }
        return (double)correct / test.Count;
    }

    private static double Accuracy(MLContext ml, ITransformer model, IDataView testView, DataSet<float> test)
    {
        uint[] predicted = ml.Data.CreateEnumerable<Scored>(model.Transform(testView), reuseRowObject: false).Select(s => s.PredictedLabel).ToArray();
        if (predicted.Length != test.Count) throw new InvalidOperationException($"ML.NET scored {predicted.Length} of {test.Count} test rows.");
        int correct = 0;
        for (int i = 0; i < test.Count; i++) if (predicted[i] == (uint)test.Labels[i]) correct++;
        return (double)correct / test.Count;
    }

    private static double Evaluate(Network<float> network, DataSet<float> test) =>
        Trainer.Evaluate(network, test, new CategoricalCrossEntropy()).Accuracy!.Value;

    private static void Report(string model, string library, string settings, double seconds, double accuracy) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {model} | {library} | {settings} | {seconds:F2} | {accuracy:P2} |"));
}
