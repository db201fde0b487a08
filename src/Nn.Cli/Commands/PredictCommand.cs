using System.Globalization;
using System.Text;
using Nn.Export;
using Nn.Files;
using Nn.Serving;

namespace Nn.Cli.Commands;

/// <summary>
/// nn predict: runs a checkpoint or ONNX model over a CSV of raw features (one sample per line, every column a feature,
/// an optional header) in batches, and writes each sample's class, class name and probabilities, or its values, as CSV
/// or JSON lines. The output replaces an existing file only once it is complete.
/// </summary>
internal static class PredictCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "model", "data", "output", "format", "batch", "force", "blas", "threads" };

    public static int Run(Arguments args, TextWriter output)
    {
        string modelPath = args.OptionalText("model") ?? throw new UsageException("predict needs --model path/to/model (an Nn checkpoint or an ONNX file).");
        string dataPath = args.OptionalText("data") ?? throw new UsageException("predict needs --data path/to/features.csv (one sample per line, raw features).");
        string? outputPath = args.OptionalText("output");
        string format = args.Choice("format", outputPath?.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) == true ? "jsonl" : "csv",
            new Dictionary<string, string> { ["csv"] = "csv", ["jsonl"] = "jsonl" });
        int batch = args.Int("batch", 1024, 1, 1 << 20);
        if (outputPath is not null) ModelFiles.CheckWritable(outputPath, args.Has("force"), onlyNnFiles: false);
        if (!File.Exists(dataPath)) throw new UsageException($"--data {dataPath} does not exist.");
        InfoCommand.ConfigureBlas(args);

        using ServedModel served = ServedModel.Load(modelPath);
        Predictor predictor = served.Predictor;
        int count = 0;
        void Write(Stream stream)
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            if (format == "csv") writer.WriteLine(Header(predictor));
            count = Predict(predictor, dataPath, batch, (row, values) => writer.WriteLine(format == "csv" ? CsvLine(predictor, values) : JsonLine(predictor, row, values)));
        }
        if (outputPath is null)
        {
            using Stream stdout = Console.OpenStandardOutput();
            Write(stdout);
        }
        else
        {
            AtomicFile.Write(outputPath, Write);
            output.WriteLine($"predict   {count} samples from {dataPath} through {served.Path} ({served.Format}) -> {Path.GetFullPath(outputPath)}");
        }
        return 0;
    }

    /// <summary>Streams the data (CSV, or an IDX images file) through the predictor in batches; calls <paramref name="emit"/> per sample in order.</summary>
    internal static int Predict(Predictor predictor, string path, int batch, Action<int, ReadOnlySpan<float>> emit)
    {
        if (IsIdx(path)) return PredictIdx(predictor, path, batch, emit);
        int d = predictor.InputSize, k = predictor.OutputSize;
        float[] inputs = new float[batch * d], outputs = new float[batch * k];
        int rows = 0, total = 0, lineNumber = 0;
        void Flush()
        {
            if (rows == 0) return;
            predictor.Predict(inputs.AsSpan(0, rows * d), outputs.AsSpan(0, rows * k), rows);
            for (int r = 0; r < rows; r++) emit(total + r, outputs.AsSpan(r * k, k));
            total += rows;
            rows = 0;
        }
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] cells = line.Split(',');
            if (lineNumber == 1 && !float.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue;   // header
            if (cells.Length != d)
            {
                throw new UsageException($"{path}, line {lineNumber}: {cells.Length} values, but the model takes {d} features per sample.");
            }
            for (int c = 0; c < d; c++)
            {
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                {
                    throw new UsageException($"{path}, line {lineNumber}, column {c + 1}: '{cells[c]}' is not a finite number.");
                }
                inputs[rows * d + c] = value;
            }
            if (++rows == batch) Flush();
        }
        Flush();
        if (total == 0) throw new UsageException($"{path} holds no samples.");
        return total;
    }

    // IDX (MNIST format) files start with two zero bytes, a type code and a rank; compressed ones with the gzip magic and an idx name.
    private static bool IsIdx(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.Contains("-idx") || name.EndsWith(".idx", StringComparison.Ordinal) || name.EndsWith(".idx.gz", StringComparison.Ordinal)) return true;
        using FileStream file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return file.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] >= 2;
    }

    private static int PredictIdx(Predictor predictor, string path, int batch, Action<int, ReadOnlySpan<float>> emit)
    {
        (Nn.Native.Memory.AlignedBuffer<float> features, int count, int d) = Nn.Data.IdxReader.LoadFeatures<float>(path);
        using (features)
        {
            if (d != predictor.InputSize)
            {
                throw new UsageException($"{path} holds samples of {d} values, but the model takes {predictor.InputSize} features.");
            }
            int k = predictor.OutputSize;
            var outputs = new float[Math.Min(batch, Math.Max(1, count)) * k];
            for (int start = 0; start < count; start += batch)
            {
                int rows = Math.Min(batch, count - start);
                predictor.Predict(features.Span.Slice(start * d, rows * d), outputs.AsSpan(0, rows * k), rows);
                for (int r = 0; r < rows; r++) emit(start + r, outputs.AsSpan(r * k, k));
            }
            if (count == 0) throw new UsageException($"{path} holds no samples.");
            return count;
        }
    }

    // Lines of a text file, gunzipped when it starts with the gzip magic.
    private static IEnumerable<string> ReadLines(string path)
    {
        using FileStream file = File.OpenRead(path);
        bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzip ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static string Header(Predictor p) => p.IsClassifier
        ? "class,name," + string.Join(",", Enumerable.Range(0, p.ClassCount).Select(c => "p_" + Quote(p.ClassName(c))))
        : string.Join(",", Enumerable.Range(0, p.OutputSize).Select(j => $"value_{j}"));

    private static string CsvLine(Predictor p, ReadOnlySpan<float> values)
    {
        var text = new StringBuilder();
        if (p.IsClassifier)
        {
            int best = Best(p, values);
            text.Append(best).Append(',').Append(Quote(p.ClassName(best)));
            if (p.OutputSize == 1) text.Append(',').Append(Format(1 - values[0]));
            foreach (float v in values) text.Append(',').Append(Format(v));
            return text.ToString();
        }
        for (int j = 0; j < values.Length; j++) text.Append(j == 0 ? "" : ",").Append(Format(values[j]));
        return text.ToString();
    }

    private static string JsonLine(Predictor p, int row, ReadOnlySpan<float> values)
    {
        string numbers = string.Join(", ", (p.OutputSize == 1 && p.IsClassifier ? [1 - values[0], .. values] : values.ToArray()).Select(Format));
        if (!p.IsClassifier) return $"{{\"row\": {row}, \"values\": [{numbers}]}}";
        int best = Best(p, values);
        return $"{{\"row\": {row}, \"class\": {best}, \"name\": {System.Text.Json.JsonSerializer.Serialize(p.ClassName(best))}, \"probabilities\": [{numbers}]}}";
    }

    private static int Best(Predictor p, ReadOnlySpan<float> values) =>
        p.OutputSize == 1 ? (values[0] >= 0.5f ? 1 : 0) : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(values);

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
