using System.Numerics;
using Nn.Kernels;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>
/// The fused elementwise and loss kernels against their formulas, element by element: rows long enough for whole
/// vectors and a scalar tail, values exactly at the kinks (z = 0, a hinge margin of 0), logits large enough to overflow
/// an unshifted softmax, and guard cells around every output that must stay untouched.
/// </summary>
public sealed class KernelTests
{
    private const int Guard = 5;
    private const double Sentinel = -12345;
    private static readonly int Cols = 2 * Vector<double>.Count + 3;

    /// <summary>Row-major (2, Cols) values cycling through negatives, exact zeros and positives.</summary>
    private static double[] Values(double scale) =>
        Enumerable.Range(0, 2 * Cols).Select(i => (i % 5) switch { 0 => 0, 1 => -1.5, 2 => 0.75, 3 => -0.25, _ => 2 } * scale).ToArray();

    /// <summary>An array with <see cref="Guard"/> sentinel cells on each side of <paramref name="values"/>.</summary>
    private static double[] Guarded(double[] values) => [.. Enumerable.Repeat(Sentinel, Guard), .. values, .. Enumerable.Repeat(Sentinel, Guard)];

    private static Span<double> Inner(double[] guarded) => guarded.AsSpan(Guard, guarded.Length - 2 * Guard);

    private static void AssertGuardsIntact(double[] guarded)
    {
        for (int i = 0; i < Guard; i++)
        {
            Assert.Equal(Sentinel, guarded[i]);
            Assert.Equal(Sentinel, guarded[^(i + 1)]);
        }
    }

    public static TheoryData<string> Elementwise() => new("Identity", "Step", "Sigmoid", "Tanh", "Relu", "LeakyRelu");

    private static double Forward(string kind, double z) => kind switch
    {
        "Identity" => z,
        "Step" => z >= 0 ? 1 : 0,
        "Sigmoid" => 1 / (1 + Math.Exp(-z)),
        "Tanh" => Math.Tanh(z),
        "Relu" => Math.Max(z, 0),
        _ => z > 0 ? z : 0.1 * z,
    };

    // The derivative at the kink z = 0 is PyTorch's choice: ReLU's is 0, leaky ReLU's is its slope.
    private static double Derivative(string kind, double z) => kind switch
    {
        "Identity" => 1,
        "Sigmoid" => Forward(kind, z) * (1 - Forward(kind, z)),
        "Tanh" => 1 - Math.Tanh(z) * Math.Tanh(z),
        "Relu" => z > 0 ? 1 : 0,
        _ => z > 0 ? 1 : 0.1,
    };

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void ForwardAddsTheBiasAndActivatesEveryElement(string kind)
    {
        double[] input = Values(1), bias = Values(0.5)[..Cols];
        double[] z = Guarded(input), a = Guarded(new double[input.Length]), lse = Guarded(new double[2]);
        ActivationKernels.Forward(Enum.Parse<ActivationKind>(kind), Inner(z), bias, Inner(a), Inner(lse), 2, Cols, 0.1);
        for (int i = 0; i < input.Length; i++)
        {
            double expectedZ = input[i] + bias[i % Cols];
            Assert.Equal(expectedZ, Inner(z)[i]);
            Assert.Equal(Forward(kind, expectedZ), Inner(a)[i], 14);
        }
        AssertGuardsIntact(z);
        AssertGuardsIntact(a);
        Assert.All(Inner(lse).ToArray(), v => Assert.Equal(0, v)); // only softmax writes it
    }

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void BackwardMultipliesByTheDerivativeIncludingAtZero(string kind)
    {
        if (kind == "Step")
        {
            var error = Assert.Throws<InvalidOperationException>(() =>
                ActivationKernels.Backward(ActivationKind.Step, new double[1], new double[1], new double[1], 1, 1, 0.0));
            Assert.Equal(ActivationKernels.StepMessage, error.Message);
            return;
        }
        double[] z = Values(1), upstream = Values(0.3).Select(v => v + 1).ToArray();
        double[] a = z.Select(v => Forward(kind, v)).ToArray();
        double[] g = Guarded(upstream);
        ActivationKernels.Backward(Enum.Parse<ActivationKind>(kind), z, a, Inner(g), 2, Cols, 0.1);
        for (int i = 0; i < z.Length; i++)
        {
            Assert.Equal(upstream[i] * Derivative(kind, z[i]), Inner(g)[i], 14);
        }
        AssertGuardsIntact(g);
    }

    [Fact]
    public void SoftmaxShiftsByTheRowMaximumSoHugeLogitsStayFinite()
    {
        double[] z = [1000, 0, -1000, 999], a = new double[4], lse = new double[1];
        ActivationKernels.Forward(ActivationKind.Softmax, z, new double[4], a, lse, 1, 4, 0.0);
        double e = Math.Exp(-1);
        Assert.Equal(1 / (1 + e), a[0], 14);
        Assert.Equal(e / (1 + e), a[3], 14);
        Assert.Equal(0, a[1]);
        Assert.Equal(0, a[2]);
        Assert.Equal(1000 + Math.Log(1 + e), lse[0], 10);
    }

    // Up to NarrowRow columns the softmax and the cross-entropy run as plain loops over the batch; wider rows per row
    // through TensorPrimitives. Both against the formulas, with a bias, soft targets and a NaN confined to its row.
    [Theory]
    [InlineData(3)]
    [InlineData(ActivationKernels.NarrowRow)]
    [InlineData(ActivationKernels.NarrowRow + 1)]
    [InlineData(40)]
    public void SoftmaxAndCrossEntropyMatchTheFormulasOnNarrowAndWideRows(int cols)
    {
        const int rows = 4;
        var random = new Random(cols);
        double[] logits = Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() * 6 - 3).ToArray();
        double[] bias = Enumerable.Range(0, cols).Select(j => 0.1 * j - 0.5).ToArray();
        double[] t = Enumerable.Range(0, rows * cols).Select(i => i % cols == i / cols % cols ? 0.75 : 0.25 / (cols - 1)).ToArray();
        logits[cols] += 800;   // a spread of 800 in row 1: e^(z − minimum) would overflow a double, e^(z − maximum) does not
        for (int j = 0; j < cols; j++) logits[2 * cols + j] -= 1000;   // e^z underflows unless shifted by the row maximum
        for (int j = 0; j < cols; j++) t[cols + j] *= 1.0009;   // row 1's targets sum to 1.0009: the mass weighs log Σ e^z
        logits[3 * cols + 1] = double.NaN;   // the last row only
        double[] z = Guarded(logits), a = Guarded(new double[rows * cols]), lse = Guarded(new double[rows]);
        ActivationKernels.Forward(ActivationKind.Softmax, Inner(z), bias, Inner(a), Inner(lse), rows, cols, 0.0);
        double expected = 0;   // the cross-entropy −Σ t·log a = Σ t·(log Σ e^z − z), from the formulas
        for (int r = 0; r < rows - 1; r++)
        {
            double[] biased = Enumerable.Range(0, cols).Select(j => logits[r * cols + j] + bias[j]).ToArray();
            double max = biased.Max(), sum = biased.Sum(v => Math.Exp(v - max));
            for (int j = 0; j < cols; j++) expected += t[r * cols + j] * (max + Math.Log(sum) - biased[j]);
            Assert.Equal(max + Math.Log(sum), Inner(lse)[r], 1e-12 * Math.Max(1, Math.Abs(max)));
            for (int j = 0; j < cols; j++)
            {
                Assert.Equal(biased[j], Inner(z)[r * cols + j], 1e-13);   // z is biased in place
                Assert.Equal(Math.Exp(biased[j] - max) / sum, Inner(a)[r * cols + j], 1e-14);
            }
        }
        Assert.True(double.IsNaN(Inner(lse)[rows - 1]));
        Assert.All(Inner(a).Slice((rows - 1) * cols).ToArray(), value => Assert.True(double.IsNaN(value)));
        AssertGuardsIntact(z);
        AssertGuardsIntact(a);
        AssertGuardsIntact(lse);

        double[] g = Guarded(new double[rows * cols]);
        (double loss, bool pre) = LossKernels.Compute(LossKind.CategoricalCrossEntropy, Inner(z)[..((rows - 1) * cols)], Inner(a)[..((rows - 1) * cols)],
            Inner(lse)[..(rows - 1)], t.AsSpan(0, (rows - 1) * cols), Inner(g), rows - 1, cols);
        Assert.True(pre);
        Assert.Equal(expected, loss, 1e-11 * Math.Abs(expected));
        for (int i = 0; i < (rows - 1) * cols; i++)
        {
            double mass = i / cols == 1 ? 1.0009 : 1;
            Assert.Equal(Inner(a)[i] * mass - t[i], Inner(g)[i], 1e-14);
        }
        Assert.All(Inner(g).Slice((rows - 1) * cols).ToArray(), value => Assert.Equal(0, value));
        AssertGuardsIntact(g);
    }

    // The bias gradient: column means of δ, bit for bit the row-by-row sums, for widths around the vector blocks
    // (four vectors, one vector, the scalar tail) and a single row; guard cells around the mean stay untouched.
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 10)]
    [InlineData(4, 31)]
    [InlineData(2, 32)]
    [InlineData(3, 33)]
    [InlineData(6, 67)]
    [InlineData(128, 256)]
    public void ColumnMeansAreTheRowByRowSumsScaled(int rows, int cols)
    {
        var random = new Random(rows * 1000 + cols);
        float[] delta = Enumerable.Range(0, rows * cols).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        float[] mean = [.. Enumerable.Repeat(-7f, 3), .. new float[cols], .. Enumerable.Repeat(-7f, 3)];
        ColumnSums.Mean<float>(delta, mean.AsSpan(3, cols), rows, cols, 0.25f);
        for (int j = 0; j < cols; j++)
        {
            float sum = delta[j];
            for (int r = 1; r < rows; r++) sum += delta[r * cols + j];
            Assert.Equal(sum * 0.25f, mean[3 + j]);
        }
        Assert.All(mean[..3].Concat(mean[^3..]), value => Assert.Equal(-7f, value));
    }

    [Fact]
    public void ColumnMeansRefuseSpansShorterThanTheirShape()
    {
        var shortDelta = Assert.Throws<ArgumentException>(() => ColumnSums.Mean<float>(new float[11], new float[4], 3, 4, 1f));
        Assert.Equal("δ holds 11 values and the mean 4; 3 rows of 4 need 12 and 4.", shortDelta.Message);
        Assert.Throws<ArgumentException>(() => ColumnSums.Mean<float>(new float[12], new float[3], 3, 4, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnSums.Mean<float>(new float[12], new float[4], 0, 4, 1f));
    }

    [Fact]
    public void SoftmaxBackwardIsTheJacobianVectorProduct()
    {
        double[] z = [0.5, -1, 2, 0, 1, 1], a = new double[6], lse = new double[2];
        ActivationKernels.Forward(ActivationKind.Softmax, z, new double[3], a, lse, 2, 3, 0.0);
        double[] g = [1, -2, 0.5, 0.25, 0, 3], expected = new double[6];
        for (int r = 0; r < 2; r++)
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
        {
            // ∂a_j/∂z_i = a_j (δ_ij − a_i)
            expected[r * 3 + i] += g[r * 3 + j] * a[r * 3 + j] * ((i == j ? 1 : 0) - a[r * 3 + i]);
        }
        ActivationKernels.Backward(ActivationKind.Softmax, z, a, g, 2, 3, 0.0);
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], g[i], 14);
    }

    [Fact]
    public void UnknownKindsAreNamed()
    {
        var forward = Assert.Throws<InvalidOperationException>(() =>
            ActivationKernels.Forward((ActivationKind)99, new double[1], new double[1], new double[1], new double[1], 1, 1, 0.0));
        Assert.Equal("Unknown activation 99.", forward.Message);
        var backward = Assert.Throws<InvalidOperationException>(() =>
            ActivationKernels.Backward((ActivationKind)98, new double[1], new double[1], new double[1], 1, 1, 0.0));
        Assert.Equal("Unknown activation 98.", backward.Message);
        var loss = Assert.Throws<InvalidOperationException>(() =>
            LossKernels.Compute((LossKind)97, new double[1], new double[1], new double[1], new double[1], new double[1], 1, 1));
        Assert.Equal("Unknown loss 97.", loss.Message);
    }

    [Fact]
    public void MeanSquaredErrorCoversEveryOutputOfEveryRow()
    {
        double[] a = [1, 2, 3, -1, 0.5, 4], t = [0, 2, 5, 1, 0.5, 0];
        double[] g = Guarded(new double[6]);
        (double sum, bool pre) = LossKernels.Compute(LossKind.MeanSquaredError, a, a, [], t, Inner(g), 2, 3);
        Assert.Equal(0.5 * (1 + 0 + 4 + 4 + 0 + 16), sum, 14);
        Assert.False(pre);
        Assert.Equal([1, 0, -2, -2, 0, 4], Inner(g).ToArray());
        AssertGuardsIntact(g);
    }

    [Fact]
    public void BinaryCrossEntropyCoversEveryOutputOfEveryRow()
    {
        double[] z = [0.5, -2, 3, 0], t = [1, 0, 0.25, 1];
        double[] a = z.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        double[] g = Guarded(new double[4]);
        (double sum, bool pre) = LossKernels.Compute(LossKind.BinaryCrossEntropy, z, a, [], t, Inner(g), 2, 2);
        double expected = 0;
        for (int i = 0; i < 4; i++) expected -= t[i] * Math.Log(a[i]) + (1 - t[i]) * Math.Log(1 - a[i]);
        Assert.Equal(expected, sum, 13);
        Assert.True(pre);
        for (int i = 0; i < 4; i++) Assert.Equal(a[i] - t[i], Inner(g)[i], 15);
        AssertGuardsIntact(g);
    }

    [Fact]
    public void CrossEntropyWeighsTheLogPartitionByTheTargetMass()
    {
        // Soft rows; the second sums to 1.0009, inside the 1e-3 the target check allows, so its mass is not 1.
        double[] z = [0.5, -1, 2, 0, 1, 1], t = [0.2, 0.3, 0.5, 0.0009, 0.5, 0.5];
        double[] a = new double[6], lse = new double[2];
        ActivationKernels.Forward(ActivationKind.Softmax, z, new double[3], a, lse, 2, 3, 0.0);
        double[] g = new double[6];
        (double sum, bool pre) = LossKernels.Compute(LossKind.CategoricalCrossEntropy, z, a, lse, t, g, 2, 3);
        double expected = 0;
        for (int i = 0; i < 6; i++) expected -= t[i] * Math.Log(a[i]);
        Assert.Equal(expected, sum, 13);
        Assert.True(pre);
        for (int r = 0; r < 2; r++)
        {
            double mass = t[r * 3] + t[r * 3 + 1] + t[r * 3 + 2];
            for (int i = 0; i < 3; i++) Assert.Equal(mass * a[r * 3 + i] - t[r * 3 + i], g[r * 3 + i], 15);
        }
    }

    [Fact]
    public void HingeCountsOnlyPositiveMarginsAndAMarginOfZeroHasNoGradient()
    {
        // Row 1: class 0 scores 2, class 1 scores exactly 1 (margin 0: on the kink, no gradient), class 2 scores 1.5
        // (margin 0.5). Row 2: class 2 is the label and every other class violates.
        double[] s = [2, 1, 1.5, 0.5, 0.25, 0], t = [1, 0, 0, 0, 0, 1];
        double[] g = Guarded(new double[6]);
        (double sum, bool pre) = LossKernels.Compute(LossKind.Hinge, s, s, [], t, Inner(g), 2, 3);
        Assert.Equal(0.5 + (1.5 + 1.25), sum, 15);
        Assert.False(pre);
        Assert.Equal([-1, 0, 1, 1, 1, -2], Inner(g).ToArray());
        AssertGuardsIntact(g);
    }
}
