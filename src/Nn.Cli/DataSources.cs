using Nn.Data;

namespace Nn.Cli;

/// <summary>Turns --data into a training and a test set: built-in digits, Fashion-MNIST, a CSV file, or a synthetic problem.</summary>
internal static class DataSources
{
    public const string Help = "digits (built in), fashion-mnist[:DIR], xor, spirals, moons, or a path to a .csv/.csv.gz file";

    public static (DataSet<float> Train, DataSet<float> Test) Load(string source, string? labelColumn, int seed, bool regression = false)
    {
        string lower = source.ToLowerInvariant();
        if (lower == "digits")
        {
            using DataSet<float> digits = BuiltInData.Digits<float>();
            return digits.Split(0.8, seed, stratified: true);
        }
        if (lower == "fashion-mnist" || lower.StartsWith("fashion-mnist:", StringComparison.Ordinal))
        {
            return FashionMnist.Load<float>(lower.Contains(':') ? source[(source.IndexOf(':') + 1)..] : null);
        }
        DataSet<float>? all = lower switch
        {
            "xor" => XorClasses(),
            "spirals" => Synthetic.TwoSpirals<float>(1000, seed),
            "moons" => Synthetic.Moons<float>(1000, seed),
            _ => null,
        };
        if (all is null)
        {
            if (!File.Exists(source))
            {
                throw new UsageException($"--data '{source}' is neither a known data set ({Help}) nor an existing file.");
            }
            CsvTask task = regression ? CsvTask.Regression : CsvTask.Classification;
            all = CsvReader.Load<float>(source, labelColumn is null ? new CsvOptions { Task = task }
                : int.TryParse(labelColumn, out int index) ? new CsvOptions { LabelColumnIndex = index, Task = task } : new CsvOptions { LabelColumn = labelColumn, Task = task });
        }
        using (all)
        {
            if (lower == "xor")
            {
                return (all.Subset(Enumerable.Range(0, 4).ToArray()), all.Subset(Enumerable.Range(0, 4).ToArray()));
            }
            return all.Split(0.8, seed, stratified: all.IsClassification);
        }
    }

    // XOR as a two-class problem (the lectures' table without the bias column: the network has biases).
    private static DataSet<float> XorClasses() => DataSet.FromClassification<float>([0, 0, 0, 1, 1, 0, 1, 1], 2, [0, 1, 1, 0], ["0", "1"], "xor");
}
