using System.Text.Json;
using Google.Protobuf;
using Nn.Data;
using Nn.Export.Onnx.Protos;
using Xunit;
using Attribute = Nn.Export.Onnx.Protos.Attribute;

namespace Nn.Export.Tests;

/// <summary>
/// Every way a file can fail to be an MLP the engine represents, each made by damaging Nn's own export of a
/// 12-9-7-4 network (ReLU, ReLU, softmax, standard scaling) in one place, with the message the importer must give; and
/// the variations it must accept (opset bounds, other domains, double weights, an empty bias input, metadata).
/// </summary>
public sealed class ImporterRefusalTests
{
    private static TrainedModel<float> Original() => ExportParityTests.RandomModel("Relu", "Softmax", ScalingKind.Standard, seed: 11);

    private static Model Exported()
    {
        using TrainedModel<float> original = Original();
        return OnnxExporter.Build(original);
    }

    private static Tensor Initializer(Model proto, string name) => proto.Graph.Initializer.Single(t => t.Name == name);

    private static Node NodeNamed(Model proto, string name) => proto.Graph.Node.Single(n => n.Name == name);

    private static void SetFloats(Tensor t, long[] dims, float[] values)
    {
        t.Dims.Clear();
        t.Dims.Add(dims);
        t.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
    }

    private static float[] Floats(Tensor t) => Enumerable.Range(0, t.RawData.Length / 4).Select(i => BitConverter.ToSingle(t.RawData.Span[(i * 4)..])).ToArray();

    public static TheoryData<string, string> Refusals() => new()
    {
        { "opset 8", "damaged.onnx uses default-domain opset 8; the importer reads opsets 13 to 17 (and tolerates 9–21)." },
        { "opset 22", "damaged.onnx uses default-domain opset 22;" },
        { "no opset", "damaged.onnx uses default-domain opset 0;" },
        { "no output", "damaged.onnx has no graph, or its graph has no input or output." },
        { "no input", "damaged.onnx has no graph, or its graph has no input or output." },
        { "no graph", "damaged.onnx has no graph, or its graph has no input or output." },
        { "softmax hidden", "damaged.onnx: Softmax after layer 1 is only supported on the output layer." },
        { "layers do not chain", "damaged.onnx: layer 2 takes 8 inputs but layer 1 gives 9." },
        { "scaler length", "damaged.onnx: the preprocessing has 11 scales for 12 inputs." },
        { "scale length only", "damaged.onnx: the preprocessing has 11 scales for 12 inputs." },
        { "input is an initializer", "damaged.onnx is not a usable ONNX MLP: " },
        { "weight rank 3", "'dense1' (Gemm) has a weight that is not a matrix" },
        { "matmul weight rank 1", "(MatMul) has a weight that is not a matrix" },
        { "bias length", "'dense1' (Gemm) has a bias of 3 values for 7 outputs" },
        { "matmul bias length", "(MatMul) has a bias of 3 values for 9 outputs" },
        { "softmax axis 0", "'dense2_softmax' (Softmax) has axis 0; only the last axis of a [batch, classes] tensor is supported" },
        { "computed weight", "damaged.onnx: 'dense1.computed' is not an initializer; weights computed inside the graph are not supported." },
        { "external data", "damaged.onnx: tensor 'dense0.weight' keeps its data in an external file, which is not supported." },
        { "external location", "damaged.onnx: tensor 'dense0.weight' keeps its data in an external file, which is not supported." },
        { "negative dims", "damaged.onnx: tensor 'dense0.bias' has an invalid shape [-9]." },
        // 2²⁸ − 1 values is the largest shape read (its 8-byte doubles still fit an array); one more is refused.
        { "largest dims", "damaged.onnx: tensor 'dense0.bias' has 36 raw bytes for 268435455 floats." },
        { "too large dims", "damaged.onnx: tensor 'dense0.bias' has an invalid shape [268435456]." },
        { "raw bytes", "damaged.onnx: tensor 'dense0.bias' has 35 raw bytes for 9 floats." },
        { "double raw bytes", "damaged.onnx: tensor 'dense0.bias' has 70 raw bytes for 9 doubles." },
        { "value count", "damaged.onnx: tensor 'dense0.bias' holds 8 values for shape [9]." },
        { "broken chain", "'dense1' (Gemm) does not continue the chain from the input (the graph is not a simple MLP)" },
        { "node without output", "'dense1' (Gemm) has no output" },
        { "wrong graph output", "the chain ends at 'output' but the graph output is 'elsewhere'" },
        { "no dense layer", "the graph has no Gemm or MatMul layer" },
        { "add not after mul", "'scaler_add' (Add) does not follow the preprocessing Mul" },
        { "unknown operator", "damaged.onnx is not an MLP the engine can represent: node 'dense1' (Conv) is not part of a dense MLP the engine " +
            "can represent. Operators the importer does not support: 'dense1' (Conv)." },
        { "compare with 0.5", "(GreaterOrEqual) compares with something other than 0" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void DamagedModelsAreRefusedWithTheReason(string damage, string message)
    {
        OnnxImportException error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(Damaged(damage), "damaged.onnx"));
        Assert.Contains(message, error.Message);
        Assert.Contains("damaged.onnx", error.Message);
        // Unknown operators are listed only when there are some.
        Assert.Equal(damage == "unknown operator", error.Message.Contains("Operators the importer does not support", StringComparison.Ordinal));
    }

    /// <summary>The bytes of an export with one <paramref name="damage"/> from <see cref="Refusals"/>.</summary>
    public static byte[] Damaged(string damage)
    {
        Model proto = Exported();
        Damage(proto, damage);
        return proto.ToByteArray();
    }

    // A Gemm becomes a MatMul without bias; its weight keeps Gemm's (out × in) layout until the caller changes it.
    private static void ToBareMatMul(Node gemm)
    {
        gemm.OpType = "MatMul";
        gemm.Attribute.Clear();
        gemm.Input.RemoveAt(2);
    }

    private static void Damage(Model proto, string damage)
    {
        Graph graph = proto.Graph;
        switch (damage)
        {
            case "opset 8":
                proto.OpsetImport[0].Version = 8;
                break;
            case "opset 22":
                proto.OpsetImport[0].Version = 22;
                break;
            case "no opset":
                proto.OpsetImport.Clear();
                break;
            case "no output":
                graph.Output.Clear();
                break;
            case "no input":
                graph.Input.Clear();
                break;
            case "no graph":
                proto.Graph = null;
                break;
            case "softmax hidden":
            {
                // The first ReLU becomes a softmax.
                NodeNamed(proto, "dense0_relu").OpType = "Softmax";
                break;
            }
            case "layers do not chain":
            {
                // Layer 2's weight is (7 × 8) instead of (7 × 9).
                Tensor w = Initializer(proto, "dense1.weight");
                SetFloats(w, [7, 8], Floats(w)[..56]);
                break;
            }
            case "scaler length":
            {
                Tensor scale = Initializer(proto, "scaler.scale"), shift = Initializer(proto, "scaler.shift");
                SetFloats(scale, [11], Floats(scale)[..11]);
                SetFloats(shift, [11], Floats(shift)[..11]);
                break;
            }
            case "scale length only":
            {
                Tensor scale = Initializer(proto, "scaler.scale");
                SetFloats(scale, [11], Floats(scale)[..11]);
                break;
            }
            case "input is an initializer":
                // The only graph input is also an initializer, so nothing is left to feed.
                graph.Initializer.Add(new Tensor { Name = graph.Input[0].Name, DataType = (int)Tensor.Types.DataType.Float, Dims = { 1 }, RawData = ByteString.CopyFrom(new byte[4]) });
                break;
            case "weight rank 3":
            {
                Tensor w = Initializer(proto, "dense1.weight");
                SetFloats(w, [7, 9, 1], Floats(w));
                break;
            }
            case "matmul weight rank 1":
            {
                ToBareMatMul(NodeNamed(proto, "dense0"));
                Tensor w = Initializer(proto, "dense0.weight");
                SetFloats(w, [108], Floats(w));
                break;
            }
            case "bias length":
            {
                Tensor b = Initializer(proto, "dense1.bias");
                SetFloats(b, [3], Floats(b)[..3]);
                break;
            }
            case "matmul bias length":
            {
                // MatMul + Add, whose bias has 3 values for 9 outputs.
                Node gemm = NodeNamed(proto, "dense0");
                ToBareMatMul(gemm);
                gemm.Output[0] = "dense0.product";
                Tensor w = Initializer(proto, "dense0.weight");
                float[] values = Floats(w);
                SetFloats(w, [12, 9], Enumerable.Range(0, 108).Select(i => values[(i % 9) * 12 + i / 9]).ToArray());
                Tensor b = Initializer(proto, "dense0.bias");
                SetFloats(b, [3], Floats(b)[..3]);
                graph.Node.Insert(graph.Node.IndexOf(gemm) + 1, new Node { OpType = "Add", Name = "dense0_bias", Input = { "dense0.product", "dense0.bias" }, Output = { "dense0.z" } });
                break;
            }
            case "softmax axis 0":
                NodeNamed(proto, "dense2_softmax").Attribute.Single(a => a.Name == "axis").I = 0;
                break;
            case "computed weight":
                NodeNamed(proto, "dense1").Input[1] = "dense1.computed";
                break;
            case "external data":
                Initializer(proto, "dense0.weight").ExternalData.Add(new StringStringEntry { Key = "location", Value = "weights.bin" });
                break;
            case "external location":
                Initializer(proto, "dense0.weight").DataLocation = 1;
                break;
            case "negative dims":
                Initializer(proto, "dense0.bias").Dims[0] = -9;
                break;
            case "largest dims":
                Initializer(proto, "dense0.bias").Dims[0] = int.MaxValue / 8;
                break;
            case "too large dims":
                Initializer(proto, "dense0.bias").Dims[0] = int.MaxValue / 8 + 1;
                break;
            case "raw bytes":
            {
                Tensor b = Initializer(proto, "dense0.bias");
                b.RawData = ByteString.CopyFrom(b.RawData.Span[..35]);
                break;
            }
            case "double raw bytes":
            {
                Tensor b = Initializer(proto, "dense0.bias");
                b.DataType = (int)Tensor.Types.DataType.Double;
                b.RawData = ByteString.CopyFrom(new byte[70]);
                break;
            }
            case "value count":
            {
                Tensor b = Initializer(proto, "dense0.bias");
                float[] values = Floats(b);
                b.RawData = ByteString.Empty;
                b.FloatData.Add(values[..8]);
                break;
            }
            case "broken chain":
                NodeNamed(proto, "dense1").Input[0] = "dense0.z";   // skips the ReLU between them
                break;
            case "node without output":
                NodeNamed(proto, "dense1").Output.Clear();
                break;
            case "wrong graph output":
                graph.Output[0].Name = "elsewhere";
                break;
            case "no dense layer":
                // Keep only the preprocessing: a graph that scales and stops.
                while (graph.Node.Count > 2) graph.Node.RemoveAt(2);
                graph.Node[1].Output[0] = "output";
                break;
            case "add not after mul":
                NodeNamed(proto, "scaler_add").Input[0] = "input";
                break;
            case "unknown operator":
                NodeNamed(proto, "dense1").OpType = "Conv";
                break;
            default:
            {
                // A two-class step output: Gemm → GreaterOrEqual(0.5) → Cast.
                using var network = new Network<float>(new Sequential(new Dense(3, 1), new Step()));
                using var model = new TrainedModel<float>(network);
                Model step = OnnxExporter.Build(model);
                Node compare = step.Graph.Node.Single(n => n.OpType == "GreaterOrEqual");
                SetFloats(Initializer(step, compare.Input[1]), [], [0.5f]);
                proto.Graph = step.Graph;
                break;
            }
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(21)]
    public void OpsetsNineToTwentyOneAreRead(long version)
    {
        Model proto = Exported();
        proto.OpsetImport[0].Version = version;
        // Other domains and older default-domain entries do not decide: the newest default-domain opset does.
        proto.OpsetImport.Add(new OperatorSetId { Domain = "ai.onnx.ml", Version = 99 });
        proto.OpsetImport.Add(new OperatorSetId { Domain = "", Version = 1 });
        using TrainedModel<float> imported = OnnxImporter.Load<float>(proto.ToByteArray(), "opset.onnx");
        Assert.Equal(12, imported.Network.InputSize);
    }

    [Fact]
    public void DoubleWeightsAnEmptyBiasInputAndSoftmaxAxisOneAreRead()
    {
        using TrainedModel<float> original = Original();
        original.Network.Biases(1).Clear();
        Model proto = OnnxExporter.Build(original);
        // Layer 1's weight as raw doubles, layer 2's bias input left empty (zeros), softmax on axis 1.
        Tensor w = Initializer(proto, "dense0.weight");
        double[] doubles = Floats(w).Select(v => (double)v).ToArray();
        w.DataType = (int)Tensor.Types.DataType.Double;
        w.RawData = ByteString.CopyFrom(doubles.SelectMany(BitConverter.GetBytes).ToArray());
        NodeNamed(proto, "dense1").Input.RemoveAt(2);   // a Gemm with two inputs has no bias
        NodeNamed(proto, "dense2_softmax").Attribute.Single(a => a.Name == "axis").I = 1;
        // An initializer nothing uses, with a zero-length dimension, is read and ignored.
        proto.Graph.Initializer.Add(new Tensor { Name = "unused.empty", DataType = (int)Tensor.Types.DataType.Float, Dims = { 0, 3 } });

        using TrainedModel<float> imported = OnnxImporter.Load<float>(proto.ToByteArray(), "variants.onnx");
        float[] x = ExportParityTests.RawInputs(5, 12, seed: 3);
        float[] expected = new float[20], actual = new float[20];
        original.Predict(x, expected, 5);
        imported.Predict(x, actual, 5);
        for (int i = 0; i < 20; i++) Assert.Equal(expected[i], actual[i], 1e-6);
        Assert.Equal(original.Network.Biases(0).ToArray(), imported.Network.Biases(0).ToArray());
    }

    [Fact]
    public void IntegerInitializersAreIgnoredUnlessUsedAsWeights()
    {
        using TrainedModel<float> original = Original();
        Model proto = OnnxExporter.Build(original);
        // Shape constants of the kind PyTorch leaves behind, as int64 raw data and as int64_data: read and ignored.
        proto.Graph.Initializer.Add(new Tensor { Name = "shape.raw", DataType = (int)Tensor.Types.DataType.Int64, Dims = { 2 },
            RawData = ByteString.CopyFrom(new long[] { -1, 12 }.SelectMany(BitConverter.GetBytes).ToArray()) });
        proto.Graph.Initializer.Add(new Tensor { Name = "shape.list", DataType = (int)Tensor.Types.DataType.Int64, Dims = { 2 }, Int64Data = { -1, 12 } });
        using (TrainedModel<float> imported = OnnxImporter.Load<float>(proto.ToByteArray(), "shapes.onnx"))
        {
            Assert.Equal(original.Network.Parameters.ToArray(), imported.Network.Parameters.ToArray());
        }
        // An integer weight is not a network's weight.
        Tensor w = Initializer(proto, "dense0.weight");
        long[] integers = Floats(w).Select(v => (long)Math.Round(v * 100)).ToArray();
        w.DataType = (int)Tensor.Types.DataType.Int64;
        w.RawData = ByteString.CopyFrom(integers.SelectMany(BitConverter.GetBytes).ToArray());
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(proto.ToByteArray(), "int-weights.onnx"));
        Assert.Equal("int-weights.onnx: initializer 'dense0.weight' does not hold float or double values; a weight, bias or preprocessing constant must.", error.Message);
    }

    [Fact]
    public void MetadataGivesClassesScalingAndSummaryOrSensibleDefaults()
    {
        using (TrainedModel<float> imported = OnnxImporter.Load<float>(Exported().ToByteArray(), "with-metadata.onnx"))
        {
            Assert.Equal(["a", "b", "c", "d"], imported.ClassNames!);
            Assert.Equal(ScalingKind.Standard, imported.Scaler.Kind);
            Assert.Equal("random weights for parity tests", imported.Summary);
        }

        Model bare = Exported();
        bare.MetadataProps.Clear();
        using (TrainedModel<float> imported = OnnxImporter.Load<float>(bare.ToByteArray(), "/some/dir/bare.onnx"))
        {
            Assert.Null(imported.ClassNames);
            Assert.Equal(ScalingKind.MinMax, imported.Scaler.Kind);   // the scaling kind only labels the scaler
            Assert.Equal($"imported from bare.onnx (Nn {bare.ProducerVersion})", imported.Summary);
        }

        Model wrongCount = Exported();
        wrongCount.MetadataProps.Single(p => p.Key == "nn.classes").Value = JsonSerializer.Serialize(new[] { "a", "b" });
        using (TrainedModel<float> imported = OnnxImporter.Load<float>(wrongCount.ToByteArray(), "two-names.onnx"))
        {
            Assert.Null(imported.ClassNames);   // two names do not fit four outputs: dropped, not trusted
        }
    }

    [Fact]
    public void ExportsCarryTheirNamesAndMetadata()
    {
        Model proto = Exported();
        Assert.Equal("Nn", proto.ProducerName);
        Assert.Equal("nn", proto.Domain);
        Assert.Matches(@"^\d+\.\d+\.\d+$", proto.ProducerVersion);
        Assert.Equal("Nn multilayer perceptron 12-9-7-4 (Relu, Relu, Softmax)", proto.Graph.DocString);
        Assert.Equal(["scaler_mul", "scaler_add", "dense0", "dense0_relu", "dense1", "dense1_relu", "dense2", "dense2_softmax"],
            proto.Graph.Node.Select(n => n.Name));
        Assert.Equal(-1, NodeNamed(proto, "dense2_softmax").Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal("random weights for parity tests", proto.MetadataProps.Single(p => p.Key == "nn.training").Value);
        Assert.Contains("Dense(12, 9)", proto.MetadataProps.Single(p => p.Key == "nn.layers").Value);
        Assert.Equal(12, proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue);

        using var untitled = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Tanh(), new Dense(2, 1), new Sigmoid(), new Dense(1, 2), new LeakyRelu(0.2))));
        Model other = OnnxExporter.Build(untitled);
        Assert.DoesNotContain(other.MetadataProps, p => p.Key == "nn.training");   // no summary, no entry
        Assert.Equal(["dense0", "dense0_tanh", "dense1", "dense1_sigmoid", "dense2", "dense2_leakyrelu"], other.Graph.Node.Select(n => n.Name));
        // Every node's inputs and output, and the step's comparison and cast, by name.
        Assert.Equal(["scaler_mul: input, scaler.scale → scaled.mul", "scaler_add: scaled.mul, scaler.shift → scaled",
            "dense0: scaled, dense0.weight, dense0.bias → dense0.z", "dense0_relu: dense0.z → dense0.a"],
            proto.Graph.Node.Take(4).Select(n => $"{n.Name}: {string.Join(", ", n.Input)} → {n.Output.Single()}"));
        using var stepped = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Step(), new Dense(2, 1))));
        Model step = OnnxExporter.Build(stepped);
        Assert.Equal(["dense0: input, dense0.weight, dense0.bias → dense0.z", "dense0_step_compare: dense0.z, dense0.zero → dense0.positive",
            "dense0_step_cast: dense0.positive → dense0.a", "dense1: dense0.a, dense1.weight, dense1.bias → output"],
            step.Graph.Node.Select(n => $"{n.Name}: {string.Join(", ", n.Input)} → {n.Output.Single()}"));
        Assert.Contains(step.Graph.Initializer, t => t.Name == "dense0.zero");
        Assert.Throws<ArgumentNullException>(() => OnnxExporter.Build<float>(null!));
        Assert.Throws<ArgumentNullException>(() => OnnxExporter.Export(untitled, null!));
    }

    [Fact]
    public void MissingOrUnreadableFilesAreNamed()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"nn-missing-{Guid.NewGuid():N}.onnx");
        var error = Assert.Throws<FileNotFoundException>(() => OnnxImporter.Load<float>(missing));
        Assert.Equal($"ONNX file not found: {missing}", error.Message);
        Assert.Equal(missing, error.FileName);
        Assert.Null(OnnxImporter.ProducerOf(missing));
        string garbage = Path.Combine(Path.GetTempPath(), $"nn-garbage-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(garbage, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        try
        {
            Assert.Null(OnnxImporter.ProducerOf(garbage));
        }
        finally
        {
            File.Delete(garbage);
        }
        OnnxImportException unreadable = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>([0xff, 0xff, 0xff, 0xff, 0x0f], "garbage.onnx"));
        Assert.StartsWith("garbage.onnx is not a valid ONNX (protobuf) file: ", unreadable.Message);
    }
}
