using Xunit;

namespace Nn.Model.Tests;

/// <summary>Construction, layout, determinism and the errors users get for wrong shapes and misuse.</summary>
public sealed class NetworkTests
{
    [Fact]
    public void ParametersLiveInOneSlabLayerByLayer()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 4), new Relu(), new Dense(4, 2)));
        Assert.Equal(3 * 4 + 4 + 4 * 2 + 2, network.ParameterCount);
        Assert.Equal(new DenseLayout(0, 12, 3, 4), network.Layouts[0]);
        Assert.Equal(new DenseLayout(16, 24, 4, 2), network.Layouts[1]);
        network.Biases(1)[1] = 42f;
        Assert.Equal(42f, network.Parameters[25]);
        Assert.All(network.Biases(0).ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void DefaultInitialisationHasFanInScale()
    {
        using var network = new Network<double>(new Sequential(new Dense(400, 300)), new NetworkOptions { Seed = 1 });
        double[] w = network.Weights(0).ToArray();
        double mean = w.Average();
        double std = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(0, mean, 2);
        Assert.Equal(1 / Math.Sqrt(400), std, 3);
    }

    [Fact]
    public void SameSeedGivesSameWeightsAndDifferentSeedDoesNot()
    {
        var architecture = new Sequential(new Dense(5, 7), new Tanh(), new Dense(7, 2));
        using var a = new Network<float>(architecture, new NetworkOptions { Seed = 3 });
        using var b = new Network<float>(architecture, new NetworkOptions { Seed = 3 });
        using var c = new Network<float>(architecture, new NetworkOptions { Seed = 4 });
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.NotEqual(a.Parameters.ToArray(), c.Parameters.ToArray());
    }

    [Fact]
    public void WrongInputLengthNamesTheShape()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 2)));
        var error = Assert.Throws<ArgumentException>(() => network.Forward(new float[7], 2));
        Assert.Contains("2 samples × 3 features need 6", error.Message);
    }

    [Fact]
    public void WrongTargetLengthNamesTheShape()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 2), new Softmax()));
        var error = Assert.Throws<ArgumentException>(() => network.ComputeGradients(new float[6], new float[5], 2, new CategoricalCrossEntropy()));
        Assert.Contains("2 samples × 2 outputs need 4", error.Message);
    }

    [Fact]
    public void EmptyBatchIsRejected()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward([], 0));
    }

    [Fact]
    public void LossThatDoesNotFitTheOutputIsRejected()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 2), new Relu()));
        var error = Assert.Throws<ArgumentException>(() => network.ComputeGradients(new float[3], new float[2], 1, new CategoricalCrossEntropy()));
        Assert.Contains("Softmax", error.Message);
        error = Assert.Throws<ArgumentException>(() => network.ComputeGradients(new float[3], new float[2], 1, new BinaryCrossEntropy()));
        Assert.Contains("Sigmoid", error.Message);
    }

    [Fact]
    public void NegativeL2IsRejected()
    {
        using var network = new Network<float>(new Sequential(new Dense(3, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeGradients(new float[3], new float[2], 1, new MeanSquaredError(), -1));
    }

    [Fact]
    public void StepNetworkRunsForwardButRefusesBackpropagation()
    {
        using var network = new Network<double>(new Sequential(new Dense(2, 1), new Step()));
        network.Weights(0)[0] = 1;
        Assert.Equal([1.0, 1.0, 0.0], network.Forward([0, 0, 2, -1, -1, 0.5], 3).ToArray()); // H(0) = 1
        var error = Assert.Throws<InvalidOperationException>(() => network.ComputeGradients([0, 0], [1], 1, new MeanSquaredError()));
        Assert.Contains("perceptron learning rule", error.Message);
    }

    [Fact]
    public void UseAfterDisposeThrows()
    {
        var network = new Network<float>(new Sequential(new Dense(3, 2)));
        network.Dispose();
        network.Dispose();
        Assert.Throws<ObjectDisposedException>(() => network.Forward(new float[3], 1));
    }

    [Theory]
    [MemberData(nameof(BadArchitectures))]
    public void BadArchitecturesAreRejected(Layer[] layers, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new Sequential(layers));
        Assert.Contains(message, error.Message);
    }

    public static TheoryData<Layer[], string> BadArchitectures => new()
    {
        { [], "at least one Dense" },
        { [new Relu(), new Dense(2, 2)], "must follow a Dense" },
        { [new Dense(2, 3), new Relu(), new Tanh()], "must follow a Dense" },
        { [new Dense(2, 3), new Dense(4, 1)], "takes 4 inputs but the layer before it has 3" },
        { [new Dense(2, 3), new Softmax(), new Dense(3, 1)], "only supported on the output layer" },
    };

    [Fact]
    public void LeakyReluSlopeMustBeSensible()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(-0.1));
        Assert.Equal(0.01, new LeakyRelu().NegativeSlope);
        Assert.Equal(0, new LeakyRelu(0).NegativeSlope); // a ReLU, but allowed
        Assert.Equal(0.999, new LeakyRelu(0.999).NegativeSlope);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(1)); // linear: no longer an activation
        Assert.Equal("slope", error.ParamName);
        Assert.StartsWith("LeakyRelu slope must be in [0, 1).", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(double.PositiveInfinity));
        Assert.Equal("LeakyRelu(0.2)", new LeakyRelu(0.2).ToString());
    }
}
