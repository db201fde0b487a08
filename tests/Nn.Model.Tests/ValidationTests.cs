using Nn.Data;
using Nn.Native;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>Out-of-range options, targets that do not fit the loss, and degenerate GEMM calls are refused with a named reason.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void AnEpsilonThatRoundsToZeroInFloatIsRefused()
    {
        foreach (Optimizer optimizer in new Optimizer[] { new Adam(epsilon: 1e-50), new RmsProp(epsilon: 1e-50), new Adagrad(epsilon: 1e-50) })
        {
            ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.CreateState<float>(10));
            Assert.Equal("epsilon", error.ParamName);
            Assert.Contains("Single", error.Message);
            optimizer.CreateState<double>(10).Dispose();   // representable in double
        }
    }

    [Theory]
    [InlineData("bce", new[] { 2.0, 0.0 }, "outside [0, 1]")]
    [InlineData("bce", new[] { -1.0, 1.0 }, "outside [0, 1]")]
    [InlineData("ce", new[] { 0.0, 0.0 }, "sums to 0")]
    [InlineData("ce", new[] { 1.5, -0.5 }, "negative value")]
    [InlineData("hinge", new[] { 0.0, 0.0 }, "is not one-hot")]
    [InlineData("hinge", new[] { 0.5, 0.5 }, "is not one-hot")]
    public void TargetsThatDoNotFitTheLossAreRefusedNamingTheRow(string lossName, double[] badRow, string message)
    {
        (Loss loss, Activation head) = lossName switch
        {
            "bce" => ((Loss)new BinaryCrossEntropy(), (Activation)new Sigmoid()),
            "ce" => (new CategoricalCrossEntropy(), new Softmax()),
            "hinge" => (new Hinge(), new Identity()),
            _ => (new MeanSquaredError(), new Identity()),
        };
        double[] targets = [1, 0, 0, 1, .. badRow, 1, 0];
        double[] features = [.. Enumerable.Range(0, 8).Select(i => (double)i)];
        using DataSet<double> data = DataSet.FromRegression<double>(features, 2, targets, 2);
        using var network = new Network<double>(new Sequential(new Dense(2, 2), head));
        var options = new TrainingOptions { Loss = loss, Epochs = 1 };
        ArgumentException error = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, options));
        Assert.Contains("Target row 3", error.Message);
        Assert.Contains(message, error.Message);
        Assert.Contains("Target row 3", Assert.Throws<ArgumentException>(() => FullBatch.GradientDescent(network, data, loss)).Message);
    }

    [Theory]
    [InlineData("tolerance")]
    [InlineData("history")]
    [InlineData("rate")]
    public void FullBatchOptionsAreChecked(string which)
    {
        using DataSet<double> data = Synthetic.Blobs<double>(20, seed: 1);
        using var network = new Network<double>(new Sequential(new Dense(2, 2), new Softmax()));
        FullBatchOptions options = which switch
        {
            "tolerance" => new FullBatchOptions { GradientTolerance = double.NaN },
            "history" => new FullBatchOptions { History = 0 },
            _ => new FullBatchOptions { LearningRate = -1 },
        };
        Assert.Throws<ArgumentOutOfRangeException>(() => FullBatch.Lbfgs(network, data, new CategoricalCrossEntropy(), options));
    }

    [Fact]
    public void FullBatchMethodsThatStartFromANonFiniteCostThrowAndLeaveTheStartingWeights()
    {
        double[] features = [1e300, 1e300, -1e300, 1e300];
        using DataSet<double> data = DataSet.FromRegression<double>(features, 2, [1e300, -1e300], 1);
        using var network = new Network<double>(new Sequential(new Dense(2, 1)), new NetworkOptions { Seed = 3 });
        double[] start = network.Parameters.ToArray();
        foreach (Func<FullBatchResult> method in new Func<FullBatchResult>[]
        {
            () => FullBatch.Lbfgs(network, data, new MeanSquaredError()),
            () => FullBatch.ConjugateGradient(network, data, new MeanSquaredError()),
            () => FullBatch.GradientDescent(network, data, new MeanSquaredError()),
        })
        {
            Assert.Throws<TrainingDivergedException>(method);
            Assert.Equal(start, network.Parameters.ToArray());
        }
    }

    [Fact]
    public void GemmWithAlphaZeroReadsNeitherAnorBAndRefusesOverlap()
    {
        foreach (BlasProviderKind kind in new[] { BlasProviderKind.Managed })
        {
            BlasProvider provider = Blas.Load(kind);
            float[] a = [float.NaN, 1, 2], b = [float.NaN, 3, 4], c = [5, 6];
            provider.Gemm(Transpose.None, Transpose.None, 1, 1, 3, 0f, a, 3, b, 1, 2f, c, 1);   // the single-row path used to read B
            Assert.Equal(10f, c[0]);
            provider.Gemm(Transpose.None, Transpose.None, 1, 1, 3, 0f, a, 3, b, 1, 0f, c, 1);
            Assert.Equal(0f, c[0]);

            float[] shared = new float[16];
            ArgumentException error = Assert.Throws<ArgumentException>(() =>
                provider.Gemm(Transpose.None, Transpose.None, 2, 2, 2, 1f, shared.AsSpan(0, 4), 2, shared.AsSpan(8, 4), 2, 0f, shared.AsSpan(2, 4), 2));
            Assert.Contains("overlaps", error.Message);
        }
    }
}
