using System.Numerics;
using Nn.Data;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;

namespace Nn.Serving;

/// <summary>
/// Where one dense layer prepared for inference lives in the predictor's weight slab: Wᵀ padded to whole vectors
/// (inputs × padded outputs), which the single-row kernel streams row by row and which batched GEMM reads as an
/// untransposed B (packing it is a plain copy), and the bias, all in float, with the input scaler folded into the first layer (x·s + h through W equals x through W·diag(s) with bias
/// b + W·h). Immutable after construction.
/// </summary>
internal sealed class InferenceLayer
{
    private InferenceLayer(int inputs, int outputs, ActivationKind activation, float slope, int offset)
    {
        Inputs = inputs;
        Outputs = outputs;
        PaddedOutputs = (outputs + SparseRowKernel.Padding - 1) / SparseRowKernel.Padding * SparseRowKernel.Padding;
        Activation = activation;
        Slope = slope;
        TransposedOffset = offset;
        BiasOffset = TransposedOffset + inputs * PaddedOutputs;
        End = Align(BiasOffset + PaddedOutputs);
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public int PaddedOutputs { get; }

    public ActivationKind Activation { get; }

    public float Slope { get; }

    /// <summary>Offset of Wᵀ (inputs × padded outputs); the padding columns are zero.</summary>
    public int TransposedOffset { get; }

    /// <summary>Offset of the bias (padded outputs); the padding is zero.</summary>
    public int BiasOffset { get; }

    /// <summary>Where the next layer may start.</summary>
    public int End { get; }

    /// <summary>Copies a network's layers into one aligned float slab, folding <paramref name="scaler"/> into the first.</summary>
    public static InferenceLayer[] From<T>(Network<T> network, FeatureScaler scaler, out AlignedBuffer<float> slab)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new InferenceLayer[network.LayerCount];
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            DenseBlock block = network.Architecture.Blocks[l];
            layers[l] = new InferenceLayer(block.Dense.Inputs, block.Dense.Outputs, block.Activation.Kind, (float)block.Activation.Slope, offset);
            offset = layers[l].End;
        }
        slab = new AlignedBuffer<float>(offset);
        Span<float> all = slab.Span;
        double[]? scale = scaler.Kind == ScalingKind.None ? null : [.. scaler.Scale];
        double[]? shift = scale is null ? null : [.. scaler.Shift];
        for (int l = 0; l < layers.Length; l++)
        {
            InferenceLayer layer = layers[l];
            ReadOnlySpan<T> w = network.Weights(l), b = network.Biases(l);
            Span<float> transposed = all.Slice(layer.TransposedOffset, layer.Inputs * layer.PaddedOutputs);
            Span<float> bias = all.Slice(layer.BiasOffset, layer.PaddedOutputs);
            int n = layer.Inputs;
            for (int j = 0; j < layer.Outputs; j++)
            {
                double sum = double.CreateChecked(b[j]);
                for (int p = 0; p < n; p++)
                {
                    double value = double.CreateChecked(w[j * n + p]);
                    if (l == 0 && scale is not null)
                    {
                        sum += value * shift![p];
                        value *= scale[p];
                    }
                    transposed[p * layer.PaddedOutputs + j] = (float)value;
                }
                bias[j] = (float)sum;
            }
        }
        return layers;
    }

    // 64-byte alignment for every array in the slab.
    private static int Align(int offset) => (offset + 15) & ~15;
}
