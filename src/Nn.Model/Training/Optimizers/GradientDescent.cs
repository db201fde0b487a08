using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nn.Native.Memory;

namespace Nn.Training;

/// <summary>
/// Gradient descent, optionally with momentum (PyTorch's form: v ← μ·v + g; θ ← θ − η·v) or Nesterov
/// momentum (θ ← θ − η·(g + μ·v)). With μ = 0 it is plain θ ← θ − η·g; the batch size decides whether
/// that is stochastic (1), mini-batch or full-batch gradient descent.
/// </summary>
public sealed class GradientDescent : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public GradientDescent(double learningRate = 0.01, double momentum = 0, bool nesterov = false) : base(learningRate)
    {
        CheckFraction(momentum, nameof(momentum));
        if (nesterov && momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above zero.", nameof(nesterov));
        }
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum coefficient μ.</summary>
    public double Momentum { get; }

    /// <summary>Whether the Nesterov form is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    public override OptimizerState<T> CreateState<T>(int parameterCount) => new State<T>(this, parameterCount);

    /// <inheritdoc />
    public override OptimizerDescription Describe() => new(nameof(GradientDescent), [LearningRate, Momentum, Nesterov ? 1 : 0]);

    /// <inheritdoc />
    public override string ToString() => Momentum == 0 ? $"GradientDescent(lr={LearningRate})" : $"GradientDescent(lr={LearningRate}, momentum={Momentum}{(Nesterov ? ", nesterov" : "")})";

    private sealed class State<T> : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AlignedBuffer<T>? _velocity;
        private readonly T _momentum;
        private readonly bool _nesterov;
        private readonly int _count;

        public State(GradientDescent options, int count)
        {
            _count = count;
            _momentum = T.CreateChecked(options.Momentum);
            _nesterov = options.Nesterov;
            _velocity = options.Momentum > 0 ? new AlignedBuffer<T>(count) : null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        {
            CheckLengths(parameters, gradients, _count);
            Steps++;
            if (_velocity is null)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradients, -learningRate, parameters, parameters);
                return;
            }
            Span<T> v = _velocity.Span;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
                ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
                Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(v);
                var mu = new Vector<T>(_momentum);
                var lr = new Vector<T>(learningRate);
                for (int k = 0; k < pv.Length; k++)
                {
                    Vector<T> velocity = mu * vv[k] + gv[k];
                    vv[k] = velocity;
                    pv[k] -= lr * (_nesterov ? gv[k] + mu * velocity : velocity);
                }
                i = pv.Length * Vector<T>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                T velocity = _momentum * v[i] + gradients[i];
                v[i] = velocity;
                parameters[i] -= learningRate * (_nesterov ? gradients[i] + _momentum * velocity : velocity);
            }
        }

        internal override int MomentCount => _velocity is null ? 0 : 1;

        internal override Span<T> Moment(int index) => index == 0 && _velocity is not null ? _velocity.Span : base.Moment(index);

        public override void Dispose() => _velocity?.Dispose();
    }
}
