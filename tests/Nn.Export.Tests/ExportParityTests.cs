using Nn.Data;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>Exported models run in ONNX Runtime exactly as in the engine, and pass the reference checker.</summary>
public sealed class ExportParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string hidden in new[] { "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Identity" })
        foreach (string last in new[] { "Softmax", "Sigmoid", "Identity", "Tanh", "Relu", "LeakyRelu", "Step" })
        {
            data.Add(hidden, last);
        }
        return data;
    }

    internal static Activation Make(string name) => name switch
    {
        "Relu" => new Relu(),
        "Sigmoid" => new Sigmoid(),
        "Tanh" => new Tanh(),
        "LeakyRelu" => new LeakyRelu(0.05),
        "Softmax" => new Softmax(),
        "Step" => new Step(),
        _ => new Identity(),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EngineAndOnnxRuntimeAgreeForBatchesOf1And7And1000(string hidden, string last)
    {
        using TrainedModel<float> model = RandomModel(hidden, last, ScalingKind.Standard, seed: hidden.Length * 7 + last.Length);
        byte[] onnx = OnnxExporter.ToBytes(model);
        foreach (int batch in new[] { 1, 7, 1000 })
        {
            float[] raw = RawInputs(batch, 12, seed: batch);
            ParityReport report = OnnxParity.Check(model, onnx, raw, batch);
            output.WriteLine($"{hidden}/{last} batch {batch}: {report}");
            Assert.True(report.MaxAbsoluteDifference <= 1e-5, report.ToString());
        }
    }

    [Theory]
    [InlineData("Relu", "Softmax", ScalingKind.MinMax)]
    [InlineData("LeakyRelu", "Step", ScalingKind.None)]
    [InlineData("Tanh", "Identity", ScalingKind.Standard)]
    [InlineData("Sigmoid", "Sigmoid", ScalingKind.None)]
    public void ReferenceCheckerAcceptsExports(string hidden, string last, ScalingKind scaling)
    {
        using TrainedModel<float> model = RandomModel(hidden, last, scaling, seed: 3);
        string path = Path.Combine(Path.GetTempPath(), $"nn-check-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(model, path);
            OnnxChecker.Check(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReferenceCheckerAcceptsEveryActivationAndOutputType()
    {
        string directory = Directory.CreateTempSubdirectory("nn-check-").FullName;
        try
        {
            var paths = new List<string>();
            foreach (var row in Cases())
            {
                (string hidden, string last) = row.Data;
                using TrainedModel<float> model = RandomModel(hidden, last, ScalingKind.Standard, seed: 5);
                string path = Path.Combine(directory, $"{hidden}-{last}.onnx");
                OnnxExporter.Export(model, path);
                paths.Add(path);
            }
            OnnxChecker.CheckAll(paths);
            output.WriteLine($"onnx.checker (full_check) accepted {paths.Count} exports");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void StepExportUsesGreaterOrEqualSoZeroMapsToOne()
    {
        var network = new Network<float>(new Sequential(new Dense(1, 1), new Step()));
        network.Weights(0)[0] = 1;
        using var model = new TrainedModel<float>(network);
        float[] runtime = OnnxParity.Run<float>(OnnxExporter.ToBytes(model), [-1f, 0f, 2f], 3, 1);
        Assert.Equal([0f, 1f, 1f], runtime);
    }

    [Fact]
    public void ModelDeclaresPinnedVersionsNamesAndMetadata()
    {
        using TrainedModel<float> model = RandomModel("Relu", "Softmax", ScalingKind.MinMax, seed: 1);
        Onnx.Protos.Model proto = OnnxExporter.Build(model);
        Assert.Equal(7, proto.IrVersion);
        Assert.Equal(13, proto.OpsetImport.Single().Version);
        Assert.Equal(OnnxNames.Input, proto.Graph.Input.Single().Name);
        Assert.Equal(OnnxNames.Output, proto.Graph.Output.Single().Name);
        Assert.Equal(OnnxNames.BatchDimension, proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.DoesNotContain(proto.Graph.Input, i => i.Name.Contains("weight"));
        Assert.Contains(proto.MetadataProps, p => p.Key == OnnxNames.ArchitectureKey && p.Value.StartsWith("12-"));
        Assert.Contains(proto.MetadataProps, p => p.Key == OnnxNames.ClassesKey);
        Assert.Equal(["Mul", "Add", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"], proto.Graph.Node.Select(n => n.OpType));
    }

    internal static TrainedModel<float> RandomModel(string hidden, string last, ScalingKind scaling, int seed)
    {
        var architecture = new Sequential(new Dense(12, 9), Make(hidden), new Dense(9, 7), Make(hidden), new Dense(7, 4), Make(last));
        var network = new Network<float>(architecture, new NetworkOptions { Seed = seed });
        var random = new Random(seed);
        for (int l = 0; l < network.LayerCount; l++)
        {
            foreach (ref float b in network.Biases(l)) b = (float)(random.NextDouble() - 0.5);
        }
        using DataSet<float> fit = DataSet.FromRegression<float>(RawInputs(50, 12, seed), 12, new float[50], 1);
        FeatureScaler scaler = FeatureScaler.Fit(fit, scaling);
        string[]? classes = last == "Softmax" ? ["a", "b", "c", "d"] : null;
        return new TrainedModel<float>(network, scaler, classes, "random weights for parity tests");
    }

    // Raw features on different scales, as a real data set has, so the preprocessing matters.
    internal static float[] RawInputs(int batch, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[batch * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * (1 + i % features) * 3 + i % features);
        return x;
    }
}
