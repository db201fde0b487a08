using System.Text.Json;
using Nn.Checkpoints;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>The workflow after training, run as a user would: predict, eval, export, and import of an image-shaped PyTorch model.</summary>
public sealed class WorkflowTests(ITestOutputHelper log) : ToolFolderTests(log, "nn-cli-workflow-")
{
    [Fact]
    public void TrainSavePredictEvalExport()
    {
        Assert.Equal(0, Nn("train", "--quiet", "--epochs", "8", "--save", "digits.nnck", "--output", "digits.onnx").Code);
        (int code, string trained) = ToolProcess.Run(Folder, "eval", "--model", "digits.nnck");
        Assert.Equal(0, code);
        Assert.Contains("359 samples", trained);
        Assert.Contains("confusion (rows: true class, columns: predicted)", trained);
        // eval through the checkpoint and through the ONNX file report the same accuracy.
        string accuracy = trained.Split('\n').First(l => l.StartsWith("result", StringComparison.Ordinal))[..30];
        Assert.Contains(accuracy, Nn("eval", "--model", "digits.onnx").Output);

        var random = new Random(2);
        File.WriteAllLines(Path.Combine(Folder, "features.csv"),
            ["f" + string.Join(",f", Enumerable.Range(0, 64)), .. Enumerable.Range(0, 40).Select(_ => string.Join(",", Enumerable.Range(0, 64).Select(_ => random.Next(17))))]);
        Assert.Equal(0, Nn("predict", "--model", "digits.nnck", "--data", "features.csv", "--output", "out.csv", "--batch", "7").Code);
        string[] csv = File.ReadAllLines(Path.Combine(Folder, "out.csv"));
        Assert.Equal(41, csv.Length);
        Assert.StartsWith("class,name,p_0,", csv[0]);
        Assert.Equal(0, Nn("predict", "--model", "digits.onnx", "--data", "features.csv", "--output", "out.jsonl").Code);
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "out.jsonl"));
        Assert.Equal(40, lines.Length);
        for (int r = 0; r < 40; r++)
        {
            JsonElement row = JsonDocument.Parse(lines[r]).RootElement;
            Assert.Equal(r, row.GetProperty("row").GetInt32());
            Assert.Equal(int.Parse(csv[r + 1].Split(',')[0]), row.GetProperty("class").GetInt32());   // checkpoint and ONNX agree
        }

        (code, string plotted) = Nn("eval", "--model", "digits.nnck", "--plot", "confusion.png");
        Assert.Equal(0, code);
        Assert.Contains("720×720 PNG", plotted);
        byte[] png = File.ReadAllBytes(Path.Combine(Folder, "confusion.png"));
        Assert.Equal(720, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));

        Assert.Equal(0, Nn("export", "--model", "digits.nnck", "--onnx", "again.onnx").Code);
        Assert.True(File.Exists(Path.Combine(Folder, "again.onnx")));
    }

    [Fact]
    public void BadPredictInputsFailWithOneLineAndLeaveNoOutput()
    {
        Assert.Equal(0, Nn("train", "--quiet", "--epochs", "1", "--save", "m.nnck", "--output", "m.onnx").Code);
        File.WriteAllLines(Path.Combine(Folder, "short.csv"), ["1,2,3"]);
        File.WriteAllLines(Path.Combine(Folder, "text.csv"), [string.Join(",", Enumerable.Repeat("1", 63)) + ",x"]);
        (int code, string output) = Nn("predict", "--model", "m.nnck", "--data", "short.csv", "--output", "p.csv");
        Assert.Equal(2, code);
        Assert.Contains("short.csv, line 1: 3 values, but the model takes 64 features", output);
        (code, output) = Nn("predict", "--model", "m.nnck", "--data", "text.csv", "--output", "p.csv");
        Assert.Equal(2, code);
        Assert.Contains("column 64: 'x' is not a finite number", output);
        Assert.False(File.Exists(Path.Combine(Folder, "p.csv")));
        Assert.Empty(Directory.GetFiles(Folder, "*.tmp"));
        Assert.Contains("is not an Nn checkpoint", Nn("export", "--model", "m.onnx", "--onnx", "x.onnx").Output);
    }

    [Fact]
    public void ImportOfAnImageShapedPyTorchModelChecksParityWithoutAStackTrace()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_flatten_rank3.onnx");
        (int code, string output) = Nn("import", "--model", fixture);
        Assert.Equal(0, code);
        Assert.Contains("ONNX Runtime parity", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void PlotIsAPngOfTheStatedSize()
    {
        (int code, string output) = Nn("train", "--quiet", "--epochs", "5", "--output", "m.onnx", "--plot", "curve.png");
        Assert.Equal(0, code);
        Assert.Contains("1000×560 PNG", output);
        byte[] png = File.ReadAllBytes(Path.Combine(Folder, "curve.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(1000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(560, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

        (code, output) = Nn("train", "--quiet", "--epochs", "1", "--output", "m.onnx", "--plot", "curve.txt");
        Assert.Equal(2, code);
        Assert.Contains("--plot writes a PNG", output);
    }

    [Fact]
    public void PredictReadsIdxImages()
    {
        Assert.Equal(0, Nn("train", "--quiet", "--epochs", "3", "--save", "d.nnck", "--output", "d.onnx").Code);
        var random = new Random(5);
        byte[] header = [0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 8];   // unsigned bytes, 5 images of 8 × 8
        File.WriteAllBytes(Path.Combine(Folder, "images-idx3-ubyte"), [.. header, .. Enumerable.Range(0, 5 * 64).Select(_ => (byte)random.Next(17))]);
        (int code, string output) = Nn("predict", "--model", "d.nnck", "--data", "images-idx3-ubyte", "--output", "p.jsonl");
        Assert.Equal(0, code);
        Assert.Contains("5 samples", output);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(Folder, "p.jsonl")).Length);
    }

    [Fact]
    public void TheWorkflowOnACsvWithStringLabels()
    {
        // Three well-separated classes in four features, labels as words, in the label column "species".
        var random = new Random(3);
        string[] species = ["setosa", "versicolor", "virginica"];
        string Row(int c) => string.Join(",", Enumerable.Range(0, 4).Select(f => (c * 3 + f * 0.5 + random.NextDouble()).ToString("F3", System.Globalization.CultureInfo.InvariantCulture)));
        var rows = Enumerable.Range(0, 150).Select(i => (Class: i % 3, Text: Row(i % 3))).ToArray();
        File.WriteAllLines(Path.Combine(Folder, "flowers.csv"), ["a,b,c,d,species", .. rows.Select(r => $"{r.Text},{species[r.Class]}")]);
        File.WriteAllLines(Path.Combine(Folder, "unlabelled.csv"), ["a,b,c,d", .. rows.Take(9).Select(r => r.Text)]);

        Assert.Equal(0, Nn("train", "--quiet", "--data", "flowers.csv", "--label", "species", "--epochs", "40", "--save", "f.nnck", "--output", "f.onnx").Code);
        Assert.Equal(0, Nn("predict", "--model", "f.nnck", "--data", "unlabelled.csv", "--output", "f.csv").Code);
        string[] predicted = File.ReadAllLines(Path.Combine(Folder, "f.csv"));
        Assert.Equal("class,name,p_setosa,p_versicolor,p_virginica", predicted[0]);
        for (int r = 0; r < 9; r++) Assert.Equal(species[rows[r].Class], predicted[r + 1].Split(',')[1]);
        (int code, string evaluated) = Nn("eval", "--model", "f.onnx", "--data", "flowers.csv", "--label", "species");
        Assert.Equal(0, code);
        Assert.Contains("on flowers.csv: 150 samples", evaluated.Replace(Path.Combine(Folder, ""), ""));
        Assert.Contains("accuracy 100.00 %", evaluated);
        Assert.Equal(0, Nn("export", "--model", "f.nnck", "--onnx", "f2.onnx").Code);
    }
}
