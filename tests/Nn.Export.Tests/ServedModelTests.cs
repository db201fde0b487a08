using Nn.Checkpoints;
using Nn.Data;
using Nn.Serving;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>A served model loads from a checkpoint or an ONNX file, recognised by content, and predicts like the engine.</summary>
public sealed class ServedModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-served-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void CheckpointAndOnnxOfOneModelServeTheSameAnswers()
    {
        using TrainedModel<float> model = ExportParityTests.RandomModel("Relu", "Softmax", ScalingKind.Standard, seed: 4);
        string checkpoint = Path.Combine(_folder, "model.bin");   // the extension does not matter
        string onnx = Path.Combine(_folder, "model.data");
        Checkpoint.Save(checkpoint, model);
        OnnxExporter.Export(model, onnx);
        using ServedModel fromCheckpoint = ServedModel.Load(checkpoint), fromOnnx = ServedModel.Load(onnx);
        Assert.Equal("checkpoint", fromCheckpoint.Format);
        Assert.Equal("onnx", fromOnnx.Format);

        int d = model.Network.InputSize, k = model.Network.OutputSize;
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 20 * d).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();
        float[] expected = new float[20 * k], a = new float[20 * k], b = new float[20 * k];
        model.Predict(x, expected, 20);
        fromCheckpoint.Predictor.Predict(x, a, 20);
        fromOnnx.Predictor.Predict(x, b, 20);
        // ONNX stores the scaler in float, the checkpoint in double: the folded first layers differ by float rounding only.
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-5);
            Assert.Equal(expected[i], a[i], 1e-4);
        }
    }

    [Fact]
    public void AFileThatIsNeitherIsRefusedNamingIt()
    {
        string path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, "hello");
        OnnxImportException error = Assert.Throws<OnnxImportException>(() => ServedModel.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Throws<FileNotFoundException>(() => ServedModel.Load(Path.Combine(_folder, "missing.nnck")));
    }
}
