using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nn.Native.Memory;

namespace Nn.Training;

/// <summary>
/// Adam (Kingma &amp; Ba), in PyTorch's form so results compare: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
/// θ ← θ − η·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε). With <see cref="WeightDecay"/> &gt; 0 it is AdamW:
/// θ ← θ·(1 − η·λ) before the update (decoupled decay, applied to biases too, as PyTorch does).
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : this(learningRate, beta1, beta2, epsilon, 0)
    {
    }

    private protected Adam(double learningRate, double beta1, double beta2, double epsilon, double weightDecay) : base(learningRate)
    {
        CheckFraction(beta1, nameof(beta1));
        CheckFraction(beta2, nameof(beta2));
        CheckPositive(epsilon, nameof(epsilon));
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite and non-negative.");
        }
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    /// <summary>Decay β₁ of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay β₂ of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, which keeps the division finite.</summary>
    public double Epsilon { get; }

    /// <summary>Decoupled weight decay λ (AdamW); zero for Adam.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    public override OptimizerState<T> CreateState<T>(int parameterCount)
    {
        Representable<T>(Epsilon, "epsilon");
        return new State<T>(this, parameterCount);
    }

    /// <inheritdoc />
    public override OptimizerDescription Describe() => this is AdamW // only AdamW's constructor sets a weight decay
        ? new(nameof(AdamW), [LearningRate, WeightDecay, Beta1, Beta2, Epsilon])
        : new(nameof(Adam), [LearningRate, Beta1, Beta2, Epsilon]);

    /// <inheritdoc />
    public override string ToString() => WeightDecay > 0 ? $"AdamW(lr={LearningRate}, wd={WeightDecay})" : $"Adam(lr={LearningRate})";

    private sealed class State<T>(Adam options, int count) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly AlignedBuffer<T> _first = new(count);
        private readonly AlignedBuffer<T> _second = new(count);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        {
            CheckLengths(parameters, gradients, count);
            Steps++;
            double lr = double.CreateChecked(learningRate);
            // Bias corrections in double: β^t underflows gracefully and float would lose them early.
            T stepSize = T.CreateChecked(lr / (1 - Math.Pow(options.Beta1, Steps)));
            T secondCorrection = T.CreateChecked(1 / Math.Sqrt(1 - Math.Pow(options.Beta2, Steps)));
            T decay = T.CreateChecked(1 - lr * options.WeightDecay);
            T b1 = T.CreateChecked(options.Beta1), b2 = T.CreateChecked(options.Beta2), eps = T.CreateChecked(options.Epsilon);
            T k1 = T.One - b1, k2 = T.One - b2;
            Span<T> m = _first.Span, v = _second.Span;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<T>> pv = MemoryMarshal.Cast<T, Vector<T>>(parameters);
                ReadOnlySpan<Vector<T>> gv = MemoryMarshal.Cast<T, Vector<T>>(gradients);
                Span<Vector<T>> mv = MemoryMarshal.Cast<T, Vector<T>>(m);
                Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(v);
                Vector<T> vb1 = new(b1), vb2 = new(b2), vk1 = new(k1), vk2 = new(k2), veps = new(eps);
                Vector<T> vstep = new(stepSize), vcorr = new(secondCorrection), vdecay = new(decay);
                for (int k = 0; k < pv.Length; k++)
                {
                    Vector<T> g = gv[k];
                    Vector<T> first = vb1 * mv[k] + vk1 * g;
                    Vector<T> second = vb2 * vv[k] + vk2 * g * g;
                    mv[k] = first;
                    vv[k] = second;
                    pv[k] = pv[k] * vdecay - vstep * first / (Vector.SquareRoot(second) * vcorr + veps);
                }
                i = pv.Length * Vector<T>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                T g = gradients[i];
                m[i] = b1 * m[i] + k1 * g;
                v[i] = b2 * v[i] + k2 * g * g;
                parameters[i] = parameters[i] * decay - stepSize * m[i] / (T.Sqrt(v[i]) * secondCorrection + eps);
            }
        }

        internal override int MomentCount => 2;

        internal override Span<T> Moment(int index) => index switch { 0 => _first.Span, 1 => _second.Span, _ => base.Moment(index) };

        public override void Dispose()
        {
            _first.Dispose();
            _second.Dispose();
        }
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter).</summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer; PyTorch's default weight decay is 0.01.</summary>
    public AdamW(double learningRate = 0.001, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : base(learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }
}
