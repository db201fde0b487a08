using System.Globalization;
using System.Numerics;
using System.Text;
using Nn.Native.Memory;

namespace Nn.Data;

/// <summary>What the label column of a CSV file holds.</summary>
public enum CsvTask
{
    /// <summary>Class labels (strings or integers), mapped to class indices.</summary>
    Classification,

    /// <summary>A numeric regression target.</summary>
    Regression,
}

/// <summary>How to read a CSV file.</summary>
public sealed record CsvOptions
{
    /// <summary>Whether the first line is a header; null detects it (a non-numeric feature cell in the first line).</summary>
    public bool? HasHeader { get; init; }

    /// <summary>The label column by header name; needs a header.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>The label column by 0-based index; default (and when no name is given) the last column.</summary>
    public int? LabelColumnIndex { get; init; }

    /// <summary>Classification (default) or regression.</summary>
    public CsvTask Task { get; init; } = CsvTask.Classification;

    /// <summary>The field separator, ',' by default.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>
    /// A fixed class mapping (e.g. the one a trained model keeps); a label outside it is an error. By default
    /// the classes are the distinct labels, sorted numerically when all are integers, else ordinally.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
}

/// <summary>
/// Reads numeric CSV (optionally gzip-compressed) with invariant-culture numbers and RFC 4180 quoting.
/// Blank lines are skipped; every other problem is a <see cref="DataFormatException"/> naming the file, line and column.
/// </summary>
public static class CsvReader
{
    /// <summary>Loads a CSV file as a data set.</summary>
    /// <exception cref="DataFormatException">The file is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DataSet<T> Load<T>(string path, CsvOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file not found: {path}", path);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load<T>(stream, path, options);
    }

    /// <summary>Loads CSV from a stream; <paramref name="name"/> is used in error messages.</summary>
    public static DataSet<T> Load<T>(Stream stream, string name, CsvOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new CsvOptions();
        using TextReader reader = OpenText(stream, name);
        var features = new List<T>();
        var labels = new List<string>();
        var targets = new List<T>();
        var cells = new List<string>();
        int columns = -1, labelIndex = -1;
        long line = 0;
        try
        {
            while (reader.ReadLine() is { } text)
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }
                if (!Split(text, options.Delimiter, cells))
                {
                    throw new DataFormatException(name, "has an unterminated quoted field.", line, cells.Count);
                }
                if (columns < 0)
                {
                    columns = cells.Count;
                    if (columns < 2)
                    {
                        throw new DataFormatException(name, $"has {columns} column; a data set needs at least one feature and a label.", line);
                    }
                    bool header = options.HasHeader ?? (options.LabelColumn is not null || LooksLikeHeader(cells, options));
                    labelIndex = LabelIndex(cells, header, options, name, line);
                    if (header)
                    {
                        continue;
                    }
                }
                if (cells.Count != columns)
                {
                    throw new DataFormatException(name, $"has {cells.Count} columns but the first line has {columns}.", line);
                }
                for (int c = 0; c < cells.Count; c++)
                {
                    if (c == labelIndex)
                    {
                        if (options.Task == CsvTask.Regression)
                        {
                            targets.Add(T.CreateChecked(ParseNumber(cells[c], name, line, c)));
                        }
                        else
                        {
                            string label = cells[c].Trim();
                            if (label.Length == 0)
                            {
                                throw new DataFormatException(name, "has an empty label.", line, c + 1);
                            }
                            labels.Add(label);
                        }
                    }
                    else
                    {
                        features.Add(T.CreateChecked(ParseNumber(cells[c], name, line, c)));
                    }
                }
            }
        }
        catch (InvalidDataException error)
        {
            throw new DataFormatException(name, $"is not valid gzip data ({error.Message}).", line + 1, inner: error);
        }
        if (columns < 0 || (features.Count == 0))
        {
            throw new DataFormatException(name, "holds no data rows.");
        }
        int featureCount = columns - 1;
        return options.Task == CsvTask.Regression
            ? Build(features, featureCount, targets, 1, null, null, name)
            : BuildClassification(features, featureCount, labels, options.ClassNames, name);
    }

    private static DataSet<T> BuildClassification<T>(List<T> features, int featureCount, List<string> labels,
        IReadOnlyList<string>? fixedClasses, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        IReadOnlyList<string> classes = fixedClasses ?? SortClasses(labels.Distinct(StringComparer.Ordinal).ToList());
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index.TryAdd(classes[i], i);
        var labelIndices = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            if (!index.TryGetValue(labels[i], out labelIndices[i]))
            {
                throw new DataFormatException(name, $"has label '{labels[i]}', which is not one of the {classes.Count} known classes ({string.Join(", ", classes.Take(10))}{(classes.Count > 10 ? ", …" : "")}).", record: i + 1);
            }
        }
        var targets = new List<T>(labels.Count * classes.Count);
        var oneHot = new T[labels.Count * classes.Count];
        Categorical.ToOneHot<T>(labelIndices, classes.Count, oneHot);
        targets.AddRange(oneHot);
        return Build(features, featureCount, targets, classes.Count, labelIndices, classes, name);
    }

    private static DataSet<T> Build<T>(List<T> features, int featureCount, List<T> targets, int targetCount,
        int[]? labels, IReadOnlyList<string>? classes, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var featureSlab = new AlignedBuffer<T>(features.Count);
        var targetSlab = new AlignedBuffer<T>(targets.Count);
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features).CopyTo(featureSlab.Span);
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targets).CopyTo(targetSlab.Span);
        return new DataSet<T>(featureSlab, featureCount, targetSlab, targetCount, labels, classes, name);
    }

    // Integers sort numerically (so "2" < "10"), anything else ordinally.
    private static string[] SortClasses(List<string> distinct)
    {
        bool numeric = distinct.All(d => long.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        return numeric
            ? distinct.OrderBy(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray()
            : distinct.OrderBy(d => d, StringComparer.Ordinal).ToArray();
    }

    private static double ParseNumber(string cell, string name, long line, int column)
    {
        string text = cell.Trim();
        if (text.Length == 0)
        {
            throw new DataFormatException(name, "has an empty cell.", line, column + 1);
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw new DataFormatException(name, $"'{Shorten(text)}' is not a number.", line, column + 1);
        }
        if (!double.IsFinite(value))
        {
            throw new DataFormatException(name, $"'{Shorten(text)}' is not finite; data must not hold NaN or infinity.", line, column + 1);
        }
        return value;
    }

    private static bool LooksLikeHeader(List<string> cells, CsvOptions options)
    {
        int label = options.LabelColumnIndex ?? cells.Count - 1;
        for (int c = 0; c < cells.Count; c++)
        {
            if (c != label && !double.TryParse(cells[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return true;
            }
        }
        return false;
    }

    private static int LabelIndex(List<string> firstLine, bool header, CsvOptions options, string name, long line)
    {
        if (options.LabelColumn is { } wanted)
        {
            if (!header)
            {
                throw new DataFormatException(name, $"has no header line, so the label column '{wanted}' cannot be found by name.", line);
            }
            int found = firstLine.FindIndex(c => string.Equals(c.Trim(), wanted, StringComparison.Ordinal));
            return found >= 0 ? found : throw new DataFormatException(name,
                $"has no column named '{wanted}'; its columns are {string.Join(", ", firstLine.Take(12).Select(c => $"'{c.Trim()}'"))}{(firstLine.Count > 12 ? ", …" : "")}.", line);
        }
        int index = options.LabelColumnIndex ?? firstLine.Count - 1;
        if (index < 0 || index >= firstLine.Count)
        {
            throw new DataFormatException(name, $"has {firstLine.Count} columns, so label column index {index} does not exist.", line);
        }
        return index;
    }

    // RFC 4180 fields on one line: quotes may wrap a field and "" inside quotes is a literal quote.
    private static bool Split(string line, char delimiter, List<string> cells)
    {
        cells.Clear();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        cells.Add(field.ToString());
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                while (i < line.Length && line[i] != delimiter) field.Append(line[i++]);
            }
            else
            {
                while (i < line.Length && line[i] != delimiter) field.Append(line[i++]);
            }
            cells.Add(field.ToString());
            if (i >= line.Length)
            {
                return true;
            }
            i++; // skip the delimiter
        }
    }

    private static TextReader OpenText(Stream stream, string name) =>
        new StreamReader(Gzip.OpenPayload(stream, out _, out _), new UTF8Encoding(false, throwOnInvalidBytes: false),
            detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: false);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
