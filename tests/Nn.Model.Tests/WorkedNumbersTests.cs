using Nn.Kernels;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>The lectures' worked numbers, asserted through the public engine.</summary>
public sealed class WorkedNumbersTests
{
    // Scores for cat/car/frog of the three training images (columns of the slide).
    private static readonly double[][] SlideScores = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]];

    [Theory]
    [InlineData(0, 2.9)]
    [InlineData(1, 0.0)]
    [InlineData(2, 12.9)]
    public void MulticlassSvmLossPerSample(int sample, double expected)
    {
        Assert.Equal(expected, LossOfScores(new Hinge(), SlideScores[sample], label: sample, new Identity()), 10);
    }

    [Fact]
    public void MulticlassSvmLossMeanOverSlide()
    {
        double mean = LossOfScores(new Hinge(), [.. SlideScores.SelectMany(s => s)], labels: [0, 1, 2], new Identity());
        Assert.Equal(15.8 / 3, mean, 10);
        Assert.Equal(5.27, mean, 2);
    }

    [Fact]
    public void SoftmaxLossOfCatImage()
    {
        double loss = LossOfScores(new CategoricalCrossEntropy(), SlideScores[0], label: 0, new Softmax());
        Assert.Equal(-Math.Log(0.13), loss, 1); // the slide rounds p(cat) to 0.13
        Assert.Equal(2.04, loss, 2);
    }

    [Fact]
    public void WorkedExampleScoresLossesAndProbabilities()
    {
        double[] w = [0.01, -0.05, 0.1, 0.05, 0.7, 0.2, 0.05, 0.16, 0.0, -0.45, -0.2, 0.03];
        double[] b = [0.0, 0.2, -0.3];
        double[] x = [-15, 22, -44, 56];
        double[] oneHot = [0, 0, 1];

        using var linear = Linear(new Identity(), w, b);
        double[] scores = linear.Forward(x, 1).ToArray();
        Assert.Equal(-2.85, scores[0], 10);
        Assert.Equal(0.86, scores[1], 10);
        Assert.Equal(0.28, scores[2], 10);
        Assert.Equal(1.58, linear.ComputeLoss(x, oneHot, 1, new Hinge()), 10);

        using var softmax = Linear(new Softmax(), w, b);
        double[] p = softmax.Forward(x, 1).ToArray();
        // The slide rounds its intermediate exponentials; exact values are 0.01545, 0.63117, 0.35338.
        Assert.Equal(0.016, p[0], 1e-3);
        Assert.Equal(0.631, p[1], 1e-3);
        Assert.Equal(0.353, p[2], 1e-3);
        double crossEntropy = softmax.ComputeLoss(x, oneHot, 1, new CategoricalCrossEntropy());
        Assert.Equal(1.040, crossEntropy, 3); // natural log; the slide's 0.452 is −log10(0.353)
        Assert.Equal(0.452, crossEntropy / Math.Log(10), 3);
    }

    [Fact]
    public void CentredDifferenceOfCube()
    {
        Assert.Equal(3.0001, NumericDerivative.Centred(t => t * t * t, 1.0, 0.01), 10);
    }

    [Theory]
    [InlineData(-2.0)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void CentredDifferenceOfQuartic(double x)
    {
        double f(double v) => 0.5 * Math.Pow(v, 4) - 2 * v * v + v + 5;
        Assert.Equal(2 * x * x * x - 4 * x + 1, NumericDerivative.Centred(f, x, 1e-5), 6);
    }

    [Fact]
    public void ComputationalGraphPartialDerivatives()
    {
        // f(x, y, z) = (x + y)·z at (−2, 5, −4).
        static double f(double x, double y, double z) => (x + y) * z;
        Assert.Equal(-12, f(-2, 5, -4));
        Assert.Equal(-4, NumericDerivative.Centred(x => f(x, 5, -4), -2), 8);
        Assert.Equal(-4, NumericDerivative.Centred(y => f(-2, y, -4), 5), 8);
        Assert.Equal(3, NumericDerivative.Centred(z => f(-2, 5, z), -4), 8);
    }

    [Theory]
    [InlineData(-30.0)]
    [InlineData(-2.0)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(25.0)]
    public void SigmoidAndTanhDerivativeIdentities(double z)
    {
        double sigma = 1 / (1 + Math.Exp(-z));
        Assert.Equal(sigma * (1 - sigma), ActivationDerivative(ActivationKind.Sigmoid, z), 12);
        Assert.Equal(NumericDerivative.Centred(v => 1 / (1 + Math.Exp(-v)), z), ActivationDerivative(ActivationKind.Sigmoid, z), 8);
        double tanh = Math.Tanh(z);
        Assert.Equal(1 - tanh * tanh, ActivationDerivative(ActivationKind.Tanh, z), 12);
        Assert.Equal(NumericDerivative.Centred(Math.Tanh, z), ActivationDerivative(ActivationKind.Tanh, z), 8);
    }

    [Fact]
    public void SoftmaxIsStableForLargeLogits()
    {
        using var network = Linear(new Softmax(), [1, 0, 0, 1], [0, 0], inputs: 2, outputs: 2);
        double[] probabilities = network.Forward([1000.0, 1001.0], 1).ToArray();
        Assert.Equal(1 / (1 + Math.E), probabilities[0], 12);
        Assert.Equal(Math.E / (1 + Math.E), probabilities[1], 12);
        double loss = network.ComputeLoss([1000.0, 1001.0], [0.0, 1.0], 1, new CategoricalCrossEntropy());
        Assert.Equal(Math.Log(1 + 1 / Math.E), loss, 12);

        using var single = new Network<float>(new Sequential(new Dense(2, 2), new Softmax()));
        single.Weights(0).Clear();
        single.Weights(0)[0] = 1; single.Weights(0)[3] = 1;
        float[] floats = single.Forward([1000f, 1001f], 1).ToArray();
        Assert.All(floats, value => Assert.True(float.IsFinite(value)));
        Assert.Equal(0.7310586f, floats[1], 6);
    }

    [Fact]
    public void BinaryCrossEntropyIsFiniteForSaturatedLogits()
    {
        using var network = Linear(new Sigmoid(), [1], [0], inputs: 1, outputs: 1);
        double loss = network.ComputeLoss([-800.0], [1.0], 1, new BinaryCrossEntropy());
        Assert.Equal(800, loss, 9); // −ln σ(−800) = 800 + ln(1 + e^−800)
    }

    private static double ActivationDerivative(ActivationKind kind, double z)
    {
        double[] pre = [z], a = [0], lse = [0], g = [1];
        ActivationKernels.Forward<double>(kind, pre, [0.0], a, lse, 1, 1, 0);
        ActivationKernels.Backward<double>(kind, pre, a, g, 1, 1, 0);
        return g[0];
    }

    // A network with no hidden layer whose weights are the identity: its outputs are the given scores.
    private static double LossOfScores(Loss loss, double[] scores, int label, Activation output) =>
        LossOfScores(loss, scores, [label], output);

    private static double LossOfScores(Loss loss, double[] scores, int[] labels, Activation output)
    {
        const int classes = 3;
        double[] identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        using var network = Linear(output, identity, [0, 0, 0]);
        double[] targets = new double[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1;
        return network.ComputeLoss(scores, targets, labels.Length, loss);
    }

    private static Network<double> Linear(Activation output, double[] weights, double[] biases, int inputs = 0, int outputs = 3)
    {
        inputs = inputs == 0 ? weights.Length / outputs : inputs;
        var network = new Network<double>(new Sequential(new Dense(inputs, outputs), output));
        weights.CopyTo(network.Weights(0));
        biases.CopyTo(network.Biases(0));
        return network;
    }
}
