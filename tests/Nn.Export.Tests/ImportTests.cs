using System.Text.Json;
using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Export.Tests;

public sealed class ImportTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    [Theory]
    [InlineData("Relu", "Softmax", ScalingKind.MinMax)]
    [InlineData("LeakyRelu", "Step", ScalingKind.Standard)]
    [InlineData("Tanh", "Sigmoid", ScalingKind.None)]
    [InlineData("Sigmoid", "Identity", ScalingKind.Standard)]
    public void OwnExportsRoundTripBitIdentically(string hidden, string last, ScalingKind scaling)
    {
        using TrainedModel<float> original = ExportParityTests.RandomModel(hidden, last, scaling, seed: 9);
        using TrainedModel<float> imported = OnnxImporter.Load<float>(OnnxExporter.ToBytes(original));
        Assert.Equal(original.Network.Architecture.ToString(), imported.Network.Architecture.ToString());
        Assert.Equal(original.Network.Parameters.ToArray(), imported.Network.Parameters.ToArray());
        Assert.Equal(original.Scaler.Kind, imported.Scaler.Kind);
        Assert.Equal(original.Scaler.Scale.Select(v => (float)v), imported.Scaler.Scale.Select(v => (float)v));
        Assert.Equal(original.ClassNames, imported.ClassNames);
        if (original.Network.Architecture.Blocks[1].Activation is LeakyRelu leaky)
        {
            Assert.Equal((float)leaky.NegativeSlope, (float)((LeakyRelu)imported.Network.Architecture.Blocks[1].Activation).NegativeSlope);
        }
    }

    [Theory]
    [InlineData("torch_gemm_opset13")]
    [InlineData("torch_matmul_opset17")]
    [InlineData("torch_flatten_rank3")]
    public void PyTorchExportsImportPredictLikeOnnxRuntimeAndExportAgain(string name)
    {
        byte[] bytes = File.ReadAllBytes(Fixture(name + ".onnx"));
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".json")));
        float[] inputs = json.RootElement.GetProperty("inputs").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        float[] torchOutputs = json.RootElement.GetProperty("outputs").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        int batch = json.RootElement.GetProperty("batch").GetInt32();

        using TrainedModel<float> model = OnnxImporter.Load<float>(Fixture(name + ".onnx"));
        output.WriteLine($"{name}: {model.Network.Architecture}");
        ParityReport report = OnnxParity.Check(model, bytes, inputs, batch);
        output.WriteLine(report.ToString());
        Assert.True(report.MaxAbsoluteDifference <= 1e-5, report.ToString());

        float[] engine = new float[torchOutputs.Length];
        model.Predict(inputs, engine, batch);
        for (int i = 0; i < engine.Length; i++) Assert.Equal(torchOutputs[i], engine[i], 1e-5f);

        byte[] again = OnnxExporter.ToBytes(model);
        Assert.True(OnnxParity.Check(model, again, inputs, batch).MaxAbsoluteDifference <= 1e-5);
        using TrainedModel<float> twice = OnnxImporter.Load<float>(again);
        Assert.Equal(model.Network.Parameters.ToArray(), twice.Network.Parameters.ToArray());
    }

    [Fact]
    public void ImportedNetworkCanBeTrainedFurther()
    {
        using TrainedModel<float> model = OnnxImporter.Load<float>(Fixture("torch_gemm_opset13.onnx"));
        var random = new Random(1);
        float[] x = Enumerable.Range(0, 60 * 6).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, 60).Select(i => x[i * 6] > 0.5f ? 1 : 0).ToArray();
        using DataSet<float> data = DataSet.FromClassification<float>(x, 6, labels, ["0", "1", "2"]);
        var loss = new CategoricalCrossEntropy();
        double before = Trainer.Evaluate(model.Network, data, loss).Loss;
        Trainer.Fit(model.Network, data, new TrainingOptions { Loss = loss, Optimizer = new Adam(1e-2), Epochs = 30, BatchSize = 10 });
        double after = Trainer.Evaluate(model.Network, data, loss).Loss;
        Assert.True(after < before, $"loss {before} -> {after}");
    }

    [Fact]
    public void UnsupportedGraphListsTheNodes()
    {
        using TrainedModel<float> model = ExportParityTests.RandomModel("Relu", "Softmax", ScalingKind.None, seed: 2);
        Onnx.Protos.Model proto = OnnxExporter.Build(model);
        proto.Graph.Node.Insert(2, new Onnx.Protos.Node { OpType = "Conv", Name = "conv0", Input = { "dense0.z" }, Output = { "conv0.y" } });
        proto.Graph.Node[3].Input[0] = "conv0.y";
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(Google.Protobuf.MessageExtensions.ToByteArray(proto), "conv.onnx"));
        output.WriteLine(error.Message);
        Assert.Contains("'conv0' (Conv)", error.Message);
        Assert.Contains("conv.onnx", error.Message);
    }

    [Fact]
    public void CorruptFileIsRejectedWithItsName()
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>([0xff, 0xff, 0xff, 0x01, 0x02], "broken.onnx"));
        Assert.Contains("broken.onnx", error.Message);
    }

    [Fact]
    public void ExportOverwritesAtomically()
    {
        using TrainedModel<float> model = ExportParityTests.RandomModel("Relu", "Softmax", ScalingKind.None, seed: 4);
        string path = Path.Combine(Path.GetTempPath(), $"nn-atomic-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllText(path, "old");
            OnnxExporter.Export(model, path);
            using TrainedModel<float> back = OnnxImporter.Load<float>(path);
            Assert.Equal(model.Network.Parameters.ToArray(), back.Network.Parameters.ToArray());
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + ".tmp-*"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { -1, 64 }, 64, new[] { 5, 64 })]
    [InlineData(new[] { -1, 8, 8 }, 64, new[] { 5, 8, 8 })]
    [InlineData(new[] { -1, 1, 8, -1 }, 64, new[] { 5, 1, 8, 8 })]
    public void TheParityCheckFeedsTheModelsOwnInputShape(int[] declared, int features, int[] expected) =>
        Assert.Equal(expected, OnnxParity.InputShape(declared, 5, features));

    [Fact]
    public void AnInputShapeThatCannotHoldTheFeaturesIsAnImportError() =>
        Assert.Contains("cannot hold 64 features", Assert.Throws<OnnxImportException>(() => OnnxParity.InputShape([-1, 7, 7], 5, 64)).Message);
}
