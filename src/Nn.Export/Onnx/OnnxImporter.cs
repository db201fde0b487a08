using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Nn.Data;
using Nn.Export.Onnx.Protos;

namespace Nn.Export;

/// <summary>The graph in an ONNX file is not an MLP the engine can represent, or the file is not valid ONNX.</summary>
public sealed class OnnxImportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an ONNX MLP into the engine: Nn's own exports (bit-identical weights) and PyTorch exports of
/// nn.Sequential(Linear, ReLU/Sigmoid/Tanh/LeakyReLU/Softmax …), opsets 13–17: Gemm (any transB, alpha = beta = 1),
/// or MatMul followed by Add; an optional Flatten at the input; Nn's Mul + Add preprocessing and
/// GreaterOrEqual + Cast step. Anything else is refused with the list of nodes it cannot represent.
/// </summary>
/// <remarks>Thread safety: stateless; safe from several threads.</remarks>
public static class OnnxImporter
{
    private static readonly HashSet<string> Activations = ["Relu", "Sigmoid", "Tanh", "LeakyRelu", "Softmax"];

    /// <summary>The producer_name of an ONNX file ("Nn" for this library's exports), or null if it is not readable ONNX.</summary>
    public static string? ProducerOf(string path)
    {
        try
        {
            return Model.Parser.ParseFrom(File.ReadAllBytes(path)).ProducerName;
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="OnnxImportException">The file is not valid ONNX or not a supported MLP.</exception>
    public static TrainedModel<T> Load<T>(string path, NetworkOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX file not found: {path}", path);
        }
        return Load<T>(File.ReadAllBytes(path), path, options);
    }

    /// <summary>Loads a model from bytes; <paramref name="name"/> is used in messages.</summary>
    public static TrainedModel<T> Load<T>(byte[] bytes, string name = "(bytes)", NetworkOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Model model;
        try
        {
            model = Model.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new OnnxImportException($"{name} is not a valid ONNX (protobuf) file: {error.Message}", error);
        }
        if (model.Graph is null || model.Graph.Input.Count == 0 || model.Graph.Output.Count == 0)
        {
            throw new OnnxImportException($"{name} has no graph, or its graph has no input or output.");
        }
        long opset = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain)).Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset is < 9 or > 21)
        {
            throw new OnnxImportException($"{name} uses default-domain opset {opset}; the importer reads opsets 13 to 17 (and tolerates 9–21).");
        }
        try
        {
            return new GraphReader<T>(model, name, options).Read();
        }
        catch (Exception error) when (error is ArgumentException or IndexOutOfRangeException or InvalidOperationException
            or OverflowException or FormatException or JsonException or NotSupportedException)
        {
            // A well-formed protobuf whose graph contradicts itself (a LeakyRelu alpha of 7, a node without outputs,
            // shapes that do not chain): report it as a bad model file, naming the file.
            throw new OnnxImportException($"{name} is not a usable ONNX MLP: {error.Message}", error);
        }
    }

    private sealed class GraphReader<T>(Model model, string name, NetworkOptions? options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Dictionary<string, (long[] Dims, float[]? Values)> _constants = [];
        private readonly List<string> _unsupported = [];

        public TrainedModel<T> Read()
        {
            Graph graph = model.Graph;
            foreach (Tensor tensor in graph.Initializer) _constants[tensor.Name] = ReadTensor(tensor);
            string input = graph.Input.Select(i => i.Name).First(n => !_constants.ContainsKey(n));
            string output = graph.Output[0].Name;

            var layers = new List<(float[] W, float[] B, int In, int Out)>();
            var activations = new List<Activation>();
            double[]? scale = null, shift = null;
            string current = input;
            var nodes = graph.Node.ToList();
            int index = 0;
            Node? Next() => index < nodes.Count && nodes[index].Input.Count > 0 && nodes[index].Input[0] == current ? nodes[index] : null;

            while (index < nodes.Count)
            {
                Node? node = Next();
                if (node is not null && node.Output.Count == 0)
                {
                    Unsupported(node, "has no output");
                    break;
                }
                if (node is null)
                {
                    Unsupported(nodes[index], "does not continue the chain from the input (the graph is not a simple MLP)");
                    break;
                }
                switch (node.OpType)
                {
                    case "Flatten" when layers.Count == 0 && scale is null:
                        if (IntAttribute(node, "axis", 1) != 1) Unsupported(node, "flattens at an axis other than 1");
                        break;
                    case "Mul" when layers.Count == 0 && scale is null && index + 1 < nodes.Count && nodes[index + 1].OpType == "Add":
                        // Nn's preprocessing: x·scale + shift.
                        scale = Constant(node.Input[1]).Values.Select(v => (double)v).ToArray();
                        index++;
                        Node add = nodes[index];
                        if (add.Input[0] != node.Output[0]) Unsupported(add, "does not follow the preprocessing Mul");
                        shift = Constant(add.Input[1]).Values.Select(v => (double)v).ToArray();
                        node = add;
                        break;
                    case "Gemm":
                        layers.Add(ReadGemm(node));
                        activations.Add(new Identity());
                        break;
                    case "MatMul" when index + 1 < nodes.Count && nodes[index + 1].OpType == "Add" && nodes[index + 1].Input.Contains(node.Output[0]):
                    {
                        (long[] dims, float[] w) = Constant(node.Input[1]);
                        Node biasAdd = nodes[++index];
                        string biasName = biasAdd.Input[0] == node.Output[0] ? biasAdd.Input[1] : biasAdd.Input[0];
                        layers.Add(FromInputMajor(w, dims, Constant(biasName).Values, node));
                        activations.Add(new Identity());
                        node = biasAdd;
                        break;
                    }
                    case "MatMul":
                    {
                        (long[] dims, float[] w) = Constant(node.Input[1]);
                        layers.Add(FromInputMajor(w, dims, new float[dims.Length == 2 ? dims[1] : 0], node));
                        activations.Add(new Identity());
                        break;
                    }
                    case "GreaterOrEqual" when layers.Count > 0 && activations[^1] is Identity && index + 1 < nodes.Count && nodes[index + 1].OpType == "Cast":
                        if (Constant(node.Input[1]).Values is not [0f]) Unsupported(node, "compares with something other than 0");
                        node = nodes[++index];
                        activations[^1] = new Step();
                        break;
                    case var op when Activations.Contains(op) && layers.Count > 0 && activations[^1] is Identity:
                        activations[^1] = op switch
                        {
                            "Relu" => new Relu(),
                            "Sigmoid" => new Sigmoid(),
                            "Tanh" => new Tanh(),
                            // The shortest decimal of the float alpha, so 0.05f comes back as 0.05, not 0.0500000007.
                            "LeakyRelu" => new LeakyRelu(double.Parse(FloatAttribute(node, "alpha", 0.01f).ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)),
                            _ => SoftmaxOf(node),
                        };
                        break;
                    case "Identity":
                        break;
                    default:
                        Unsupported(node, "is not part of a dense MLP the engine can represent");
                        break;
                }
                if (_unsupported.Count > 0) break;
                current = node.Output[0];
                index++;
            }
            if (_unsupported.Count == 0 && current != output)
            {
                _unsupported.Add($"the chain ends at '{current}' but the graph output is '{output}'");
            }
            if (_unsupported.Count == 0 && layers.Count == 0)
            {
                _unsupported.Add("the graph has no Gemm or MatMul layer");
            }
            if (_unsupported.Count > 0)
            {
                var unknown = nodes.Where(n => !IsKnown(n.OpType)).Select(n => $"'{n.Name}' ({n.OpType})").ToList();
                string list = string.Join("; ", _unsupported) + (unknown.Count > 0 ? $". Operators the importer does not support: {string.Join(", ", unknown)}" : "");
                throw new OnnxImportException($"{name} is not an MLP the engine can represent: {list}.");
            }
            return Build(layers, activations, scale, shift);
        }

        private TrainedModel<T> Build(List<(float[] W, float[] B, int In, int Out)> layers, List<Activation> activations, double[]? scale, double[]? shift)
        {
            var stack = new List<Layer>();
            for (int l = 0; l < layers.Count; l++)
            {
                if (l > 0 && layers[l].In != layers[l - 1].Out)
                {
                    throw new OnnxImportException($"{name}: layer {l + 1} takes {layers[l].In} inputs but layer {l} gives {layers[l - 1].Out}.");
                }
                if (activations[l] is Softmax && l != layers.Count - 1)
                {
                    throw new OnnxImportException($"{name}: Softmax after layer {l + 1} is only supported on the output layer.");
                }
                stack.Add(new Dense(layers[l].In, layers[l].Out));
                stack.Add(activations[l]);
            }
            var network = new Network<T>(new Sequential([.. stack]), options);
            try
            {
                for (int l = 0; l < layers.Count; l++)
                {
                    Copy(layers[l].W, network.Weights(l));
                    Copy(layers[l].B, network.Biases(l));
                }
                FeatureScaler? scaler = null;
                if (scale is not null && shift is not null)
                {
                    if (scale.Length != network.InputSize || shift.Length != network.InputSize)
                    {
                        throw new OnnxImportException($"{name}: the preprocessing has {scale.Length} scales for {network.InputSize} inputs.");
                    }
                    string kind = Metadata(OnnxNames.ScalingKey) ?? nameof(ScalingKind.MinMax);
                    scaler = FeatureScaler.FromParameters(Enum.TryParse(kind, out ScalingKind parsed) ? parsed : ScalingKind.MinMax, scale, shift);
                }
                IReadOnlyList<string>? classes = Metadata(OnnxNames.ClassesKey) is { } json ? JsonSerializer.Deserialize<string[]>(json) : null;
                if (classes is not null && classes.Count != network.OutputSize && !(network.OutputSize == 1 && classes.Count == 2))
                {
                    classes = null;
                }
                return new TrainedModel<T>(network, scaler, classes, Metadata(OnnxNames.TrainingKey) ?? $"imported from {Path.GetFileName(name)} ({model.ProducerName} {model.ProducerVersion})");
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }

        private (float[] W, float[] B, int In, int Out) ReadGemm(Node node)
        {
            if (IntAttribute(node, "transA", 0) != 0) Unsupported(node, "has transA = 1");
            if (FloatAttribute(node, "alpha", 1f) != 1f || FloatAttribute(node, "beta", 1f) != 1f) Unsupported(node, "has alpha or beta other than 1");
            (long[] dims, float[] w) = Constant(node.Input[1]);
            if (dims.Length != 2)
            {
                Unsupported(node, "has a weight that is not a matrix");
                return ([], [], 0, 0);
            }
            bool transposed = IntAttribute(node, "transB", 0) == 1;
            int outputs = (int)(transposed ? dims[0] : dims[1]);
            float[] bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Constant(node.Input[2]).Values : new float[outputs];
            if (bias.Length == 1 && outputs > 1) bias = Enumerable.Repeat(bias[0], outputs).ToArray();
            if (bias.Length != outputs) Unsupported(node, $"has a bias of {bias.Length} values for {outputs} outputs");
            return transposed ? (w, bias, (int)dims[1], outputs) : FromInputMajor(w, dims, bias, node);
        }

        // MatMul and Gemm without transB store W as (in × out); the engine keeps (out × in).
        private (float[] W, float[] B, int In, int Out) FromInputMajor(float[] w, long[] dims, float[] bias, Node node)
        {
            if (dims.Length != 2)
            {
                Unsupported(node, "has a weight that is not a matrix");
                return ([], [], 0, 0);
            }
            int inputs = (int)dims[0], outputs = (int)dims[1];
            if (bias.Length != outputs) Unsupported(node, $"has a bias of {bias.Length} values for {outputs} outputs");
            var transposed = new float[w.Length];
            for (int i = 0; i < inputs; i++)
            for (int o = 0; o < outputs; o++)
            {
                transposed[o * inputs + i] = w[i * outputs + o];
            }
            return (transposed, bias, inputs, outputs);
        }

        private Activation SoftmaxOf(Node node)
        {
            long axis = IntAttribute(node, "axis", -1);
            if (axis is not (-1 or 1)) Unsupported(node, $"has axis {axis}; only the last axis of a [batch, classes] tensor is supported");
            return new Softmax();
        }

        private (long[] Dims, float[] Values) Constant(string tensorName)
        {
            if (!_constants.TryGetValue(tensorName, out var constant))
            {
                throw new OnnxImportException($"{name}: '{tensorName}' is not an initializer; weights computed inside the graph are not supported.");
            }
            return constant.Values is null
                ? throw new OnnxImportException($"{name}: initializer '{tensorName}' does not hold float or double values; a weight, bias or preprocessing constant must.")
                : (constant.Dims, constant.Values);
        }

        // Float and double tensors are read as floats; any other element type (int64 shapes for Reshape and the like)
        // is kept without values, and naming one where a weight belongs is refused by Constant.
        private (long[] Dims, float[]? Values) ReadTensor(Tensor tensor)
        {
            long count = tensor.Dims.Aggregate(1L, (a, b) => a * b);
            if (tensor.DataLocation == 1 || tensor.ExternalData.Count > 0)
            {
                throw new OnnxImportException($"{name}: tensor '{tensor.Name}' keeps its data in an external file, which is not supported.");
            }
            if (count < 0 || count > int.MaxValue / 8)
            {
                throw new OnnxImportException($"{name}: tensor '{tensor.Name}' has an invalid shape [{string.Join(", ", tensor.Dims)}].");
            }
            float[]? values = (Tensor.Types.DataType)tensor.DataType switch
            {
                Tensor.Types.DataType.Float when tensor.RawData.Length > 0 => RawFloats(tensor, count),
                Tensor.Types.DataType.Float => tensor.FloatData.ToArray(),
                Tensor.Types.DataType.Double when tensor.RawData.Length > 0 => RawDoubles(tensor, count),
                Tensor.Types.DataType.Double => tensor.DoubleData.Select(v => (float)v).ToArray(),
                _ => null,
            };
            if (values is not null && values.Length != count)
            {
                throw new OnnxImportException($"{name}: tensor '{tensor.Name}' holds {values.Length} values for shape [{string.Join(", ", tensor.Dims)}].");
            }
            return (tensor.Dims.ToArray(), values);
        }

        private float[] RawFloats(Tensor tensor, long count)
        {
            if (tensor.RawData.Length != count * 4) throw new OnnxImportException($"{name}: tensor '{tensor.Name}' has {tensor.RawData.Length} raw bytes for {count} floats.");
            var values = new float[count];
            Buffer.BlockCopy(tensor.RawData.ToByteArray(), 0, values, 0, (int)count * 4);
            return values;
        }

        private float[] RawDoubles(Tensor tensor, long count)
        {
            if (tensor.RawData.Length != count * 8) throw new OnnxImportException($"{name}: tensor '{tensor.Name}' has {tensor.RawData.Length} raw bytes for {count} doubles.");
            var values = new double[count];
            Buffer.BlockCopy(tensor.RawData.ToByteArray(), 0, values, 0, (int)count * 8);
            return values.Select(v => (float)v).ToArray();
        }

        private string? Metadata(string key) => model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

        private void Unsupported(Node node, string why) => _unsupported.Add($"node '{node.Name}' ({node.OpType}) {why}");

        private static bool IsKnown(string op) => op is "Gemm" or "MatMul" or "Add" or "Mul" or "Flatten" or "Identity" or "GreaterOrEqual" or "Cast" || Activations.Contains(op);

        private static long IntAttribute(Node node, string attribute, long fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == attribute) is { } found ? found.I : fallback;

        private static float FloatAttribute(Node node, string attribute, float fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == attribute) is { } found ? found.F : fallback;

        private static void Copy(float[] source, Span<T> target)
        {
            for (int i = 0; i < source.Length; i++) target[i] = T.CreateChecked(source[i]);
        }
    }
}
