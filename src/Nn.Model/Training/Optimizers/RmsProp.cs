using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nn.Native.Memory;

namespace Nn.Training;

/// <summary>RMSprop: E ← ρ·E + (1 − ρ)·g²; θ ← θ − η·g / (√E + ε).</summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public RmsProp(double learningRate = 0.001, double rho = 0.9, double epsilon = 1e-8) : base(learningRate)
    {
        CheckFraction(rho, nameof(rho));
        CheckPositive(epsilon, nameof(epsilon));
        Rho = rho;
        Epsilon = epsilon;
    }

    /// <summary>Decay ρ of the running mean of squared gradients.</summary>
    public double Rho { get; }

    /// <summary>ε, which keeps the division finite.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override OptimizerState<T> CreateState<T>(int parameterCount) =>
        new State<T>(T.CreateChecked(Rho), Representable<T>(Epsilon, "epsilon"), parameterCount);

    /// <inheritdoc />
    public override OptimizerDescription Describe() => new(nameof(RmsProp), [LearningRate, Rho, Epsilon]);

    /// <inheritdoc />
    public override string ToString() => $"RmsProp(lr={LearningRate}, rho={Rho})";

    private sealed class State<T>(T rho, T epsilon, int count) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AlignedBuffer<T> _mean = new(count);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        {
            CheckLengths(parameters, gradients, count);
            Steps++;
            Span<T> e = _mean.Span;
            T keep = T.One - rho;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
                ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
                Span<Vector<T>> ev = MemoryMarshal.Cast<T, Vector<T>>(e);
                var lr = new Vector<T>(learningRate);
                var eps = new Vector<T>(epsilon);
                var r = new Vector<T>(rho);
                var k1 = new Vector<T>(keep);
                for (int k = 0; k < pv.Length; k++)
                {
                    Vector<T> mean = r * ev[k] + k1 * gv[k] * gv[k];
                    ev[k] = mean;
                    pv[k] -= lr * gv[k] / (Vector.SquareRoot(mean) + eps);
                }
                i = pv.Length * Vector<T>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                e[i] = rho * e[i] + keep * gradients[i] * gradients[i];
                parameters[i] -= learningRate * gradients[i] / (T.Sqrt(e[i]) + epsilon);
            }
        }

        internal override int MomentCount => 1;

        internal override Span<T> Moment(int index) => index == 0 ? _mean.Span : base.Moment(index);

        public override void Dispose() => _mean.Dispose();
    }
}
