using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// Trainer.WarmUp compiles the training path on a scratch network: it must leave no trace in a real run, accept every
/// loss and output shape Fit accepts, and refuse what Fit refuses.
/// </summary>
public sealed class WarmUpTests
{
    private static readonly Sequential Classifier = new(new Dense(6, 8), new Relu(), new Dense(8, 3), new Softmax());

    private static TrainingOptions Options(Loss loss, Optimizer? optimizer = null, double validation = 0) =>
        new() { Loss = loss, Optimizer = optimizer ?? new Adam(0.01), Epochs = 3, BatchSize = 16, Seed = 5, ValidationSplit = validation };

    [Fact]
    public void ARunAfterTheWarmUpEndsWithTheSameBitsAsOneWithout()
    {
        var random = new Random(3);
        float[] features = Enumerable.Range(0, 90 * 6).Select(_ => random.NextSingle()).ToArray();
        int[] labels = Enumerable.Range(0, 90).Select(i => i % 3).ToArray();
        using DataSet<float> data = DataSet.FromClassification<float>(features, 6, labels);
        TrainingOptions options = Options(new CategoricalCrossEntropy(), validation: 0.2);

        float[] Train()
        {
            using var network = new Network<float>(Classifier, new NetworkOptions { Seed = 2 });
            History history = Trainer.Fit(network, data, options);
            Assert.Equal(3, history.Epochs.Count);
            return network.Parameters.ToArray();
        }

        float[] cold = Train();
        Trainer.WarmUp<float>(Classifier, options);
        Assert.Equal(cold, Train());
    }

    [Fact]
    public void EveryLossAndOneOutputWarmUp()
    {
        Trainer.WarmUp<float>(Classifier, Options(new CategoricalCrossEntropy(), new GradientDescent(0.1, 0.9), validation: 0.25));
        Trainer.WarmUp<double>(new Sequential(new Dense(4, 5), new Tanh(), new Dense(5, 3)), Options(new Hinge(), new RmsProp(0.01)));
        Trainer.WarmUp<float>(new Sequential(new Dense(4, 1), new Sigmoid()), Options(new BinaryCrossEntropy()));
        Trainer.WarmUp<float>(new Sequential(new Dense(4, 2)), Options(new MeanSquaredError(), new Adagrad(0.1)) with { L2 = 0.01 });
    }

    [Fact]
    public void TheWarmUpCallsNoCallbackAndReportsNoProgress()
    {
        var counter = new Counter();
        int reports = 0;
        TrainingOptions options = Options(new CategoricalCrossEntropy()) with
        {
            Callbacks = [counter], Progress = new Progress<EpochRecord>(_ => Interlocked.Increment(ref reports)), Epochs = 4,
            EarlyStopping = new EarlyStopping { Patience = 1 }, ValidationSplit = 0.2,
        };
        Trainer.WarmUp<float>(Classifier, options);
        Thread.Sleep(50);   // Progress<T> posts to the thread pool: give a wrong report the time to arrive
        Assert.Equal((0, 0, 0), (counter.Batches, counter.Epochs, reports));
    }

    private sealed class Counter : TrainingCallback
    {
        public int Batches, Epochs;

        public override void OnBatchEnd(BatchRecord batch) => Batches++;

        public override void OnEpochEnd(EpochRecord epoch) => Epochs++;
    }

    [Fact]
    public void TheWarmUpRefusesWhatFitRefuses()
    {
        var notProbabilities = new Sequential(new Dense(6, 3));
        var error = Assert.ThrowsAny<ArgumentException>(() => Trainer.WarmUp<float>(notProbabilities, Options(new CategoricalCrossEntropy())));
        Assert.Contains("Softmax", error.Message);
        Assert.Throws<InvalidOperationException>(() => Trainer.WarmUp<float>(new Sequential(new Dense(6, 3), new Step(), new Dense(3, 3), new Softmax()), Options(new CategoricalCrossEntropy())));
        Assert.Throws<ArgumentNullException>(() => Trainer.WarmUp<float>(null!, Options(new CategoricalCrossEntropy())));
        Assert.Throws<ArgumentNullException>(() => Trainer.WarmUp<float>(Classifier, null!));
    }
}
