namespace Nn;

/// <summary>An element-wise (or, for softmax, row-wise) non-linearity applied to a dense layer's output.</summary>
public abstract class Activation : Layer
{
    private protected Activation()
    {
    }

    internal abstract ActivationKind Kind { get; }

    /// <summary>The slope for negative inputs (LeakyReLU only; zero otherwise).</summary>
    internal virtual double Slope => 0;

    /// <inheritdoc />
    public override string ToString() => GetType().Name;
}

/// <summary>Linear activation f(z) = z.</summary>
public sealed class Identity : Activation
{
    internal override ActivationKind Kind => ActivationKind.Identity;
}

/// <summary>
/// Heaviside step f(z) = 1 if z ≥ 0 else 0, the perceptron's activation. Its derivative is zero
/// almost everywhere, so backpropagation cannot train through it; train it with the perceptron rule.
/// </summary>
public sealed class Step : Activation
{
    internal override ActivationKind Kind => ActivationKind.Step;
}

/// <summary>Logistic sigmoid σ(z) = 1 / (1 + e^−z); σ'(z) = σ(z)(1 − σ(z)).</summary>
public sealed class Sigmoid : Activation
{
    internal override ActivationKind Kind => ActivationKind.Sigmoid;
}

/// <summary>Hyperbolic tangent; tanh'(z) = 1 − tanh²(z).</summary>
public sealed class Tanh : Activation
{
    internal override ActivationKind Kind => ActivationKind.Tanh;
}

/// <summary>Rectified linear unit f(z) = max(0, z); the derivative at 0 is taken as 0.</summary>
public sealed class Relu : Activation
{
    internal override ActivationKind Kind => ActivationKind.Relu;
}

/// <summary>Leaky ReLU f(z) = z if z &gt; 0 else slope·z.</summary>
public sealed class LeakyRelu : Activation
{
    /// <summary>Creates a leaky ReLU.</summary>
    /// <param name="slope">Slope for negative inputs, 0.01 by default; must be finite and in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">The slope is outside [0, 1) or not finite.</exception>
    public LeakyRelu(double slope = 0.01)
    {
        if (!double.IsFinite(slope) || slope < 0 || slope >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyRelu slope must be in [0, 1).");
        }
        NegativeSlope = slope;
    }

    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; }

    internal override ActivationKind Kind => ActivationKind.LeakyRelu;

    internal override double Slope => NegativeSlope;

    /// <inheritdoc />
    public override string ToString() => $"LeakyRelu({NegativeSlope})";
}

/// <summary>Softmax over each row: e^(z_k − max z) / Σ_j e^(z_j − max z). Used on the output layer.</summary>
public sealed class Softmax : Activation
{
    internal override ActivationKind Kind => ActivationKind.Softmax;
}

internal enum ActivationKind
{
    Identity,
    Step,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Softmax,
}
