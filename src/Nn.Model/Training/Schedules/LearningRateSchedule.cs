namespace Nn.Training;

/// <summary>
/// The learning rate as a function of training progress. Epochs and iterations (batches) count from 0;
/// the optimizer's <see cref="Optimizer.LearningRate"/> is the base rate η₀.
/// </summary>
/// <remarks>Thread safety: immutable, safe to share.</remarks>
public abstract class LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>η₀ throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>η₀·γ^⌊epoch / stepEpochs⌋: multiply by γ every <paramref name="stepEpochs"/> epochs.</summary>
    public static LearningRateSchedule StepDecay(int stepEpochs, double gamma = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepEpochs, 1);
        CheckGamma(gamma);
        return new Formula($"StepDecay({stepEpochs}, {gamma})", (rate, epoch, _) => rate * Math.Pow(gamma, epoch / stepEpochs));
    }

    /// <summary>η₀·γ^epoch.</summary>
    public static LearningRateSchedule Exponential(double gamma)
    {
        CheckGamma(gamma);
        return new Formula($"Exponential({gamma})", (rate, epoch, _) => rate * Math.Pow(gamma, epoch));
    }

    /// <summary>Cosine annealing from η₀ to <paramref name="minimumRate"/> over <paramref name="epochs"/> epochs.</summary>
    public static LearningRateSchedule Cosine(int epochs, double minimumRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (!double.IsFinite(minimumRate) || minimumRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be finite and non-negative.");
        }
        return new Formula($"Cosine({epochs}, {minimumRate})", (rate, epoch, _) =>
            minimumRate + (rate - minimumRate) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, epochs) / epochs)));
    }

    /// <summary>This schedule with a linear warm-up from η/warmup to η over the first <paramref name="iterations"/> batches.</summary>
    public LearningRateSchedule WithWarmUp(long iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        LearningRateSchedule inner = this;
        return new Formula($"{inner} with {iterations}-iteration warm-up", (rate, epoch, iteration) =>
            inner.RateAt(rate, epoch, iteration) * Math.Min(1.0, (iteration + 1.0) / iterations));
    }

    /// <summary>The rate for a given epoch and iteration.</summary>
    public abstract double RateAt(double baseRate, int epoch, long iteration);

    private static void CheckGamma(double gamma)
    {
        if (!double.IsFinite(gamma) || gamma <= 0 || gamma > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be in (0, 1].");
        }
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override double RateAt(double baseRate, int epoch, long iteration) => baseRate;

        public override string ToString() => "Constant";
    }

    private sealed class Formula(string name, Func<double, int, long, double> rate) : LearningRateSchedule
    {
        public override double RateAt(double baseRate, int epoch, long iteration) => rate(baseRate, epoch, iteration);

        public override string ToString() => name;
    }
}
