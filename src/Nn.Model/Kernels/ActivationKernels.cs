using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nn.Kernels;

/// <summary>
/// The activation half of a dense layer, for a whole batch. Forward adds the bias and activates
/// each row while it is in L1 (one fused pass for Identity/Step/ReLU/LeakyReLU; for sigmoid, tanh and
/// softmax the row is biased and then handed to TensorPrimitives, which is accurate and vectorised). Softmax rows of
/// up to <see cref="NarrowRow"/> classes are done for the whole batch at once instead (one exp call, plain loops).
/// </summary>
internal static class ActivationKernels
{
    // z: (rows, cols) pre-activation, biased in place; bias: (cols); a: (rows, cols);
    // logSumExp: (rows), written for softmax only (the cross-entropy needs it).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ActivationKind kind, Span<T> z, ReadOnlySpan<T> bias, Span<T> a, Span<T> logSumExp,
        int rows, int cols, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == ActivationKind.Softmax && cols <= NarrowRow)
        {
            SoftmaxNarrowRows(z, bias, a, logSumExp, rows, cols);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            Span<T> zRow = z.Slice(r * cols, cols);
            Span<T> aRow = a.Slice(r * cols, cols);
            switch (kind)
            {
                case ActivationKind.Identity:
                    Elementwise.AddBiasActivate<IdentityForward<T>, T>(zRow, bias, aRow, slope);
                    break;
                case ActivationKind.Step:
                    Elementwise.AddBiasActivate<StepForward<T>, T>(zRow, bias, aRow, slope);
                    break;
                case ActivationKind.Relu:
                    Elementwise.AddBiasActivate<ReluForward<T>, T>(zRow, bias, aRow, slope);
                    break;
                case ActivationKind.LeakyRelu:
                    Elementwise.AddBiasActivate<LeakyReluForward<T>, T>(zRow, bias, aRow, slope);
                    break;
                case ActivationKind.Sigmoid:
                    TensorPrimitives.Add(zRow, bias, zRow);
                    TensorPrimitives.Sigmoid<T>(zRow, aRow);
                    break;
                case ActivationKind.Tanh:
                    TensorPrimitives.Add(zRow, bias, zRow);
                    TensorPrimitives.Tanh<T>(zRow, aRow);
                    break;
                case ActivationKind.Softmax:
                    TensorPrimitives.Add(zRow, bias, zRow);
                    logSumExp[r] = SoftmaxRow(zRow, aRow);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown activation {kind}.");
            }
        }
    }

    /// <summary>
    /// Rows up to this wide (an output layer of ten classes) are worked by plain loops over the whole batch and one
    /// vectorised exp: six TensorPrimitives calls per row cost more than the arithmetic on ten elements.
    /// </summary>
    internal const int NarrowRow = 16;

    // Softmax of narrow rows as SoftmaxRow computes it, in three passes over the batch: bias, row maximum and shift;
    // exp of everything at once; row sums, scaling and log Σ e^z.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxNarrowRows<T>(Span<T> z, ReadOnlySpan<T> bias, Span<T> a, Span<T> logSumExp, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bias = bias[..cols];
        for (int r = 0; r < rows; r++)
        {
            Span<T> zRow = z.Slice(r * cols, cols), aRow = a.Slice(r * cols, cols);
            T max = T.NegativeInfinity;
            for (int j = 0; j < zRow.Length; j++)
            {
                T value = zRow[j] + bias[j];
                zRow[j] = value;
                max = T.Max(max, value);   // NaN wins, as in TensorPrimitives.Max
            }
            for (int j = 0; j < aRow.Length; j++) aRow[j] = zRow[j] - max;
            logSumExp[r] = max;
        }
        Span<T> all = a[..(rows * cols)];
        TensorPrimitives.Exp<T>(all, all);
        for (int r = 0; r < rows; r++)
        {
            Span<T> aRow = a.Slice(r * cols, cols);
            T sum = T.Zero;
            for (int j = 0; j < aRow.Length; j++) sum += aRow[j];
            T inverse = T.One / sum;
            for (int j = 0; j < aRow.Length; j++) aRow[j] *= inverse;
            logSumExp[r] += T.Log(sum);
        }
    }

    // a = softmax(z) shifted by the row maximum so that large logits cannot overflow; returns log Σ e^z.
    public static T SoftmaxRow<T>(ReadOnlySpan<T> z, Span<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, a);
        TensorPrimitives.Exp<T>(a, a);
        T sum = TensorPrimitives.Sum<T>(a);
        TensorPrimitives.Multiply(a, T.One / sum, a);
        return max + T.Log(sum);
    }

    // g: (rows, cols) holds ∂C/∂a on entry and ∂C/∂z on return.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ActivationKind kind, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> g,
        int rows, int cols, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = rows * cols;
        z = z[..length];
        a = a[..length];
        g = g[..length];
        switch (kind)
        {
            case ActivationKind.Identity:
                break;
            case ActivationKind.Sigmoid:
                Elementwise.Gradient<SigmoidBackward<T>, T>(z, a, g, slope);
                break;
            case ActivationKind.Tanh:
                Elementwise.Gradient<TanhBackward<T>, T>(z, a, g, slope);
                break;
            case ActivationKind.Relu:
                Elementwise.Gradient<ReluBackward<T>, T>(z, a, g, slope);
                break;
            case ActivationKind.LeakyRelu:
                Elementwise.Gradient<LeakyReluBackward<T>, T>(z, a, g, slope);
                break;
            case ActivationKind.Softmax:
                // Jacobian-vector product per row: ∂C/∂z = a ⊙ (g − g·a).
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<T> aRow = a.Slice(r * cols, cols);
                    Span<T> gRow = g.Slice(r * cols, cols);
                    T dot = TensorPrimitives.Dot(gRow, aRow);
                    TensorPrimitives.Subtract(gRow, dot, gRow);
                    TensorPrimitives.Multiply(gRow, aRow, gRow);
                }
                break;
            case ActivationKind.Step:
                throw new InvalidOperationException(StepMessage);
            default:
                throw new InvalidOperationException($"Unknown activation {kind}.");
        }
    }

    public const string StepMessage =
        "The Step activation has a zero derivative almost everywhere, so backpropagation cannot train through it. " +
        "Train a step-activated classifier with the perceptron learning rule (Perceptron), or use Sigmoid/Tanh/Relu instead.";
}
