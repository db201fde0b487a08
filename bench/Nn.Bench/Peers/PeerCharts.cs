using System.Text.Json;
using ScottPlot;

namespace Nn.Bench.Peers;

/// <summary>
/// peer-charts RESULTS.json DIR: the two charts of a bench/peers/side_by_side.py run, as PNGs: seconds per epoch per engine
/// (each at its best thread count) in each environment configuration, and test accuracy against training time.
/// </summary>
internal static class PeerCharts
{
    public static int Run(string[] args)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(args[1]));
        string directory = args.Length > 2 ? args[2] : ".";
        Directory.CreateDirectory(directory);
        JsonElement[] summary = document.RootElement.GetProperty("summary").EnumerateArray().ToArray();
        string[] configs = summary.Select(s => s.GetProperty("config").GetString()!).Distinct().ToArray();
        string[] engines = summary.Select(s => s.GetProperty("engine").GetString()!).Distinct().ToArray();

        var bars = new Plot();
        var bySeries = new List<Bar>();
        for (int c = 0; c < configs.Length; c++)
        {
            for (int e = 0; e < engines.Length; e++)
            {
                JsonElement row = summary.Single(s => s.GetProperty("config").GetString() == configs[c] && s.GetProperty("engine").GetString() == engines[e]);
                bySeries.Add(new Bar
                {
                    Position = c * (engines.Length + 1) + e, Value = row.GetProperty("seconds_per_epoch").GetDouble(), FillColor = Palette(e),
                    Label = $"{row.GetProperty("seconds_per_epoch").GetDouble():F2} s",
                });
            }
        }
        bars.Add.Bars(bySeries);
        bars.Axes.Bottom.SetTicks(configs.Select((_, c) => c * (engines.Length + 1) + (engines.Length - 1) / 2.0).ToArray(), configs);
        for (int e = 0; e < engines.Length; e++) bars.Legend.ManualItems.Add(new LegendItem { LabelText = engines[e], FillColor = Palette(e) });
        bars.ShowLegend(Edge.Bottom);
        bars.Axes.Margins(bottom: 0);
        bars.YLabel("seconds per epoch (trimmed mean)");
        bars.Title("Fashion-MNIST, 784-256-128-10, Adam, batch 128: each engine at its best thread count");
        bars.SavePng(Path.Combine(directory, "seconds-per-epoch.png"), 1000, 560);

        var curves = new Plot();
        JsonElement[] runs = document.RootElement.GetProperty("curves").EnumerateArray().ToArray();
        for (int e = 0; e < engines.Length; e++)
        {
            JsonElement curve = runs.Single(r => r.GetProperty("engine").GetString() == engines[e]);
            double[] time = curve.GetProperty("seconds").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double[] accuracy = curve.GetProperty("test_accuracy").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var line = curves.Add.Scatter(time, accuracy);
            line.LegendText = engines[e];
            line.Color = Palette(e);
        }
        curves.XLabel("training time (s, cumulative, without test evaluation)");
        curves.YLabel("test accuracy");
        curves.Title($"Test accuracy against training time ({configs[0]})");
        curves.ShowLegend(Edge.Bottom);
        curves.SavePng(Path.Combine(directory, "accuracy-vs-time.png"), 1000, 560);
        Console.WriteLine($"wrote {Path.Combine(directory, "seconds-per-epoch.png")} and {Path.Combine(directory, "accuracy-vs-time.png")}");
        return 0;
    }

    private static Color Palette(int index) => index switch { 0 => Colors.C0, 1 => Colors.C1, 2 => Colors.C2, _ => Colors.C3 };
}
