using Nn.Files;
using Nn.Training;
using ScottPlot;

namespace Nn.Cli.Plots;

/// <summary>
/// The lectures' loss curve as a PNG: training and validation loss (solid, left axis) and accuracy (dotted, right
/// axis) against the epoch; colour tells training from validation. Written atomically.
/// </summary>
internal static class LossCurvePlot
{
    public const int Width = 1000, Height = 560;

    public static void Save(string path, IReadOnlyList<EpochRecord> epochs, string title)
    {
        var plot = new Plot();
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        Color training = Colors.C0, validation = Colors.C1;
        Add(plot, x, epochs.Select(e => (double?)e.TrainingLoss), "training loss", training, LinePattern.Solid, right: false);
        Add(plot, x, epochs.Select(e => e.ValidationLoss), "validation loss", validation, LinePattern.Solid, right: false);
        Add(plot, x, epochs.Select(e => e.TrainingAccuracy), "training accuracy", training, LinePattern.Dotted, right: true);
        Add(plot, x, epochs.Select(e => e.ValidationAccuracy), "validation accuracy", validation, LinePattern.Dotted, right: true);
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        if (epochs.Any(e => e.TrainingAccuracy is not null)) plot.Axes.Right.Label.Text = "accuracy";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Bottom);
        AtomicFile.Write(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }

    private static void Add(Plot plot, double[] x, IEnumerable<double?> values, string label, Color color, LinePattern pattern, bool right)
    {
        double?[] y = values.ToArray();
        if (y.Any(v => v is null))
        {
            return;   // no validation data, or a regression (no accuracy)
        }
        var series = plot.Add.Scatter(x, y.Select(v => v!.Value).ToArray());
        series.LegendText = label;
        series.Color = color;
        series.LinePattern = pattern;
        series.LineWidth = 2;
        series.MarkerSize = x.Length > 30 ? 0 : 5;
        if (right) series.Axes.YAxis = plot.Axes.Right;
    }
}
