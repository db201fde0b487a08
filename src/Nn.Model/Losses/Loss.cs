namespace Nn;

/// <summary>
/// A cost function C over a batch: the mean of a per-sample loss ℓ(a, t) over the m samples.
/// Each loss states which output activations it accepts; a mismatch is an error before any work is done.
/// </summary>
/// <remarks>Thread safety: immutable, safe to share.</remarks>
public abstract class Loss
{
    private protected Loss()
    {
    }

    internal abstract LossKind Kind { get; }

    /// <summary>Throws if this loss cannot be used after <paramref name="output"/>.</summary>
    internal abstract void CheckOutput(Activation output);

    /// <inheritdoc />
    public override string ToString() => GetType().Name;
}

/// <summary>
/// Mean squared error with the ½ convention: C = (1/m) Σᵢ ½‖aᵢ − tᵢ‖², so ∂C/∂a = (a − t)/m. This is the
/// lectures' per-sample ½‖a − t‖² averaged over the batch; the "1/n Σ (a − t)²" form used for a single
/// output is exactly twice this value (and has twice the gradient). Works with any trainable output activation.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    internal override LossKind Kind => LossKind.MeanSquaredError;

    internal override void CheckOutput(Activation output)
    {
    }
}

/// <summary>
/// Binary cross-entropy over one or K independent sigmoid outputs (multi-label):
/// ℓ = −Σ_k [t_k ln a_k + (1 − t_k) ln(1 − a_k)], computed from the logits so it never takes ln 0.
/// With the sigmoid output the gradient is the fused ∂ℓ/∂z = a − t. Requires a <see cref="Sigmoid"/> output.
/// </summary>
public sealed class BinaryCrossEntropy : Loss
{
    internal override LossKind Kind => LossKind.BinaryCrossEntropy;

    internal override void CheckOutput(Activation output)
    {
        if (output is not Sigmoid)
        {
            throw new ArgumentException($"BinaryCrossEntropy needs a Sigmoid output layer, but the network ends in {output}.");
        }
    }
}

/// <summary>
/// Categorical cross-entropy with natural logarithms: ℓ = −Σ_k t_k ln softmax(z)_k, computed from the
/// logits as Σ_k t_k (logΣexp(z) − z_k), which is stable for any logits. The fused gradient is
/// ∂ℓ/∂z = a·Σt − t (= a − t for one-hot targets). Requires a <see cref="Softmax"/> output.
/// </summary>
public sealed class CategoricalCrossEntropy : Loss
{
    internal override LossKind Kind => LossKind.CategoricalCrossEntropy;

    internal override void CheckOutput(Activation output)
    {
        if (output is not Softmax)
        {
            throw new ArgumentException($"CategoricalCrossEntropy needs a Softmax output layer, but the network ends in {output}.");
        }
    }
}

/// <summary>
/// Multiclass SVM (hinge) loss with margin 1: ℓ = Σ_{j≠y} max(0, s_j − s_y + 1), where s are the
/// output scores and y is the target class (the index of the largest target value, i.e. the one-hot label).
/// Usually used with a linear (<see cref="Identity"/>) output.
/// </summary>
public sealed class Hinge : Loss
{
    internal override LossKind Kind => LossKind.Hinge;

    internal override void CheckOutput(Activation output)
    {
    }
}

internal enum LossKind
{
    MeanSquaredError,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Hinge,
}
