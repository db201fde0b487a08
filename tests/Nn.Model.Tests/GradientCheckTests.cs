using Xunit;

namespace Nn.Model.Tests;

/// <summary>Backpropagation against centred differences for every activation × loss pairing that makes sense.</summary>
public sealed class GradientCheckTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string, string, int> Combinations()
    {
        var data = new TheoryData<string, string, int>();
        string[] hidden = ["Identity", "Sigmoid", "Tanh", "Relu", "LeakyRelu"];
        (string Output, string Loss)[] heads =
        [
            ("Identity", "MSE"), ("Sigmoid", "MSE"), ("Tanh", "MSE"), ("Relu", "MSE"), ("LeakyRelu", "MSE"), ("Softmax", "MSE"),
            ("Sigmoid", "BCE"), ("Softmax", "CCE"),
            ("Identity", "Hinge"), ("Tanh", "Hinge"), ("Sigmoid", "Hinge"),
        ];
        foreach (string h in hidden)
        foreach ((string o, string l) in heads)
        foreach (int depth in new[] { 1, 2, 3 })
        {
            data.Add(h, $"{o}+{l}", depth);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void BackpropagationMatchesCentredDifferences(string hidden, string head, int hiddenLayers)
    {
        string[] parts = head.Split('+');
        Loss loss = MakeLoss(parts[1]);
        var layers = new List<Layer>();
        int width = 4;
        for (int i = 0; i < hiddenLayers; i++)
        {
            layers.Add(new Dense(width, 5 + i));
            layers.Add(MakeActivation(hidden));
            width = 5 + i;
        }
        layers.Add(new Dense(width, 3));
        layers.Add(MakeActivation(parts[0]));
        int seed = hidden.Length * 31 + head.Length * 7 + hiddenLayers;
        using var network = new Network<double>(new Sequential([.. layers]), new NetworkOptions { Seed = seed });
        // A small bias keeps ReLU units away from the kink at exactly zero.
        for (int l = 0; l < network.LayerCount; l++) network.Biases(l).Fill(0.05);

        const int batch = 6;
        double[] x = TestData.Inputs<double>(batch, 4, seed);
        double[] t = TestData.Targets<double>(loss, batch, 3, seed);
        GradientCheckReport report = GradientCheck.Run(network, x, t, batch, loss, new GradientCheckOptions { L2 = 0.1 });

        output.WriteLine($"{network.Architecture} with {loss}:");
        output.WriteLine(report.ToString());
        Assert.True(report.Passes(Tolerance), $"max relative error {report.MaxRelativeError:E2} > {Tolerance:E0}\n{report}");
    }

    [Fact]
    public void SamplingChecksOnlyTheRequestedNumberOfParameters()
    {
        using var network = new Network<double>(new Sequential(new Dense(20, 30), new Tanh(), new Dense(30, 4), new Softmax()));
        double[] x = TestData.Inputs<double>(8, 20, 1);
        double[] t = TestData.Targets<double>(new CategoricalCrossEntropy(), 8, 4, 1);
        double[] before = network.Parameters.ToArray();
        GradientCheckReport report = GradientCheck.Run(network, x, t, 8, new CategoricalCrossEntropy(), new GradientCheckOptions { SamplesPerLayer = 10 });
        Assert.All(report.Layers, layer => Assert.Equal(10, layer.WeightsChecked));
        Assert.Equal(4, report.Layers[1].BiasesChecked);
        Assert.True(report.Passes(Tolerance), report.ToString());
        Assert.Equal(before, network.Parameters.ToArray()); // restored exactly
    }

    [Fact]
    public void FloatNetworkAgreesToFloatPrecision()
    {
        using var network = new Network<float>(new Sequential(new Dense(4, 6), new Sigmoid(), new Dense(6, 3), new Softmax()), new NetworkOptions { Seed = 5 });
        float[] x = TestData.Inputs<float>(5, 4, 5);
        float[] t = TestData.Targets<float>(new CategoricalCrossEntropy(), 5, 3, 5);
        GradientCheckReport report = GradientCheck.Run(network, x, t, 5, new CategoricalCrossEntropy(),
            new GradientCheckOptions { Epsilon = 1e-2, RelativeErrorFloor = 1e-3 });
        output.WriteLine(report.ToString());
        Assert.True(report.Passes(2e-2), report.ToString());
    }

    [Fact]
    public void StepActivationCannotBeChecked()
    {
        using var network = new Network<double>(new Sequential(new Dense(2, 1), new Step()));
        var error = Assert.Throws<InvalidOperationException>(() =>
            GradientCheck.Run(network, new double[2], new double[1], 1, new MeanSquaredError()));
        Assert.Contains("perceptron", error.Message);
    }

    internal static Loss MakeLoss(string name) => name switch
    {
        "MSE" => new MeanSquaredError(),
        "BCE" => new BinaryCrossEntropy(),
        "CCE" => new CategoricalCrossEntropy(),
        "Hinge" => new Hinge(),
        _ => throw new ArgumentException(name),
    };

    internal static Activation MakeActivation(string name) => name switch
    {
        "Identity" => new Identity(),
        "Sigmoid" => new Sigmoid(),
        "Tanh" => new Tanh(),
        "Relu" => new Relu(),
        "LeakyRelu" => new LeakyRelu(0.1),
        "Softmax" => new Softmax(),
        _ => throw new ArgumentException(name),
    };
}
