using Google.Protobuf;
using Nn.Data;
using Nn.Export.Onnx.Protos;
using Xunit;
using Attribute = Nn.Export.Onnx.Protos.Attribute;

namespace Nn.Export.Tests;

/// <summary>
/// The graph shapes the importer promises to read, made by rewriting Nn's own export into each form (so the expected
/// answer is the original model's), and the attributes it must refuse.
/// </summary>
public sealed class ImporterCaseTests
{
    private static TrainedModel<float> Original() => ExportParityTests.RandomModel("Relu", "Softmax", ScalingKind.Standard, seed: 7);

    private static Tensor Initializer(Model proto, string name) => proto.Graph.Initializer.Single(t => t.Name == name);

    private static float[] Values(Tensor t) => Enumerable.Range(0, t.RawData.Length / 4).Select(i => BitConverter.ToSingle(t.RawData.Span[(i * 4)..])).ToArray();

    private static void SetValues(Tensor t, long[] dims, float[] values)
    {
        t.Dims.Clear();
        t.Dims.Add(dims);
        t.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
    }

    // W stored (out × in) becomes (in × out).
    private static void TransposeWeight(Model proto, string name)
    {
        Tensor w = Initializer(proto, name);
        int rows = (int)w.Dims[0], cols = (int)w.Dims[1];
        float[] values = Values(w);
        SetValues(w, [cols, rows], Enumerable.Range(0, rows * cols).Select(i => values[(i % rows) * cols + i / rows]).ToArray());
    }

    private static void AssertPredictsLikeTheOriginal(TrainedModel<float> original, Model proto)
    {
        using TrainedModel<float> imported = OnnxImporter.Load<float>(proto.ToByteArray(), "rewritten.onnx");
        int d = original.Network.InputSize, k = original.Network.OutputSize;
        var random = new Random(2);
        float[] x = Enumerable.Range(0, 6 * d).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        float[] expected = new float[6 * k], actual = new float[6 * k];
        original.Predict(x, expected, 6);
        imported.Predict(x, actual, 6);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [Fact]
    public void GemmWithTransBZeroReadsAnInputMajorWeight()
    {
        using TrainedModel<float> original = Original();
        Model proto = OnnxExporter.Build(original);
        Node gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        TransposeWeight(proto, gemm.Input[1]);
        gemm.Attribute.Single(a => a.Name == "transB").I = 0;
        AssertPredictsLikeTheOriginal(original, proto);
    }

    [Fact]
    public void BareMatMulIsALayerWithoutBias()
    {
        using TrainedModel<float> original = Original();
        original.Network.Biases(0).Clear();
        Model proto = OnnxExporter.Build(original);
        Node gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        TransposeWeight(proto, gemm.Input[1]);
        gemm.OpType = "MatMul";
        gemm.Attribute.Clear();
        gemm.Input.RemoveAt(2);
        AssertPredictsLikeTheOriginal(original, proto);
    }

    [Fact]
    public void AOneValueBiasBroadcastsOverTheOutputs()
    {
        using TrainedModel<float> original = Original();
        original.Network.Biases(1).Fill(0.25f);
        Model proto = OnnxExporter.Build(original);
        Node second = proto.Graph.Node.Where(n => n.OpType == "Gemm").ElementAt(1);
        SetValues(Initializer(proto, second.Input[2]), [1], [0.25f]);
        AssertPredictsLikeTheOriginal(original, proto);
    }

    [Fact]
    public void ARankFourImageInputBehindFlattenImports()
    {
        using TrainedModel<float> original = Original();   // 12 features, read as 1 × 3 × 4 images
        Model proto = OnnxExporter.Build(original);
        string input = proto.Graph.Input[0].Name;
        proto.Graph.Node.First(n => n.Input.Contains(input)).Input[0] = "flat";
        var flatten = new Node { OpType = "Flatten", Name = "flatten", Input = { input }, Output = { "flat" } };
        flatten.Attribute.Add(new Attribute { Name = "axis", Type = Attribute.Types.AttributeType.Int, I = 1 });
        proto.Graph.Node.Insert(0, flatten);
        TensorShape shape = proto.Graph.Input[0].Type.TensorType.Shape;
        shape.Dim.RemoveAt(1);
        foreach (long size in new long[] { 1, 3, 4 }) shape.Dim.Add(new TensorShape.Types.Dimension { DimValue = size });
        AssertPredictsLikeTheOriginal(original, proto);

        var random = new Random(4);
        float[] x = Enumerable.Range(0, 5 * 12).Select(_ => (float)random.NextDouble()).ToArray();
        Assert.True(OnnxParity.Check(original, proto.ToByteArray(), x, 5).MaxAbsoluteDifference < 1e-5);   // fed as [5, 1, 3, 4]
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "transA", "has transA = 1" }, { "alpha", "has alpha or beta other than 1" }, { "beta", "has alpha or beta other than 1" },
        { "flatten", "flattens at an axis other than 1" }, { "conv", "(Conv)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void AttributesTheEngineCannotRepresentAreRefusedByName(string change, string message)
    {
        using TrainedModel<float> original = Original();
        Model proto = OnnxExporter.Build(original);
        Node gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        switch (change)
        {
            case "transA":
                gemm.Attribute.Add(new Attribute { Name = "transA", Type = Attribute.Types.AttributeType.Int, I = 1 });
                break;
            case "alpha":
            case "beta":
                gemm.Attribute.Add(new Attribute { Name = change, Type = Attribute.Types.AttributeType.Float, F = 2f });
                break;
            case "flatten":
                string input = proto.Graph.Input[0].Name;
                proto.Graph.Node.First(n => n.Input.Contains(input)).Input[0] = "flat";
                var flatten = new Node { OpType = "Flatten", Name = "flatten", Input = { input }, Output = { "flat" } };
                flatten.Attribute.Add(new Attribute { Name = "axis", Type = Attribute.Types.AttributeType.Int, I = 2 });
                proto.Graph.Node.Insert(0, flatten);
                break;
            default:
                gemm.OpType = "Conv";
                break;
        }
        OnnxImportException error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(proto.ToByteArray(), "refused.onnx"));
        Assert.Contains("refused.onnx", error.Message);
        Assert.Contains(message, error.Message);
    }
}
