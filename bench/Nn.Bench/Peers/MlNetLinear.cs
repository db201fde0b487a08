using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nn.Data;
using Nn.Models;
using Nn.Training;

namespace Nn.Bench.Peers;

/// <summary>
/// mlnet-linear [threads] [fashion-mnist|digits] [perceptron|lbfgs|sdca|svm]: the lectures' linear models (all four
/// pairs, or the one named) against ML.NET 5.0.1 in the same process,
/// on the same float arrays (Fashion-MNIST 60k/10k or the built-in digits split 80/20, min-max scaled once for both),
/// each timed around its training call only. Test accuracy is
/// counted here over every test row for both libraries; ML.NET's labels go through MapValueToKey from a uint column,
/// not through a key-typed schema, so no label is read as missing.
/// </summary>
internal static class MlNetLinear
{
    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class Scored
    {
        public uint PredictedLabel { get; set; }
    }

    public static int Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        string dataName = args.Length > 2 ? args[2] : "fashion-mnist";
        string only = args.Length > 3 ? args[3] : "";
        if (only is not ("" or "perceptron" or "lbfgs" or "sdca" or "svm"))
        {
            throw new ArgumentException($"Unknown model '{only}'; use perceptron, lbfgs, sdca or svm.");
        }
        bool Runs(string model) => only.Length == 0 || only == model;
        // NN_FULLBATCH_BLOCK_BYTES sets the inputs per block of a full-batch evaluation (default 256 MiB: Fashion-MNIST's
        // 188 MB go in one pass).
        if (long.TryParse(Environment.GetEnvironmentVariable("NN_FULLBATCH_BLOCK_BYTES"), out long blockBytes))
        {
            FullBatch.BlockBytes = blockBytes;
        }
        Nn.Native.Blas.Provider.Threads = threads;
        (DataSet<float> train, DataSet<float> test) = dataName switch
        {
            "fashion-mnist" => FashionBench.LoadScaled(),
            "digits" => ScaledDigits(),
            _ => throw new ArgumentException($"Unknown data set '{dataName}'; use fashion-mnist or digits."),
        };
        using (train)
        using (test)
        {
            int features = train.FeatureCount, classes = train.TargetCount;
            Console.WriteLine($"# Nn against ML.NET 5.0.1, {dataName} {train.Count:N0}/{test.Count:N0}, {threads} thread(s), Nn provider {Nn.Native.Blas.Provider.Name}, {DateTime.UtcNow:yyyy-MM-dd}");
            Console.WriteLine();
            Console.WriteLine("| model | library | settings | training s | test accuracy |");
            Console.WriteLine("|---|---|---|---:|---:|");

            var ml = new MLContext(seed: 1);
            SchemaDefinition schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
            IDataView trainView = ml.Data.LoadFromEnumerable(Rows(train), schema);
            IDataView testView = ml.Data.LoadFromEnumerable(Rows(test), schema);
            var toKey = ml.Transforms.Conversion.MapValueToKey("Label");   // the uint label becomes a key in place
            var toValue = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel");
            void RunMl(string model, string settings, IEstimator<ITransformer> trainer)
            {
                var pipeline = toKey.Append(trainer).Append(toValue);
                ITransformer? fitted = null;
                double seconds = Time(() => fitted = pipeline.Fit(trainView));
                Report(model, "ML.NET", settings, seconds, Accuracy(ml, fitted!, testView, test));
            }

            // Averaged perceptron, 10 passes.
            if (Runs("perceptron"))
            {
                var perceptron = new Perceptron(features, classes);
                double nnPerceptron = Time(() => perceptron.Fit(train, maxEpochs: 10, shuffleSeed: 1, averaged: true));
                Report("averaged perceptron", "Nn", "10 epochs, η = 1, shuffled, one unit per class", nnPerceptron, Accuracy(test, x => perceptron.Predict(x)));
                RunMl("averaged perceptron", "OneVersusAll(AveragedPerceptron), 10 iterations, defaults otherwise",
                    ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 10)));
            }

            // Softmax regression by L-BFGS, 100 iterations, memory 10.
            const double l2 = 1.0;
            if (Runs("lbfgs"))
            {
                using (var network = new Network<float>(Recipes.SoftmaxRegression(features, classes).Architecture, new NetworkOptions { Seed = 1 }))
                {
                    FullBatchResult? lbfgs = null;
                    double seconds = Time(() => lbfgs = FullBatch.Lbfgs(network, train, new CategoricalCrossEntropy(), new FullBatchOptions { MaxEvaluations = 100, History = 10, L2 = l2, GradientTolerance = 0 }));
                    Report("softmax regression, L-BFGS", "Nn", $"100 evaluations ({lbfgs!.Iterations} iterations), memory 10, λ = {l2} in λ/(2m)ΣW², float", seconds, Evaluate(network, test));
            }
            RunMl("softmax regression, L-BFGS", $"LbfgsMaximumEntropy, 100 iterations, history 10, L2 {l2 / train.Count:G3} (λ/m), L1 0",
                ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options
                {
                    MaximumNumberOfIterations = 100, HistorySize = 10, L2Regularization = (float)(l2 / train.Count), L1Regularization = 0,
                    OptimizationTolerance = 1e-12f,
                }));
            }

            // Mini-batches of 128 on Fashion-MNIST; 16 on the 1,438 digits, where 128 would leave 12 steps an epoch.
            int batch = train.Count >= 10_000 ? 128 : 16;

            // Softmax regression by stochastic passes: Nn's mini-batch Adam against ML.NET's SDCA, 10 passes, the same L2.
            const double sdcaL2 = 1e-4; // per-sample λ in ML.NET's (λ/2)‖w‖² + mean loss
            if (Runs("sdca"))
            {
                TrainLinear("softmax regression, 10 passes", Recipes.SoftmaxRegression(features, classes), sdcaL2 * train.Count,
                    $"Adam 1e-2, batch {batch}, 10 epochs, λ = {sdcaL2 * train.Count:G3} in λ/(2m)ΣW² (= {sdcaL2:G2}/2 ‖W‖²), float", batch, train, test);
                RunMl("softmax regression, 10 passes", $"SdcaMaximumEntropy, 10 iterations, L2 {sdcaL2:G2}, L1 0",
                    ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new Microsoft.ML.Trainers.SdcaMaximumEntropyMulticlassTrainer.Options
                    {
                        MaximumNumberOfIterations = 10, L2Regularization = (float)sdcaL2, L1Regularization = 0, NumberOfThreads = threads,
                    }));
            }

            // Linear SVM, 10 passes, the same L2 (ML.NET's default λ = 0.001).
            const double svmLambda = 1e-3;
            if (Runs("svm"))
            {
                TrainLinear("linear SVM, 10 passes", Recipes.LinearSvm(features, classes), svmLambda * train.Count,
                    $"multiclass hinge, Adam 1e-2, batch {batch}, 10 epochs, λ = {svmLambda * train.Count:G3} in λ/(2m)ΣW² (= {svmLambda:G2}/2 ‖W‖²)", batch, train, test);
                RunMl("linear SVM, 10 passes", $"OneVersusAll(LinearSvm), 10 iterations, λ {svmLambda:G2}, batch 1",
                    ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.LinearSvm(new Microsoft.ML.Trainers.LinearSvmTrainer.Options
                    {
                        NumberOfIterations = 10, Lambda = (float)svmLambda,
                    })));
            }
        }
        return 0;
    }

    private static void TrainLinear(string model, Recipe recipe, double l2, string settings, int batch, DataSet<float> train, DataSet<float> test)
    {
        using var network = new Network<float>(recipe.Architecture, recipe.Options(seed: 1));
        var options = new TrainingOptions { Loss = recipe.Loss, Optimizer = new Adam(1e-2), BatchSize = batch, Epochs = 10, L2 = l2, Seed = 1 };
        double seconds = Time(() => Trainer.Fit(network, train, options));
        Report(model, "Nn", settings, seconds, Trainer.Evaluate(network, test, recipe.Loss).Accuracy!.Value);
    }

    /// <summary>The built-in digits, split 80/20 stratified with seed 1, min-max scaled on the training part.</summary>
    private static (DataSet<float> Train, DataSet<float> Test) ScaledDigits()
    {
        using DataSet<float> all = BuiltInData.Digits<float>();
        (DataSet<float> train, DataSet<float> test) = all.Split(0.8, seed: 1, stratified: true);
        FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
        scaler.Transform(train);
        scaler.Transform(test);
        return (train, test);
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
