using System.Globalization;

namespace Nn.Cli;

/// <summary>A bad command line: the message says which option and why; the tool exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// "--name value" and "--flag" options after a command word. Every option must be known to the command; values
/// are parsed with invariant culture and range-checked, so a typo fails before any work starts.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = [];

    private Arguments(string command) => Command = command;

    public string Command { get; }

    /// <summary>Arguments already split by System.CommandLine: option name (without dashes) to its raw value, null for a flag.</summary>
    public static Arguments FromValues(string command, IEnumerable<KeyValuePair<string, string?>> values)
    {
        var result = new Arguments(command);
        foreach (var (name, value) in values) result._values[name] = value;
        return result;
    }

    public static Arguments Parse(string[] args, IReadOnlyDictionary<string, IReadOnlySet<string>> known, IReadOnlySet<string> flags)
    {
        string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "train";
        if (!known.TryGetValue(command, out IReadOnlySet<string>? options))
        {
            throw new UsageException($"Unknown command '{command}'. Commands: {string.Join(", ", known.Keys)}.");
        }
        var result = new Arguments(command);
        for (int i = command == (args.Length > 0 ? args[0] : null) ? 1 : 0; i < args.Length; i++)
        {
            string token = args[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length < 3)
            {
                throw new UsageException($"Unexpected argument '{token}'; options look like --name value.");
            }
            string name = token[2..];
            if (!options.Contains(name))
            {
                throw new UsageException($"'{command}' has no option --{name}. Its options: {string.Join(" ", options.Order().Select(o => "--" + o))}.");
            }
            if (result._values.ContainsKey(name))
            {
                throw new UsageException($"--{name} is given twice.");
            }
            if (flags.Contains(name))
            {
                result._values[name] = null;
                continue;
            }
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"--{name} needs a value.");
            }
            result._values[name] = args[++i];
        }
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Text(string name, string fallback) => _values.TryGetValue(name, out string? value) && value is not null ? value : fallback;

    public string? OptionalText(string name) => _values.TryGetValue(name, out string? value) ? value : null;

    public int Int(string name, int fallback, int min, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out string? text) || text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be an integer between {min} and {max}, not '{text}'.");
        }
        return value;
    }

    public double Double(string name, double fallback, double min, double max, bool minExclusive = false)
    {
        if (!_values.TryGetValue(name, out string? text) || text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value)
            || value < min || value > max || (minExclusive && value == min))
        {
            throw new UsageException($"--{name} must be a number {(minExclusive ? "above" : "from")} {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'.");
        }
        return value;
    }

    public T Choice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        if (!_values.TryGetValue(name, out string? text) || text is null) return fallback;
        return choices.TryGetValue(text.ToLowerInvariant(), out T? value)
            ? value
            : throw new UsageException($"--{name} must be one of {string.Join(", ", choices.Keys)}, not '{text}'.");
    }

    public int[] IntList(string name, int[] fallback)
    {
        if (!_values.TryGetValue(name, out string? text) || text is null) return fallback;
        if (text.Trim() is "" or "none") return [];
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1 || values[i] > 1 << 16)
            {
                throw new UsageException($"--{name} takes layer widths like 64,32 (each 1 to 65536), not '{text}'.");
            }
        }
        return values;
    }
}
