using System.Collections;

namespace Nn;

/// <summary>
/// A stack of layers, Keras-style: <c>new Sequential(new Dense(64, 32), new Relu(), new Dense(32, 10), new Softmax())</c>.
/// Every <see cref="Dense"/> may be followed by one <see cref="Activation"/>; a dense layer without one is linear.
/// </summary>
/// <remarks>Thread safety: immutable, safe to share.</remarks>
public sealed class Sequential : IReadOnlyList<Layer>
{
    private readonly Layer[] _layers;

    /// <summary>Validates and stores the architecture.</summary>
    /// <exception cref="ArgumentException">The stack is empty, does not start with Dense, has two activations in a row,
    /// sizes that do not chain, or a Softmax before the last layer.</exception>
    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = (Layer[])layers.Clone();
        var blocks = new List<DenseBlock>();
        for (int i = 0; i < _layers.Length; i++)
        {
            switch (_layers[i])
            {
                case null:
                    throw new ArgumentException($"Layer {i} is null.", nameof(layers));
                case Dense dense:
                    if (blocks.Count > 0 && blocks[^1].Dense.Outputs != dense.Inputs)
                    {
                        throw new ArgumentException(
                            $"Layer {i} ({dense}) takes {dense.Inputs} inputs but the layer before it has {blocks[^1].Dense.Outputs} outputs.", nameof(layers));
                    }
                    Activation activation = i + 1 < _layers.Length && _layers[i + 1] is Activation next ? next : new Identity();
                    if (activation is Softmax && i + 2 < _layers.Length)
                    {
                        throw new ArgumentException($"Softmax (layer {i + 1}) is only supported on the output layer.", nameof(layers));
                    }
                    blocks.Add(new DenseBlock(dense, activation));
                    break;
                case Activation activationLayer when i == 0 || _layers[i - 1] is not Dense:
                    throw new ArgumentException($"Layer {i} ({activationLayer}) must follow a Dense layer.", nameof(layers));
            }
        }
        if (blocks.Count == 0)
        {
            throw new ArgumentException("A network needs at least one Dense layer.", nameof(layers));
        }
        Blocks = blocks;
    }

    /// <summary>The dense layers with the activation that follows each.</summary>
    public IReadOnlyList<DenseBlock> Blocks { get; }

    /// <summary>Number of input features.</summary>
    public int InputSize => Blocks[0].Dense.Inputs;

    /// <summary>Number of outputs.</summary>
    public int OutputSize => Blocks[^1].Dense.Outputs;

    /// <summary>The activation of the output layer.</summary>
    public Activation OutputActivation => Blocks[^1].Activation;

    /// <inheritdoc />
    public int Count => _layers.Length;

    /// <inheritdoc />
    public Layer this[int index] => _layers[index];

    /// <inheritdoc />
    public IEnumerator<Layer> GetEnumerator() => ((IEnumerable<Layer>)_layers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>e.g. "64-32-10 (Relu, Softmax)".</summary>
    public override string ToString() =>
        $"{InputSize}-{string.Join("-", Blocks.Select(b => b.Dense.Outputs))} ({string.Join(", ", Blocks.Select(b => b.Activation))})";
}

/// <summary>A dense layer and the activation applied to its output.</summary>
public sealed record DenseBlock(Dense Dense, Activation Activation);
