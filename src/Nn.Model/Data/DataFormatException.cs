namespace Nn.Data;

/// <summary>
/// A data file (or stream) is malformed: names the file, and where it applies the record (line or item
/// number, 1-based) and column, so the user can find the problem. Nothing is loaded when it is thrown.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string source, string problem, long? record = null, int? column = null, Exception? inner = null)
        : base(Describe(source, problem, record, column), inner)
    {
        Source = source;
        Problem = problem;
        Record = record;
        Column = column;
    }

    /// <summary>The file path or stream name.</summary>
    public new string Source { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The 1-based line (CSV) or item (IDX) number, if the problem is in one record.</summary>
    public long? Record { get; }

    /// <summary>The 1-based column, if the problem is in one cell.</summary>
    public int? Column { get; }

    private static string Describe(string source, string problem, long? record, int? column)
    {
        string where = (record, column) switch
        {
            ({ } r, { } c) => $" line {r}, column {c}:",
            ({ } r, null) => $" record {r}:",
            _ => "",
        };
        return $"{source}:{where} {problem}";
    }
}
