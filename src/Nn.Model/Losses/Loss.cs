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

    /// <summary>
    /// Throws if a target row cannot mean anything to this loss: BCE needs values in [0, 1]; categorical cross-entropy a
    /// distribution per row (non-negative, summing to 1: one-hot or soft labels); hinge a one-hot row (it reads the class
    /// as the row's 1); every loss finite values. <paramref name="source"/> names the data in the message.
    /// </summary>
    /// <exception cref="ArgumentException">A row breaks the rule; the message names the row (1-based) and its values.</exception>
    internal void CheckTargets<T>(ReadOnlySpan<T> targets, int outputs, string source) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int offset = 0, row = 1; offset < targets.Length; offset += outputs, row++)
        {
            ReadOnlySpan<T> t = targets.Slice(offset, outputs);
            string? problem = null;
            double sum = 0;
            int ones = 0, zeros = 0;
            foreach (T value in t)
            {
                double v = double.CreateChecked(value);
                if (!double.IsFinite(v)) problem = "holds NaN or infinity";
                sum += v;
                ones += v == 1 ? 1 : 0;
                zeros += v == 0 ? 1 : 0;
                if (problem is null && Kind == LossKind.BinaryCrossEntropy && (v < 0 || v > 1)) problem = "holds a value outside [0, 1], which binary cross-entropy cannot take";
                if (problem is null && Kind == LossKind.CategoricalCrossEntropy && v < 0) problem = "holds a negative value, which is not a probability";
            }
            if (problem is null && Kind == LossKind.CategoricalCrossEntropy && Math.Abs(sum - 1) > 1e-3)
            {
                problem = $"sums to {sum:G4}, not 1 (categorical cross-entropy needs one-hot or probability rows)";
            }
            if (problem is null && Kind == LossKind.Hinge && (ones != 1 || zeros != outputs - 1))
            {
                problem = "is not one-hot (the hinge loss reads the class as the row's single 1)";
            }
            if (problem is not null)
            {
                string values = string.Join(", ", t.ToArray().Take(8).Select(v => double.CreateChecked(v).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)));
                throw new ArgumentException($"Target row {row} of {source} {problem}: [{values}{(outputs > 8 ? ", ..." : "")}].");
            }
        }
    }

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
