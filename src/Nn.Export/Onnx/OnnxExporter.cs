using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Nn.Data;
using Nn.Export.Onnx.Protos;
using Attribute = Nn.Export.Onnx.Protos.Attribute;

namespace Nn.Export;

/// <summary>
/// Writes a trained network as an ONNX model (IR 7, opset 13): the stored preprocessing as Mul + Add on the raw
/// input, then per dense layer one Gemm (transB = 1, weights and bias as initializers) and its activation node.
/// The batch dimension is symbolic. Weights are written as float32 (double networks are rounded).
/// </summary>
/// <remarks>Thread safety: stateless; safe from several threads for different networks.</remarks>
public static class OnnxExporter
{
    /// <summary>Writes the model to <paramref name="path"/> atomically (a temporary file renamed into place).</summary>
    public static void Export<T>(TrainedModel<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = ToBytes(model);
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>The serialized ONNX model.</summary>
    public static byte[] ToBytes<T>(TrainedModel<T> model) where T : unmanaged, IFloatingPointIeee754<T> => Build(model).ToByteArray();

    internal static Model Build<T>(TrainedModel<T> trained) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trained);
        Network<T> network = trained.Network;
        var graph = new Graph { Name = "nn_mlp", DocString = $"Nn multilayer perceptron {network.Architecture}" };
        graph.Input.Add(TensorValue(OnnxNames.Input, network.InputSize));
        graph.Output.Add(TensorValue(OnnxNames.Output, network.OutputSize));

        string current = OnnxNames.Input;
        if (trained.Scaler.Kind != ScalingKind.None)
        {
            // x' = x·scale + shift, exactly the engine's FeatureScaler.
            graph.Initializer.Add(FloatTensor("scaler.scale", [trained.Scaler.FeatureCount], trained.Scaler.Scale.Select(v => (float)v)));
            graph.Initializer.Add(FloatTensor("scaler.shift", [trained.Scaler.FeatureCount], trained.Scaler.Shift.Select(v => (float)v)));
            graph.Node.Add(Node("Mul", "scaler_mul", [current, "scaler.scale"], "scaled.mul"));
            graph.Node.Add(Node("Add", "scaler_add", ["scaled.mul", "scaler.shift"], "scaled"));
            current = "scaled";
        }

        int last = network.LayerCount - 1;
        for (int l = 0; l <= last; l++)
        {
            DenseLayout layout = network.Layouts[l];
            Activation activation = network.Architecture.Blocks[l].Activation;
            string weights = $"dense{l}.weight", bias = $"dense{l}.bias";
            graph.Initializer.Add(FloatTensor(weights, [layout.Outputs, layout.Inputs], ToFloats(network.Weights(l))));
            graph.Initializer.Add(FloatTensor(bias, [layout.Outputs], ToFloats(network.Biases(l))));
            bool linear = activation is Identity;
            string z = l == last && linear ? OnnxNames.Output : $"dense{l}.z";
            Node gemm = Node("Gemm", $"dense{l}", [current, weights, bias], z);
            gemm.Attribute.Add(IntAttribute("transB", 1));
            graph.Node.Add(gemm);
            current = z;
            if (linear)
            {
                continue;
            }
            string a = l == last ? OnnxNames.Output : $"dense{l}.a";
            AddActivation(graph, activation, l, current, a);
            current = a;
        }

        var model = new Model
        {
            IrVersion = OnnxNames.IrVersion,
            ProducerName = "Nn",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0",
            Domain = "nn",
            ModelVersion = 1,
            DocString = trained.Summary,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetId { Domain = "", Version = OnnxNames.Opset });
        model.MetadataProps.Add(Entry(OnnxNames.ArchitectureKey, network.Architecture.ToString()));
        model.MetadataProps.Add(Entry(OnnxNames.LayersKey, string.Join(", ", network.Architecture.Select(layer => layer.ToString()))));
        model.MetadataProps.Add(Entry(OnnxNames.ScalingKey, trained.Scaler.Kind.ToString()));
        if (trained.ClassNames is not null)
        {
            model.MetadataProps.Add(Entry(OnnxNames.ClassesKey, JsonSerializer.Serialize(trained.ClassNames)));
        }
        if (trained.Summary.Length > 0)
        {
            model.MetadataProps.Add(Entry(OnnxNames.TrainingKey, trained.Summary));
        }
        return model;
    }

    private static void AddActivation(Graph graph, Activation activation, int layer, string input, string output)
    {
        switch (activation)
        {
            case Relu:
                graph.Node.Add(Node("Relu", $"dense{layer}_relu", [input], output));
                break;
            case Sigmoid:
                graph.Node.Add(Node("Sigmoid", $"dense{layer}_sigmoid", [input], output));
                break;
            case Tanh:
                graph.Node.Add(Node("Tanh", $"dense{layer}_tanh", [input], output));
                break;
            case LeakyRelu leaky:
            {
                Node node = Node("LeakyRelu", $"dense{layer}_leakyrelu", [input], output);
                node.Attribute.Add(new Attribute { Name = "alpha", Type = Attribute.Types.AttributeType.Float, F = (float)leaky.NegativeSlope });
                graph.Node.Add(node);
                break;
            }
            case Softmax:
            {
                Node node = Node("Softmax", $"dense{layer}_softmax", [input], output);
                node.Attribute.Add(IntAttribute("axis", -1));
                graph.Node.Add(node);
                break;
            }
            case Step:
            {
                // H(z) = 1 for z ≥ 0: GreaterOrEqual gives a bool tensor, Cast turns it into 0/1 floats.
                string zero = $"dense{layer}.zero";
                graph.Initializer.Add(FloatTensor(zero, [], [0f]));
                graph.Node.Add(Node("GreaterOrEqual", $"dense{layer}_step_compare", [input, zero], $"dense{layer}.positive"));
                Node cast = Node("Cast", $"dense{layer}_step_cast", [$"dense{layer}.positive"], output);
                cast.Attribute.Add(IntAttribute("to", (int)Tensor.Types.DataType.Float));
                graph.Node.Add(cast);
                break;
            }
            default:
                throw new NotSupportedException($"Activation {activation} has no ONNX export.");
        }
    }

    private static float[] ToFloats<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = float.CreateChecked(values[i]);
        return result;
    }

    private static Tensor FloatTensor(string name, long[] dims, IEnumerable<float> values)
    {
        float[] data = values.ToArray();
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        }
        var tensor = new Tensor { Name = name, DataType = (int)Tensor.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfo TensorValue(string name, int width)
    {
        var shape = new TensorShape();
        shape.Dim.Add(new TensorShape.Types.Dimension { DimParam = OnnxNames.BatchDimension });
        shape.Dim.Add(new TensorShape.Types.Dimension { DimValue = width });
        return new ValueInfo
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.TensorType { ElemType = (int)Tensor.Types.DataType.Float, Shape = shape } },
        };
    }

    private static Node Node(string op, string name, string[] inputs, string output)
    {
        var node = new Node { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static Attribute IntAttribute(string name, long value) => new() { Name = name, Type = Attribute.Types.AttributeType.Int, I = value };

    private static StringStringEntry Entry(string key, string value) => new() { Key = key, Value = value };
}
