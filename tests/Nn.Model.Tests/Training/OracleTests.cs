using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// Values derived independently of the engine: each update rule re-implemented here in plain double arithmetic over
/// several steps (so state that is not carried, or not accumulated, shows), L2 by value, the epoch-start weights after
/// divergence, and a gradient check that must fail on a broken gradient.
/// </summary>
public sealed class OracleTests
{
    // Seven parameters: the vectorised body takes the first four (or none), the scalar tail the rest, so both are checked.
    private const int N = 7;
    private static readonly double[][] Gradients =
    [
        [0.5, -1.0, 2.0, 0.0, 0.3, -0.6, 1.2], [0.25, 0.5, -1.5, 1.0, -0.4, 0.0, 0.9],
        [-0.75, 0.1, 0.3, -2.0, 0.8, 0.2, -1.1], [1.0, -0.2, 0.0, 0.4, -0.3, 1.5, 0.05],
    ];
    private static readonly double[] Start = [0.1, -0.2, 0.3, 0.05, -0.4, 0.25, 0.0];

    public static TheoryData<string> Rules => new("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");

    [Theory]
    [MemberData(nameof(Rules))]
    public void FourStepsOfEveryRuleMatchAnIndependentImplementation(string rule)
    {
        (Optimizer optimizer, Func<double[], double[], int, double[]> reference) = Make(rule);
        using OptimizerState<double> state = optimizer.CreateState<double>(N);
        double[] engine = (double[])Start.Clone(), oracle = (double[])Start.Clone();
        for (int t = 0; t < Gradients.Length; t++)
        {
            state.Step(engine, Gradients[t], 0.1);
            oracle = reference(oracle, Gradients[t], t + 1);
            for (int i = 0; i < N; i++) Assert.Equal(oracle[i], engine[i], 1e-12);
        }
        Assert.Equal(4, state.Steps);
    }

    // Each rule, written from its textbook definition with its own state, η = 0.1.
    private static (Optimizer, Func<double[], double[], int, double[]>) Make(string rule)
    {
        const double lr = 0.1;
        double[] m = new double[N], v = new double[N];
        switch (rule)
        {
            case "sgd":
                return (new GradientDescent(lr), (p, g, _) => p.Select((x, i) => x - lr * g[i]).ToArray());
            case "momentum":
            case "nesterov":
                bool nesterov = rule == "nesterov";
                return (new GradientDescent(lr, 0.9, nesterov), (p, g, _) =>
                {
                    for (int i = 0; i < N; i++) m[i] = 0.9 * m[i] + g[i];   // PyTorch's velocity: v ← μv + g
                    return p.Select((x, i) => x - lr * (nesterov ? g[i] + 0.9 * m[i] : m[i])).ToArray();
                });
            case "adagrad":
                return (new Adagrad(lr, 1e-10), (p, g, _) =>
                {
                    for (int i = 0; i < N; i++) v[i] += g[i] * g[i];       // the sum keeps growing
                    return p.Select((x, i) => x - lr * g[i] / (Math.Sqrt(v[i]) + 1e-10)).ToArray();
                });
            case "rmsprop":
                return (new RmsProp(lr, 0.9, 1e-8), (p, g, _) =>
                {
                    for (int i = 0; i < N; i++) v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
                    return p.Select((x, i) => x - lr * g[i] / (Math.Sqrt(v[i]) + 1e-8)).ToArray();
                });
            default:
                double decay = rule == "adamw" ? 0.05 : 0;
                Optimizer optimizer = rule == "adamw" ? new AdamW(lr, decay) : new Adam(lr);
                return (optimizer, (p, g, t) =>
                {
                    for (int i = 0; i < N; i++)
                    {
                        m[i] = 0.9 * m[i] + 0.1 * g[i];
                        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    }
                    // Decoupled decay (AdamW): θ shrinks by η·λ before the Adam step, independently of the gradient.
                    return p.Select((x, i) => x * (1 - lr * decay)
                        - lr * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8)).ToArray();
                });
        }
    }

    [Fact]
    public void OptimizerStateIsCarriedAcrossEpochs()
    {
        // One batch per epoch: 3 epochs are 3 Adam steps on the full-batch gradient; recreating the moments each epoch
        // would restart the bias correction and give other weights.
        using DataSet<double> data = Synthetic.Blobs<double>(16, seed: 3, classes: 2);
        using var network = new Network<double>(new Sequential(new Dense(2, 3), new Tanh(), new Dense(3, 2), new Softmax()), new NetworkOptions { Seed = 1 });
        using var twin = new Network<double>(new Sequential(new Dense(2, 3), new Tanh(), new Dense(3, 2), new Softmax()), new NetworkOptions { Seed = 1 });
        Trainer.Fit(network, data, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(0.05), Epochs = 3, BatchSize = 16, Seed = 2 });

        double[] m = new double[twin.ParameterCount], v = new double[twin.ParameterCount];
        for (int t = 1; t <= 3; t++)
        {
            // The order of samples inside the one batch does not change the full-batch gradient beyond rounding.
            twin.ComputeGradients(data.Features, data.Targets, data.Count, new CategoricalCrossEntropy());
            Span<double> p = twin.Parameters;
            ReadOnlySpan<double> g = twin.Gradients;
            for (int i = 0; i < p.Length; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                p[i] -= 0.05 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
            }
        }
        for (int i = 0; i < twin.ParameterCount; i++) Assert.Equal(twin.Parameters[i], network.Parameters[i], 1e-9);
    }

    [Fact]
    public void L2IsLambdaOverTwoMOnWeightsOnlyAndEachBatchCarriesItsShare()
    {
        using var network = new Network<double>(new Sequential(new Dense(3, 2), new Softmax()), new NetworkOptions { Seed = 4 });
        double[] x = TestData.Inputs<double>(5, 3, 1), y = TestData.Targets<double>(new CategoricalCrossEntropy(), 5, 2, 1);
        const double lambda = 0.7;
        double plain = network.ComputeGradients(x, y, 5, new CategoricalCrossEntropy());
        double[] plainGradients = network.Gradients.ToArray();
        double regularised = network.ComputeGradients(x, y, 5, new CategoricalCrossEntropy(), lambda);
        double squares = network.Weights(0).ToArray().Sum(w => w * w);
        Assert.Equal(plain + lambda / (2 * 5) * squares, regularised, 1e-12);
        Span<double> weights = network.Weights(0);
        ReadOnlySpan<double> weightGradients = network.WeightGradients(0), biasGradients = network.BiasGradients(0);
        DenseLayout layout = network.Layouts[0];
        for (int i = 0; i < layout.WeightCount; i++) Assert.Equal(plainGradients[layout.WeightOffset + i] + lambda / 5 * weights[i], weightGradients[i], 1e-12);
        for (int j = 0; j < layout.Outputs; j++) Assert.Equal(plainGradients[layout.BiasOffset + j], biasGradients[j], 15);   // biases: no L2
    }

    [Fact]
    public void DivergenceRestoresExactlyTheEpochStartWeights()
    {
        using DataSet<double> data = Synthetic.Blobs<double>(64, seed: 5, classes: 2);
        using var network = new Network<double>(new Sequential(new Dense(2, 8), new Relu(), new Dense(8, 2), new Softmax()), new NetworkOptions { Seed = 2 });
        var options = new TrainingOptions { Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.1), Epochs = 2, BatchSize = 8, Seed = 1 };
        Trainer.Fit(network, data, options);   // two sane epochs
        double[] epochStart = network.Parameters.ToArray();
        // A learning rate of 1e300 blows up within the next epoch; the weights must come back bit for bit.
        Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, options with { Optimizer = new GradientDescent(1e300), Epochs = 1 }));
        Assert.Equal(epochStart, network.Parameters.ToArray());
    }

    [Fact]
    public void TheGradientCheckFailsOnABrokenGradient()
    {
        using var network = new Network<double>(new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2), new Softmax()), new NetworkOptions { Seed = 6 });
        double[] x = TestData.Inputs<double>(4, 3, 2), y = TestData.Targets<double>(new CategoricalCrossEntropy(), 4, 2, 2);
        var options = new GradientCheckOptions();
        network.ComputeGradients(x, y, 4, new CategoricalCrossEntropy());
        double[] correct = network.Gradients.ToArray();
        Assert.True(GradientCheck.Compare(network, correct, x, y, 4, new CategoricalCrossEntropy(), options).Passes(1e-6));

        double[] broken = (double[])correct.Clone();
        int index = network.Layouts[1].WeightOffset + 3;
        broken[index] *= 1.01;   // a 1 % error in one weight of layer 2
        GradientCheckReport report = GradientCheck.Compare(network, broken, x, y, 4, new CategoricalCrossEntropy(), options);
        Assert.False(report.Passes(1e-6), report.ToString());
        Assert.True(report.Layers[1].WeightsMaxRelativeError > 1e-3, report.ToString());
        Assert.True(report.Layers[0].MaxRelativeError < 1e-6, report.ToString());
    }
}
