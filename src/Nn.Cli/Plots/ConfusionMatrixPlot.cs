using Nn.Files;
using ScottPlot;

namespace Nn.Cli.Plots;

/// <summary>The confusion matrix as a PNG heatmap: true class down, predicted class across, each cell labelled with its count.</summary>
internal static class ConfusionMatrixPlot
{
    public const int Size = 720;

    public static void Save(string path, long[,] confusion, IReadOnlyList<string> names, string title)
    {
        int classes = names.Count;
        var rowShare = new double[classes, classes];
        for (int t = 0; t < classes; t++)
        {
            long total = 0;
            for (int p = 0; p < classes; p++) total += confusion[t, p];
            // Shade by the share of the true class, so rare classes are as readable as common ones. The heatmap draws
            // row 0 at the top; Blues runs dark to light, so 1 − share makes the large cells dark.
            for (int p = 0; p < classes; p++) rowShare[t, p] = 1 - (total == 0 ? 0 : (double)confusion[t, p] / total);
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(rowShare);
        map.Colormap = new ScottPlot.Colormaps.Blues();
        for (int t = 0; t < classes; t++)
        {
            for (int p = 0; p < classes; p++)
            {
                var label = plot.Add.Text(confusion[t, p].ToString(System.Globalization.CultureInfo.InvariantCulture), p, classes - 1 - t);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = rowShare[t, p] < 0.5 ? Colors.White : Colors.Black;
            }
        }
        Tick[] across = Enumerable.Range(0, classes).Select(p => new Tick(p, names[p])).ToArray();
        Tick[] down = Enumerable.Range(0, classes).Select(t => new Tick(classes - 1 - t, names[t])).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(across);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(down);
        plot.Axes.Bottom.TickLabelStyle.Rotation = classes > 6 ? -45 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = classes > 6 ? Alignment.MiddleRight : Alignment.UpperCenter;
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.Title(title);
        plot.HideGrid();
        AtomicFile.Write(path, plot.GetImageBytes(Size, Size, ImageFormat.Png));
    }
}
