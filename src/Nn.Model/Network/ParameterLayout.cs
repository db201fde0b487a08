namespace Nn;

/// <summary>Where one dense layer's weights (outputs × inputs, row-major) and biases live in the flat parameter slab.</summary>
public readonly record struct DenseLayout(int WeightOffset, int BiasOffset, int Inputs, int Outputs)
{
    /// <summary>Number of weights.</summary>
    public int WeightCount => Inputs * Outputs;

    /// <summary>Computes the layouts of a stack of dense layers packed back to back: W₁ b₁ W₂ b₂ …</summary>
    internal static DenseLayout[] For(Sequential architecture, out int parameterCount)
    {
        var layouts = new DenseLayout[architecture.Blocks.Count];
        long offset = 0;
        for (int i = 0; i < layouts.Length; i++)
        {
            Dense dense = architecture.Blocks[i].Dense;
            long weights = (long)dense.Inputs * dense.Outputs;
            if (offset + weights + dense.Outputs > Array.MaxLength)
            {
                throw new ArgumentException($"The network has more than {Array.MaxLength} parameters.");
            }
            layouts[i] = new DenseLayout((int)offset, (int)(offset + weights), dense.Inputs, dense.Outputs);
            offset += weights + dense.Outputs;
        }
        parameterCount = (int)offset;
        return layouts;
    }
}
