using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nn.Kernels;

/// <summary>Loss values and their gradients at the output layer, for a whole batch.</summary>
internal static class LossKernels
{
    /// <summary>
    /// Returns Σᵢ ℓᵢ over the rows and writes the per-sample gradient into <paramref name="gradient"/>:
    /// ∂ℓ/∂z when the loss and output activation are fused (sigmoid + BCE, softmax + CE; the return flag
    /// is then true), otherwise ∂ℓ/∂a, which the caller passes through the activation's backward step.
    /// </summary>
    // z, a, targets, gradient: (rows, cols); logSumExp: (rows), from the softmax forward pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (T Sum, bool IsPreActivation) Compute<T>(LossKind kind, ReadOnlySpan<T> z, ReadOnlySpan<T> a,
        ReadOnlySpan<T> logSumExp, ReadOnlySpan<T> targets, Span<T> gradient, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = rows * cols;
        switch (kind)
        {
            case LossKind.MeanSquaredError:
            {
                TensorPrimitives.Subtract(a[..length], targets[..length], gradient[..length]);
                T half = T.One / (T.One + T.One);
                return (half * TensorPrimitives.SumOfSquares<T>(gradient[..length]), false);
            }
            case LossKind.BinaryCrossEntropy:
            {
                T sum = T.Zero;
                for (int i = 0; i < length; i++)
                {
                    // −[t ln σ(z) + (1 − t) ln(1 − σ(z))] = max(z, 0) − t·z + ln(1 + e^−|z|).
                    T x = z[i];
                    sum += T.Max(x, T.Zero) - targets[i] * x + T.Log(T.One + T.Exp(-T.Abs(x)));
                }
                TensorPrimitives.Subtract(a[..length], targets[..length], gradient[..length]);
                return (sum, true);
            }
            case LossKind.CategoricalCrossEntropy when cols <= ActivationKernels.NarrowRow:
            {
                // The same sums as below in plain loops: four TensorPrimitives calls per row of ten cost more than the work.
                T sum = T.Zero;
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<T> t = targets.Slice(r * cols, cols), zRow = z.Slice(r * cols, cols), aRow = a.Slice(r * cols, cols);
                    Span<T> g = gradient.Slice(r * cols, cols);
                    T mass = T.Zero, dot = T.Zero;
                    for (int j = 0; j < t.Length; j++)
                    {
                        mass += t[j];
                        dot += t[j] * zRow[j];
                    }
                    sum += logSumExp[r] * mass - dot;
                    for (int j = 0; j < g.Length; j++) g[j] = aRow[j] * mass - t[j];
                }
                return (sum, true);
            }
            case LossKind.CategoricalCrossEntropy:
            {
                T sum = T.Zero;
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<T> t = targets.Slice(r * cols, cols);
                    T mass = TensorPrimitives.Sum(t);
                    sum += logSumExp[r] * mass - TensorPrimitives.Dot(t, z.Slice(r * cols, cols));
                    Span<T> g = gradient.Slice(r * cols, cols);
                    TensorPrimitives.Multiply(a.Slice(r * cols, cols), mass, g);
                    TensorPrimitives.Subtract(g, t, g);
                }
                return (sum, true);
            }
            case LossKind.Hinge:
            {
                T sum = T.Zero;
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<T> s = a.Slice(r * cols, cols);
                    Span<T> g = gradient.Slice(r * cols, cols);
                    int label = TensorPrimitives.IndexOfMax(targets.Slice(r * cols, cols));
                    T violations = T.Zero;
                    for (int j = 0; j < cols; j++)
                    {
                        T margin = s[j] - s[label] + T.One;
                        if (j != label && margin > T.Zero)
                        {
                            sum += margin;
                            g[j] = T.One;
                            violations += T.One;
                        }
                        else
                        {
                            g[j] = T.Zero;
                        }
                    }
                    g[label] = -violations;
                }
                return (sum, false);
            }
            default:
                throw new InvalidOperationException($"Unknown loss {kind}.");
        }
    }
}
