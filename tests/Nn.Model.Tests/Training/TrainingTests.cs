using Nn.Data;
using Nn.Models;
using Nn.Native;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

public sealed class TrainingTests(ITestOutputHelper output)
{
    internal static (DataSet<float> Train, DataSet<float> Test) ScaledDigits(int seed = 1)
    {
        using DataSet<float> digits = BuiltInData.Digits<float>();
        (DataSet<float> train, DataSet<float> test) = digits.Split(0.8, seed, stratified: true);
        FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
        scaler.Transform(train);
        scaler.Transform(test);
        return (train, test);
    }

    [Fact]
    public void XorNetworkOfTheLecturesLearnsXor()
    {
        Recipe recipe = Recipes.Xor();
        using var network = new Network<double>(recipe.Architecture, recipe.Options(seed: 1));
        using DataSet<double> xor = Synthetic.Xor<double>();
        History history = Trainer.Fit(network, xor, new TrainingOptions
        {
            Loss = recipe.Loss, Optimizer = new GradientDescent(learningRate: 2.0), Epochs = 5000, BatchSize = 4,
        });
        double[] outputs = network.Forward(xor.Features, 4).ToArray();
        output.WriteLine($"outputs {string.Join(", ", outputs.Select(o => o.ToString("F3")))}; final loss {history.Epochs[^1].TrainingLoss:E2}");
        Assert.Equal([0.0, 1, 1, 0], outputs.Select(o => Math.Round(o)));
        Assert.Equal(5000, history.Epochs.Count);
    }

    [Fact]
    public void DigitsNetworkReachesNinetySixPercentOnHeldOutData()
    {
        (DataSet<float> train, DataSet<float> test) = ScaledDigits();
        using (train)
        using (test)
        {
            var architecture = new Sequential(new Dense(64, 32), new Relu(), new Dense(32, 10), new Softmax());
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
            var loss = new CategoricalCrossEntropy();
            History history = Trainer.Fit(network, train, new TrainingOptions
            {
                Loss = loss, Optimizer = new Adam(3e-3), Epochs = 60, BatchSize = 32, Seed = 1, L2 = 1e-4, ValidationSplit = 0.1,
            });
            Evaluation result = Trainer.Evaluate(network, test, loss);
            output.WriteLine($"held-out accuracy {result.Accuracy:P2}, loss {result.Loss:F4}; last epoch {history.Epochs[^1]}");
            Assert.True(result.Accuracy >= 0.96, $"accuracy {result.Accuracy:P2} < 96%");
            Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        }
    }

    [Fact]
    public void SameSeedAndDefaultProviderGiveBitIdenticalWeights()
    {
        (DataSet<float> train, DataSet<float> test) = ScaledDigits();
        using (train)
        using (test)
        {
            float[] Train()
            {
                using var network = new Network<float>(new Sequential(new Dense(64, 24), new Tanh(), new Dense(24, 10), new Softmax()), new NetworkOptions { Seed = 7 });
                Trainer.Fit(network, train, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Optimizer = new RmsProp(1e-3), Epochs = 3, BatchSize = 16, Seed = 5 });
                return network.Parameters.ToArray();
            }
            Assert.Equal(Train(), Train());
        }
    }

    [Fact]
    public void DivergenceNamesEpochBatchAndLayerAndRestoresWeights()
    {
        using var data = DataSet.FromRegression<float>([1e3f, -2e3f, 3e3f, 4e3f], 1, [1f, 2f, 3f, 4f], 1);
        using var network = new Network<float>(new Sequential(new Dense(1, 8), new Relu(), new Dense(8, 1)), new NetworkOptions { Seed = 1 });
        var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = new MeanSquaredError(), Optimizer = new GradientDescent(10.0), Epochs = 50, BatchSize = 2,
        }));
        output.WriteLine(error.Message);
        Assert.Contains($"epoch {error.Epoch}, batch {error.Batch}", error.Message);
        Assert.Contains("layer", error.Location);
        Assert.True(Network<float>.AllFinite(network.Parameters), "weights were left non-finite");
    }

    [Fact]
    public void SymmetricInitialisationWarnsAndHiddenUnitsStayIdentical()
    {
        using DataSet<double> digits = BuiltInData.Digits<double>();
        FeatureScaler.Fit(digits, ScalingKind.MinMax).Transform(digits);
        using var network = new Network<double>(new Sequential(new Dense(64, 6), new Sigmoid(), new Dense(6, 10), new Softmax()),
            new NetworkOptions { Initializer = Initializer.Constant(0.1) });
        var warnings = new Collecting();
        History history = Trainer.Fit(network, digits, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.5), Epochs = 3, BatchSize = 64, Callbacks = [warnings],
        });
        Assert.Contains("symmetry", history.Warnings.Single());
        Assert.Single(warnings.Warnings);
        // Every hidden unit computes the same function and gets the same gradient, so the rows of W₁ stay equal
        // (up to the last bit, which BLAS may round differently in different vector lanes).
        double[] w = network.Weights(0).ToArray();
        for (int unit = 1; unit < 6; unit++)
        for (int f = 0; f < 64; f++)
        {
            Assert.Equal(w[f], w[unit * 64 + f], 1e-12);
        }
        Assert.True(w.Max() - w.Min() > 1e-3, "the weights did not move at all");
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        (DataSet<float> train, DataSet<float> test) = ScaledDigits();
        using (train)
        using (test)
        {
            using DataSet<float> small = train.Subset(Enumerable.Range(0, 120).ToArray());
            using var network = new Network<float>(new Sequential(new Dense(64, 128), new Relu(), new Dense(128, 10), new Softmax()), new NetworkOptions { Seed = 2 });
            History history = Trainer.Fit(network, small, new TrainingOptions
            {
                Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(1e-2), Epochs = 200, BatchSize = 8,
                EarlyStopping = new EarlyStopping { Patience = 3 },
            }, validation: test);
            Assert.Equal(StopReason.EarlyStopping, history.StopReason);
            int best = history.BestEpoch!.Value;
            Assert.True(best < history.Epochs.Count);
            double expected = history.Epochs[best - 1].ValidationLoss!.Value;
            Assert.Equal(expected, Trainer.Evaluate(network, test, new CategoricalCrossEntropy(), 8).Loss, 5);
        }
    }

    [Fact]
    public void ToleranceStopsWhenWeightsSettle()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(40, seed: 1);
        using var network = new Network<double>(new Sequential(new Dense(2, 2), new Softmax()), new NetworkOptions { Seed = 1 });
        History history = Trainer.Fit(network, blobs, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.1), Epochs = 100000, BatchSize = 40, Tolerance = 1e-4,
        });
        Assert.Equal(StopReason.Tolerance, history.StopReason);
        Assert.True(history.Epochs[^1].WeightChange < 1e-4);
        Assert.True(history.Epochs.Count < 100000);
    }

    [Fact]
    public void CancellationStopsAndProgressArrivesWhileTraining()
    {
        (DataSet<float> train, DataSet<float> test) = ScaledDigits();
        using (train)
        using (test)
        {
            using var network = new Network<float>(new Sequential(new Dense(64, 10), new Softmax()));
            using var cancel = new CancellationTokenSource();
            var seen = new List<EpochRecord>();
            var progress = new SynchronousProgress(record =>
            {
                seen.Add(record);
                if (record.Epoch == 2) cancel.Cancel();
            });
            History history = Trainer.Fit(network, train, new TrainingOptions
            {
                Loss = new CategoricalCrossEntropy(), Epochs = 50, Progress = progress,
            }, cancellationToken: cancel.Token);
            Assert.Equal(StopReason.Cancelled, history.StopReason);
            Assert.Equal(2, seen.Count);
            Assert.Equal(2, history.Epochs.Count);
        }
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(32, 4)]
    [InlineData(100, 1)]
    [InlineData(500, 1)]
    public void BatchSizeDecidesStochasticMiniOrFullBatch(int batchSize, int batchesPerEpoch)
    {
        using DataSet<float> blobs = Synthetic.Blobs<float>(100, seed: 4);
        using var network = new Network<float>(new Sequential(new Dense(2, 2), new Softmax()));
        var counter = new Collecting();
        Trainer.Fit(network, blobs, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 2, BatchSize = batchSize, Callbacks = [counter] });
        Assert.Equal(2 * batchesPerEpoch, counter.Batches.Count);
        Assert.Equal(batchesPerEpoch, counter.Batches.Count(b => b.Epoch == 1));
    }

    [Fact]
    public void MisconfigurationIsRejectedBeforeTheFirstEpoch()
    {
        using DataSet<float> blobs = Synthetic.Blobs<float>(20, seed: 4);
        using var network = new Network<float>(new Sequential(new Dense(2, 2), new Softmax()));
        float[] before = network.Parameters.ToArray();
        var loss = new CategoricalCrossEntropy();
        Assert.Throws<ArgumentException>(() => Trainer.Fit(network, blobs, new TrainingOptions { Loss = loss, EarlyStopping = new EarlyStopping() }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(network, blobs, new TrainingOptions { Loss = loss, BatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(network, blobs, new TrainingOptions { Loss = new BinaryCrossEntropy() }));
        using var wide = new Network<float>(new Sequential(new Dense(3, 2), new Softmax()));
        var error = Assert.Throws<ArgumentException>(() => Trainer.Fit(wide, blobs, new TrainingOptions { Loss = loss }));
        Assert.Contains("2 features but the network takes 3 inputs", error.Message);
        using var step = new Network<float>(new Sequential(new Dense(2, 2), new Step()));
        Assert.Contains("perceptron", Assert.Throws<InvalidOperationException>(() => Trainer.Fit(step, blobs, new TrainingOptions { Loss = new MeanSquaredError() })).Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    private sealed class Collecting : TrainingCallback
    {
        public List<string> Warnings { get; } = [];
        public List<BatchRecord> Batches { get; } = [];
        public override void OnWarning(string message) => Warnings.Add(message);
        public override void OnBatchEnd(BatchRecord batch) => Batches.Add(batch);
    }

    private sealed class SynchronousProgress(Action<EpochRecord> report) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => report(value);
    }
}
