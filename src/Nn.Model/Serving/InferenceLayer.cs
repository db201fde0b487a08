using System.Numerics;
using Nn.Data;
using Nn.Native.Providers.Managed;

namespace Nn.Serving;

/// <summary>
/// One dense layer prepared once for inference: W row-major (outputs × inputs) for batched GEMM, Wᵀ padded to whole
/// vectors (inputs × padded outputs) for the single-row kernel, and the bias, with the input scaler folded into the
/// first layer (x·s + h through W equals x through W·diag(s) with bias b + W·h). Immutable after construction.
/// </summary>
internal sealed class InferenceLayer
{
    private InferenceLayer(int inputs, int outputs, ActivationKind activation, float slope)
    {
        Inputs = inputs;
        Outputs = outputs;
        PaddedOutputs = (outputs + SparseRowKernel.Padding - 1) / SparseRowKernel.Padding * SparseRowKernel.Padding;
        Activation = activation;
        Slope = slope;
        Weights = new PinnedFloats(outputs * inputs);
        Transposed = new PinnedFloats(inputs * PaddedOutputs);
        Bias = new PinnedFloats(PaddedOutputs);
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public int PaddedOutputs { get; }

    public ActivationKind Activation { get; }

    public float Slope { get; }

    /// <summary>(outputs × inputs), row-major.</summary>
    public PinnedFloats Weights { get; }

    /// <summary>(inputs × padded outputs); the padding columns are zero.</summary>
    public PinnedFloats Transposed { get; }

    /// <summary>(padded outputs); the padding is zero.</summary>
    public PinnedFloats Bias { get; }

    /// <summary>Copies a network's layers, in float, folding <paramref name="scaler"/> into the first.</summary>
    public static InferenceLayer[] From<T>(Network<T> network, FeatureScaler scaler) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new InferenceLayer[network.LayerCount];
        for (int l = 0; l < layers.Length; l++)
        {
            DenseBlock block = network.Architecture.Blocks[l];
            var layer = new InferenceLayer(block.Dense.Inputs, block.Dense.Outputs, block.Activation.Kind, (float)block.Activation.Slope);
            ReadOnlySpan<T> w = network.Weights(l), b = network.Biases(l);
            Span<float> weights = layer.Weights.Span, transposed = layer.Transposed.Span, bias = layer.Bias.Span;
            int n = layer.Inputs;
            for (int j = 0; j < layer.Outputs; j++)
            {
                double sum = double.CreateChecked(b[j]);
                for (int p = 0; p < n; p++)
                {
                    double value = double.CreateChecked(w[j * n + p]);
                    if (l == 0 && scaler.Kind != ScalingKind.None)
                    {
                        sum += value * scaler.Shift[p];
                        value *= scaler.Scale[p];
                    }
                    weights[j * n + p] = (float)value;
                    transposed[p * layer.PaddedOutputs + j] = (float)value;
                }
                bias[j] = (float)sum;
            }
            layers[l] = layer;
        }
        return layers;
    }
}
