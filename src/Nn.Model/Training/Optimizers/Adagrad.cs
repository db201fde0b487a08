using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nn.Native.Memory;

namespace Nn.Training;

/// <summary>Adagrad: G ← G + g²; θ ← θ − η·g / (√G + ε). Each parameter's rate shrinks with its gradient history.</summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public Adagrad(double learningRate = 0.01, double epsilon = 1e-10) : base(learningRate)
    {
        CheckPositive(epsilon, nameof(epsilon));
        Epsilon = epsilon;
    }

    /// <summary>ε, which keeps the division finite.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override OptimizerState<T> CreateState<T>(int parameterCount) => new State<T>(Representable<T>(Epsilon, "epsilon"), parameterCount);

    /// <inheritdoc />
    public override OptimizerDescription Describe() => new(nameof(Adagrad), [LearningRate, Epsilon]);

    /// <inheritdoc />
    public override string ToString() => $"Adagrad(lr={LearningRate})";

    private sealed class State<T>(T epsilon, int count) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AlignedBuffer<T> _sum = new(count);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        {
            CheckLengths(parameters, gradients, count);
            Steps++;
            Span<T> s = _sum.Span;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
                ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
                Span<Vector<T>> sv = MemoryMarshal.Cast<T, Vector<T>>(s);
                var lr = new Vector<T>(learningRate);
                var eps = new Vector<T>(epsilon);
                for (int k = 0; k < pv.Length; k++)
                {
                    Vector<T> sum = sv[k] + gv[k] * gv[k];
                    sv[k] = sum;
                    pv[k] -= lr * gv[k] / (Vector.SquareRoot(sum) + eps);
                }
                i = pv.Length * Vector<T>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                s[i] += gradients[i] * gradients[i];
                parameters[i] -= learningRate * gradients[i] / (T.Sqrt(s[i]) + epsilon);
            }
        }

        internal override int MomentCount => 1;

        internal override Span<T> Moment(int index) => index == 0 ? _sum.Span : base.Moment(index);

        public override void Dispose() => _sum.Dispose();
    }
}
