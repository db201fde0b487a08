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
