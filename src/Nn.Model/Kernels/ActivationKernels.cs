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
    // With a provider that lends its worker threads, a fused pass over a whole hidden layer (128 × 256 at batch 128) is
    // shared by rows: each element's arithmetic is the same on any split.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward<T>(ActivationKind kind, Span<T> z, ReadOnlySpan<T> bias, Span<T> a, Span<T> logSumExp,
        int rows, int cols, T slope, Nn.Native.BlasProvider? provider = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == ActivationKind.Softmax && cols <= NarrowRow)
        {
            SoftmaxNarrowRows(z, bias, a, logSumExp, rows, cols);
            return;
        }
        // Every kind but softmax, whose rows also write log Σ e^z (a part has no slot for it).
        if (kind != ActivationKind.Softmax && ElementwiseParts.PoolFor(provider, rows * cols) is { } pool)
        {
            z = z[..(rows * cols)];
            a = a[..(rows * cols)];
            bias = bias[..cols];
            fixed (T* zp = z, ap = a, bp = bias)
            {
                var pass = new Pass<T> { Kind = kind, Z = zp, A = ap, Bias = bp, Rows = rows, Cols = cols, Slope = slope, Parts = pool.Parallelism };
                if (pool.TryRun(&ForwardPart<T>, (IntPtr)(&pass))) return;
            }
        }
        ForwardRows(kind, z, bias, a, logSumExp, 0, rows, cols, slope);
    }

    private static unsafe void ForwardPart<T>(int part, IntPtr context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref Pass<T> pass = ref *(Pass<T>*)context;
        (int first, int count) = Nn.Native.Providers.Managed.Granules.Block(pass.Rows, pass.Parts, part, 1);
        int length = pass.Rows * pass.Cols;
        ForwardRows(pass.Kind, new Span<T>(pass.Z, length), new ReadOnlySpan<T>(pass.Bias, pass.Cols), new Span<T>(pass.A, length),
            default, first, count, pass.Cols, pass.Slope);
    }

    // Rows [first, first + count) of the forward pass; logSumExp is written for softmax only.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<T>(ActivationKind kind, Span<T> z, ReadOnlySpan<T> bias, Span<T> a, Span<T> logSumExp,
        int first, int count, int cols, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = first; r < first + count; r++)
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

    // g: (rows, cols) holds ∂C/∂a on entry and ∂C/∂z on return. The elementwise kinds are shared like the forward pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Backward<T>(ActivationKind kind, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> g,
        int rows, int cols, T slope, Nn.Native.BlasProvider? provider = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = rows * cols;
        z = z[..length];
        a = a[..length];
        g = g[..length];
        if (kind is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Sigmoid or ActivationKind.Tanh
            && ElementwiseParts.PoolFor(provider, length) is { } pool)
        {
            fixed (T* zp = z, ap = a, gp = g)
            {
                var pass = new Pass<T> { Kind = kind, Z = zp, A = ap, G = gp, Rows = length, Slope = slope, Parts = pool.Parallelism };
                if (pool.TryRun(&BackwardPart<T>, (IntPtr)(&pass))) return;
            }
        }
        BackwardElements(kind, z, a, g, rows, cols, slope);
    }

    private static unsafe void BackwardPart<T>(int part, IntPtr context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref Pass<T> pass = ref *(Pass<T>*)context;
        (int first, int count) = ElementwiseParts.Range(pass.Rows, pass.Parts, part);
        BackwardElements(pass.Kind, new ReadOnlySpan<T>(pass.Z + first, count), new ReadOnlySpan<T>(pass.A + first, count),
            new Span<T>(pass.G + first, count), 1, count, pass.Slope);
    }

    // One pass shared with the pool: the forward's rows or the backward's elements (Rows holds the element count then).
    private unsafe struct Pass<T> where T : unmanaged
    {
        public ActivationKind Kind;
        public T* Z, A, G, Bias;
        public int Rows, Cols, Parts;
        public T Slope;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardElements<T>(ActivationKind kind, ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> g,
        int rows, int cols, T slope) where T : unmanaged, IFloatingPointIeee754<T>
    {
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
