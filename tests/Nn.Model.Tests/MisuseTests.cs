using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>Misuse from several threads is refused, never silent; spans handed out never point at freed memory.</summary>
public sealed class MisuseTests
{
    private static Network<float> Make() => new(new Sequential(new Dense(12, 32), new Relu(), new Dense(32, 4), new Softmax()), new NetworkOptions { Seed = 8 });

    [Fact]
    public void EightThreadsSharingANetworkGetTheRightAnswerOrAnExceptionNeverAWrongNumber()
    {
        using Network<float> network = Make();
        int[] batches = [1, 5, 64, 3, 200];
        float[][] inputs = batches.Select((b, i) => TestData.Inputs<float>(b, 12, 40 + i)).ToArray();
        float[][] expected = batches.Select((b, i) =>
        {
            var y = new float[b * 4];
            network.Predict(inputs[i], y, b);
            return y;
        }).ToArray();
        long right = 0, refused = 0, wrong = 0;
        string? message = null;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var outputs = batches.Select(b => new float[b * 4]).ToArray();
            for (int c = 0; c < 10_000; c++)
            {
                int i = (c + thread) % batches.Length;
                try
                {
                    network.Predict(inputs[i], outputs[i], batches[i]);
                }
                catch (InvalidOperationException error)
                {
                    Interlocked.Increment(ref refused);
                    message ??= error.Message;
                    continue;
                }
                if (outputs[i].AsSpan().SequenceEqual(expected[i])) Interlocked.Increment(ref right);
                else Interlocked.Increment(ref wrong);
            }
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"8 threads × 10,000 calls on one Network: {right} right, {refused} refused, {wrong} wrong");
        Assert.Equal(0, wrong);
        Assert.Equal(80_000, right + refused);
        if (refused > 0)
        {
            Assert.Contains("Network<Single> is in use by thread", message);
            Assert.Contains("Nn.Serving.Predictor", message);
        }
    }

    [Fact]
    public void PredictingFromAnotherThreadDuringFitIsRefusedAndTrainingIsUntouched()
    {
        using DataSet<float> data = Synthetic.Blobs<float>(200, seed: 2, classes: 4, features: 12);
        using Network<float> network = Make(), twin = Make();
        var options = new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 3, BatchSize = 16, Seed = 1 };
        var probe = new ProbeFromAnotherThread(network);
        Trainer.Fit(network, data, options with { Callbacks = [probe] });
        Trainer.Fit(twin, data, options);
        Assert.Equal(3, probe.Refusals.Count);
        Assert.All(probe.Refusals, e => Assert.Contains("Trainer.Fit", e.Message));
        Assert.Equal(twin.Parameters.ToArray(), network.Parameters.ToArray());   // the refused calls changed nothing
    }

    private sealed class ProbeFromAnotherThread(Network<float> network) : TrainingCallback
    {
        public List<InvalidOperationException> Refusals { get; } = [];

        public override void OnEpochEnd(EpochRecord epoch)
        {
            Exception? caught = null;
            var thread = new Thread(() =>
            {
                try
                {
                    network.Predict(new float[12], new float[4], 1);
                }
                catch (Exception error)
                {
                    caught = error;
                }
                try
                {
                    network.Dispose();
                }
                catch (InvalidOperationException)
                {
                }
            });
            thread.Start();
            thread.Join();
            Refusals.Add(Assert.IsType<InvalidOperationException>(caught));
        }
    }

    [Fact]
    public void ASpanFromForwardStaysValidWhenALargerBatchGrowsTheWorkspace()
    {
        using Network<float> network = Make();
        ReadOnlySpan<float> small = network.Forward(TestData.Inputs<float>(2, 12, 1), 2);
        float[] before = small.ToArray();
        network.Forward(TestData.Inputs<float>(500, 12, 2), 500);   // grows the workspace: the old one is retired, not freed
        Assert.Equal(before, small.ToArray());
    }

    [Fact]
    public void LastOutputsRefusesABatchOtherThanTheLastAndLayerIndicesAreChecked()
    {
        using Network<float> network = Make();
        Assert.Throws<InvalidOperationException>(() => network.LastOutputs(1));
        network.Forward(TestData.Inputs<float>(10, 12, 1), 10);
        network.Forward(TestData.Inputs<float>(1, 12, 1), 1);
        Assert.Contains("had 1 samples, not 10", Assert.Throws<InvalidOperationException>(() => network.LastOutputs(10)).Message);
        Assert.Equal(4, network.LastOutputs(1).Length);
        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => network.Weights(-1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Biases(2));
    }

    [Fact]
    public void TrainedModelSharedByThreadsIsRefusedToo()
    {
        using var model = new TrainedModel<float>(Make());
        float[] x = TestData.Inputs<float>(50, 12, 3);
        var expected = new float[200];
        model.Predict(x, expected, 50);
        long wrong = 0;
        Parallel.For(0, 4, _ =>
        {
            var y = new float[200];
            for (int c = 0; c < 2_000; c++)
            {
                try
                {
                    model.Predict(x, y, 50);
                }
                catch (InvalidOperationException)
                {
                    continue;
                }
                if (!y.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, wrong);
    }
}
