using System.Globalization;
using Nn.Data;
using Nn.Export;
using Nn.Serving;

namespace Nn.Cli.Commands;

/// <summary>
/// nn eval: scores a checkpoint or ONNX classifier on labelled data (a built-in data set's held-out split, or a whole CSV
/// file with a label column): cross-entropy loss (for probability outputs), accuracy, per-class precision/recall/F1 and
/// the confusion matrix. Data labels are matched to the model's classes by name.
/// </summary>
internal static class EvalCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "model", "data", "label", "plot", "seed", "force", "blas", "threads" };

    public static int Run(Arguments args, TextWriter output)
    {
        string modelPath = args.OptionalText("model") ?? throw new UsageException("eval needs --model path/to/model (an Nn checkpoint or an ONNX file).");
        string source = args.Text("data", "digits");
        int seed = args.Int("seed", 1, 0);
        string? plotPath = args.OptionalText("plot");
        if (plotPath is not null) ModelFiles.CheckPlot(plotPath, args.Has("force"));
        InfoCommand.ConfigureBlas(args);
        using ServedModel served = ServedModel.Load(modelPath);
        Predictor predictor = served.Predictor;
        if (!predictor.IsClassifier)
        {
            throw new UsageException($"{modelPath} is a regression model; eval reports classification metrics.");
        }
        using DataSet<float> data = Load(source, args.OptionalText("label"), seed);
        if (!data.IsClassification) throw new UsageException($"{data.Source} has no class labels.");
        if (data.FeatureCount != predictor.InputSize)
        {
            throw new UsageException($"{data.Source} has {data.FeatureCount} features but the model takes {predictor.InputSize}.");
        }
        int classes = predictor.ClassCount;
        int[] toModel = data.ClassNames!.Select(name => ClassIndex(predictor, name, data.Source)).ToArray();

        int n = data.Count, k = predictor.OutputSize;
        var outputs = new float[n * k];
        predictor.Predict(data.Features, outputs, n);
        var confusion = new long[classes, classes];
        double loss = 0;
        bool probabilities = predictor.Architecture.OutputActivation is Softmax or Sigmoid;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = outputs.AsSpan(i * k, k);
            int truth = toModel[data.Labels[i]];
            int predicted = k == 1 ? (row[0] >= 0.5f ? 1 : 0) : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
            confusion[truth, predicted]++;
            if (probabilities)
            {
                double p = k == 1 ? (truth == 1 ? row[0] : 1 - row[0]) : row[truth];
                loss -= Math.Log(Math.Max(p, 1e-12));
            }
        }
        long correct = Enumerable.Range(0, classes).Sum(c => confusion[c, c]);
        output.WriteLine($"eval      {served.Path} ({served.Format}) on {data.Source}: {n} samples");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result    accuracy {(double)correct / n:P2}{(probabilities ? $", cross-entropy {loss / n:F4}" : "")}"));
        output.WriteLine($"{"class",-16} {"precision",9} {"recall",9} {"f1",9} {"support",8}");
        for (int c = 0; c < classes; c++)
        {
            long predictedC = Enumerable.Range(0, classes).Sum(t => confusion[t, c]);
            long actualC = Enumerable.Range(0, classes).Sum(p => confusion[c, p]);
            double precision = predictedC == 0 ? 0 : (double)confusion[c, c] / predictedC;
            double recall = actualC == 0 ? 0 : (double)confusion[c, c] / actualC;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Truncate(predictor.ClassName(c)),-16} {precision,9:F4} {recall,9:F4} {f1,9:F4} {actualC,8}"));
        }
        output.WriteLine("confusion (rows: true class, columns: predicted)");
        output.WriteLine($"{"",-16} " + string.Join(" ", Enumerable.Range(0, classes).Select(c => $"{Truncate(predictor.ClassName(c), 6),6}")));
        for (int t = 0; t < classes; t++)
        {
            output.WriteLine($"{Truncate(predictor.ClassName(t)),-16} " + string.Join(" ", Enumerable.Range(0, classes).Select(p => $"{confusion[t, p],6}")));
        }
        if (plotPath is not null)
        {
            string[] names = Enumerable.Range(0, classes).Select(predictor.ClassName).ToArray();
            Plots.ConfusionMatrixPlot.Save(plotPath, confusion, names, $"{data.Source}: accuracy {(double)correct / n:P2}");
            output.WriteLine($"plot      wrote {Path.GetFullPath(plotPath)} ({Plots.ConfusionMatrixPlot.Size}×{Plots.ConfusionMatrixPlot.Size} PNG)");
        }
        return 0;
    }

    // A built-in name evaluates its held-out split (as nn train reports it); a file is evaluated whole.
    private static DataSet<float> Load(string source, string? label, int seed)
    {
        if (File.Exists(source))
        {
            CsvOptions options = label is null ? new CsvOptions()
                : int.TryParse(label, out int index) ? new CsvOptions { LabelColumnIndex = index } : new CsvOptions { LabelColumn = label };
            return CsvReader.Load<float>(source, options);
        }
        (DataSet<float> train, DataSet<float> test) = DataSources.Load(source, label, seed);
        train.Dispose();
        return test;
    }

    private static int ClassIndex(Predictor predictor, string name, string source)
    {
        for (int c = 0; c < predictor.ClassCount; c++)
        {
            if (predictor.ClassName(c) == name) return c;
        }
        throw new UsageException($"{source} has the label '{name}', which is not one of the model's classes ({string.Join(", ", Enumerable.Range(0, predictor.ClassCount).Select(predictor.ClassName))}).");
    }

    private static string Truncate(string text, int width = 16) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
