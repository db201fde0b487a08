namespace Nn;

/// <summary>
/// How a dense layer's weights are drawn at construction. Biases always start at zero.
/// Draws come from a <see cref="Random"/> seeded by the network options, so a seed fixes the weights.
/// </summary>
/// <remarks>Thread safety: immutable, safe to share.</remarks>
public abstract class Initializer
{
    private protected Initializer()
    {
    }

    /// <summary>N(0, σ²) with σ = 1/√fan_in: the lectures' recommendation and the default.</summary>
    public static Initializer FanInNormal { get; } = new FanInNormalInitializer();

    /// <summary>U(−τ, τ), e.g. τ = 1 for the lectures' XOR network.</summary>
    /// <exception cref="ArgumentOutOfRangeException">τ is not positive and finite.</exception>
    public static Initializer Uniform(double limit) => new UniformInitializer(limit);

    /// <summary>Glorot/Xavier normal: N(0, σ²) with σ = √(2 / (fan_in + fan_out)); suits tanh and sigmoid.</summary>
    public static Initializer GlorotNormal { get; } = new ScaledInitializer("GlorotNormal", normal: true, (fanIn, fanOut) => Math.Sqrt(2.0 / (fanIn + fanOut)));

    /// <summary>Glorot/Xavier uniform: U(−τ, τ) with τ = √(6 / (fan_in + fan_out)).</summary>
    public static Initializer GlorotUniform { get; } = new ScaledInitializer("GlorotUniform", normal: false, (fanIn, fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut)));

    /// <summary>He normal: N(0, σ²) with σ = √(2 / fan_in); suits ReLU.</summary>
    public static Initializer HeNormal { get; } = new ScaledInitializer("HeNormal", normal: true, (fanIn, _) => Math.Sqrt(2.0 / fanIn));

    /// <summary>He uniform: U(−τ, τ) with τ = √(6 / fan_in).</summary>
    public static Initializer HeUniform { get; } = new ScaledInitializer("HeUniform", normal: false, (fanIn, _) => Math.Sqrt(6.0 / fanIn));

    /// <summary>
    /// Every weight set to the same value (zero by default). Only for demonstrating the symmetry problem: all
    /// hidden units of a layer then compute the same function and receive the same gradient, so they stay
    /// identical forever. Training warns when it sees this initialiser.
    /// </summary>
    public static Initializer Constant(double value = 0) => new ConstantInitializer(value);

    /// <summary>True when every weight starts equal, which training cannot undo (the symmetry problem).</summary>
    public virtual bool IsSymmetric => false;

    /// <summary>Fills a (fanOut × fanIn) weight matrix.</summary>
    internal abstract void Fill(Span<double> weights, int fanIn, int fanOut, Random random);

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private protected static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1], so the logarithm is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private sealed class FanInNormalInitializer : Initializer
    {
        internal override void Fill(Span<double> weights, int fanIn, int fanOut, Random random)
        {
            double sigma = 1.0 / Math.Sqrt(fanIn);
            for (int i = 0; i < weights.Length; i++) weights[i] = sigma * StandardNormal(random);
        }

        public override string ToString() => "N(0, 1/sqrt(fan_in))";
    }

    private sealed class ScaledInitializer(string name, bool normal, Func<int, int, double> scale) : Initializer
    {
        internal override void Fill(Span<double> weights, int fanIn, int fanOut, Random random)
        {
            double s = scale(fanIn, fanOut);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = normal ? s * StandardNormal(random) : (2 * random.NextDouble() - 1) * s;
            }
        }

        public override string ToString() => name;
    }

    private sealed class ConstantInitializer : Initializer
    {
        private readonly double _value;

        public ConstantInitializer(double value)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The constant must be finite.");
            }
            _value = value;
        }

        public override bool IsSymmetric => true;

        internal override void Fill(Span<double> weights, int fanIn, int fanOut, Random random) => weights.Fill(_value);

        public override string ToString() => $"Constant({_value})";
    }

    private sealed class UniformInitializer : Initializer
    {
        private readonly double _limit;

        public UniformInitializer(double limit)
        {
            if (!double.IsFinite(limit) || limit <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, "The uniform limit τ must be positive and finite.");
            }
            _limit = limit;
        }

        internal override void Fill(Span<double> weights, int fanIn, int fanOut, Random random)
        {
            for (int i = 0; i < weights.Length; i++) weights[i] = (2 * random.NextDouble() - 1) * _limit;
        }

        public override string ToString() => $"U(-{_limit}, {_limit})";
    }
}
