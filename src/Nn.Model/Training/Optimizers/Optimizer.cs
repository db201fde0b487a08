using System.Numerics;

namespace Nn.Training;

/// <summary>
/// A first-order update rule θ ← θ − step(g). The optimizer itself is an immutable description (share it
/// freely); <see cref="CreateState{T}"/> makes the per-network state: moment slabs with the layout of the
/// parameter slab, updated in one vectorised pass per step with no allocation.
/// </summary>
public abstract class Optimizer
{
    private protected Optimizer(double learningRate)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        }
        LearningRate = learningRate;
    }

    /// <summary>The base learning rate η (a schedule may scale it per epoch).</summary>
    public double LearningRate { get; }

    /// <summary>Creates the state for a parameter slab of <paramref name="parameterCount"/> values.</summary>
    public abstract OptimizerState<T> CreateState<T>(int parameterCount) where T : unmanaged, IFloatingPointIeee754<T>;

    private protected static void CheckFraction(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0 || value >= 1)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
        }
    }

    private protected static void CheckPositive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        }
    }
}

/// <summary>An optimizer's per-network state (moment slabs and step count).</summary>
/// <remarks>Thread safety: not thread-safe; one state belongs to one training run.</remarks>
public abstract class OptimizerState<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of steps taken.</summary>
    public long Steps { get; protected set; }

    /// <summary>Applies one update in place with learning rate <paramref name="learningRate"/>.</summary>
    /// <exception cref="ArgumentException">The spans do not match the state's size.</exception>
    public abstract void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate);

    /// <summary>Frees the state slabs.</summary>
    public virtual void Dispose()
    {
    }

    private protected static void CheckLengths(Span<T> parameters, ReadOnlySpan<T> gradients, int expected)
    {
        if (parameters.Length != expected || gradients.Length != expected)
        {
            throw new ArgumentException($"The optimizer state was made for {expected} parameters, not {parameters.Length} (gradients {gradients.Length}).");
        }
    }
}
