namespace Nn;

/// <summary>A fully connected layer: z = x·Wᵀ + b with W of shape (outputs, inputs), as in the lectures' w_jk.</summary>
public sealed class Dense : Layer
{
    /// <summary>Describes a dense layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    public Dense(int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Number of input features.</summary>
    public int Inputs { get; }

    /// <summary>Number of units.</summary>
    public int Outputs { get; }

    /// <inheritdoc />
    public override string ToString() => $"Dense({Inputs}, {Outputs})";
}
