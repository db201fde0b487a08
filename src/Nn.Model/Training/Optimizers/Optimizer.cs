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

    /// <summary>The rule's name and hyperparameters, as a checkpoint stores them (see <see cref="FromDescription"/>).</summary>
    public abstract OptimizerDescription Describe();

    /// <summary>Rebuilds an optimizer from <see cref="Describe"/>'s result.</summary>
    /// <exception cref="ArgumentException">The name is unknown or the hyperparameters do not fit it.</exception>
    public static Optimizer FromDescription(OptimizerDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        double[] v = description.Values.ToArray();
        int expected = description.Name switch
        {
            nameof(GradientDescent) or nameof(RmsProp) => 3,
            nameof(Adagrad) => 2,
            nameof(Adam) => 4,
            nameof(AdamW) => 5,
            _ => throw new ArgumentException($"Unknown optimizer '{description.Name}'; known: GradientDescent, Adagrad, RmsProp, Adam, AdamW."),
        };
        if (v.Length != expected)
        {
            throw new ArgumentException($"{description.Name} takes {expected} hyperparameters, not {v.Length}.");
        }
        return description.Name switch
        {
            nameof(GradientDescent) => new GradientDescent(v[0], v[1], v[2] != 0),
            nameof(Adagrad) => new Adagrad(v[0], v[1]),
            nameof(RmsProp) => new RmsProp(v[0], v[1], v[2]),
            nameof(Adam) => new Adam(v[0], v[1], v[2], v[3]),
            _ => new AdamW(v[0], v[1], v[2], v[3], v[4]),
        };
    }

    /// <summary>ε in <typeparamref name="T"/>; one that rounds to 0 there (1e-50 in float) would divide by zero on the first step.</summary>
    private protected static T Representable<T>(double value, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T converted = T.CreateChecked(value);
        if (converted == T.Zero || !T.IsFinite(converted))
        {
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} = {value} is {converted} in {typeof(T).Name}; choose one that {typeof(T).Name} can hold (at least {T.Epsilon}).");
        }
        return converted;
    }

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
    public long Steps { get; protected internal set; }

    /// <summary>Number of moment slabs (velocity, running averages …) this rule keeps; each has the parameter slab's layout.</summary>
    internal virtual int MomentCount => 0;

    /// <summary>Moment slab <paramref name="index"/>, for checkpoints: valid while the state lives.</summary>
    internal virtual Span<T> Moment(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "This optimizer keeps no moments.");

    /// <summary>Applies one update in place with learning rate <paramref name="learningRate"/>.</summary>
    /// <exception cref="ArgumentException">The spans do not match the state's size.</exception>
    public abstract void Step(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate);

    /// <summary>
    /// One step with the trainer's divergence check: whether every gradient, and then every updated parameter, is
    /// finite. This form checks the gradients before the step (which it then skips) and the parameters after it, in
    /// two passes of their own; a rule may override it to check inside its update pass instead.
    /// </summary>
    internal virtual StepFinding StepChecked(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
    {
        if (!Nn.Kernels.ElementwiseParts.AllFinite(Provider, gradients)) return StepFinding.NonFiniteGradients;
        Step(parameters, gradients, learningRate);
        return Nn.Kernels.ElementwiseParts.AllFinite(Provider, parameters) ? StepFinding.Finite : StepFinding.NonFiniteParameters;
    }

    /// <summary>
    /// The provider whose worker threads may share an update pass (the training network's), or null for one thread.
    /// Only the managed provider lends its threads; OpenBLAS's and MKL's keep spinning on the other cores after a
    /// GEMM, and a second set of threads would fight them for those cores.
    /// </summary>
    internal Nn.Native.BlasProvider? Provider { get; set; }

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

/// <summary>What <see cref="OptimizerState{T}.StepChecked"/> found.</summary>
internal enum StepFinding
{
    /// <summary>Every gradient and every updated parameter is finite.</summary>
    Finite,

    /// <summary>A gradient holds NaN or infinity; no parameter took it.</summary>
    NonFiniteGradients,

    /// <summary>The gradients are finite but the update made a parameter NaN or infinite.</summary>
    NonFiniteParameters,
}

/// <summary>An optimizer's name (its class name) and hyperparameters in constructor order, as checkpoints store them.</summary>
public sealed record OptimizerDescription(string Name, IReadOnlyList<double> Values)
{
    /// <inheritdoc />
    public bool Equals(OptimizerDescription? other) => other is not null && Name == other.Name && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Values.Count);
}
