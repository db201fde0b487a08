using System.Buffers;
using System.Text.Json;

namespace Nn.Service;

/// <summary>
/// Parses <c>{"inputs": [[x1, ..., xn], ...]}</c> straight from the body bytes into a pooled row-major float buffer,
/// checking as it goes: every row has the model's feature count, every value is a finite JSON number within float
/// range, there is at least one row and no more than the limit. Anything else is a <see cref="BadRequestException"/> naming the row.
/// </summary>
internal static class PredictRequest
{
    /// <summary>Returns the rows (caller returns the array to <see cref="ArrayPool{T}.Shared"/>) and their count.</summary>
    public static (float[] Values, int Rows) Parse(ReadOnlySpan<byte> body, int features, int maxRows)
    {
        if (body.IsEmpty)
        {
            throw new BadRequestException("The body is empty; send {\"inputs\": [[x1, ..., xn], ...]}.");
        }
        float[] values = ArrayPool<float>.Shared.Rent(features * 4);
        int rows = 0;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 4 });
            Expect(ref reader, JsonTokenType.StartObject, "The body must be a JSON object {\"inputs\": [[...], ...]}.");
            bool sawInputs = false;
            while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("inputs"u8))
                {
                    throw new BadRequestException($"Unknown field \"{reader.GetString()}\"; the body takes only \"inputs\".");
                }
                if (sawInputs) throw new BadRequestException("\"inputs\" is given twice.");
                sawInputs = true;
                Expect(ref reader, JsonTokenType.StartArray, "\"inputs\" must be an array of rows, e.g. [[0.1, 0.2], [0.3, 0.4]].");
                while (Next(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new BadRequestException($"Row {rows + 1} is not an array of {features} numbers.");
                    }
                    if (rows == maxRows)
                    {
                        throw new BadRequestException($"A request may hold at most {maxRows} rows; split it.");
                    }
                    if ((rows + 1) * features > values.Length)
                    {
                        float[] larger = ArrayPool<float>.Shared.Rent(values.Length * 2);
                        values.AsSpan(0, rows * features).CopyTo(larger);
                        ArrayPool<float>.Shared.Return(values);
                        values = larger;
                    }
                    ReadRow(ref reader, values.AsSpan(rows * features, features), rows + 1);
                    rows++;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || !sawInputs)
            {
                throw new BadRequestException("The body must be {\"inputs\": [[x1, ..., xn], ...]}.");
            }
            if (Next(ref reader))
            {
                throw new BadRequestException("Unexpected content after the JSON object.");
            }
            if (rows == 0)
            {
                throw new BadRequestException("\"inputs\" holds no rows.");
            }
            return (values, rows);
        }
        catch (JsonException error)
        {
            ArrayPool<float>.Shared.Return(values);
            throw new BadRequestException($"The body is not valid JSON: {error.Message}");
        }
        catch
        {
            ArrayPool<float>.Shared.Return(values);
            throw;
        }
    }

    private static void ReadRow(ref Utf8JsonReader reader, Span<float> row, int number)
    {
        int count = 0;
        while (Next(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                string what = reader.TokenType == JsonTokenType.String ? $"the string \"{reader.GetString()}\"" : reader.TokenType.ToString().ToLowerInvariant();
                throw new BadRequestException($"Row {number}, value {count + 1} is {what}, not a number (NaN and infinity are not accepted).");
            }
            if (count == row.Length)
            {
                throw new BadRequestException($"Row {number} has more than the model's {row.Length} features.");
            }
            if (!reader.TryGetDouble(out double value) || !double.IsFinite(value) || Math.Abs(value) > float.MaxValue)
            {
                throw new BadRequestException($"Row {number}, value {count + 1} is outside the float range.");
            }
            row[count++] = (float)value;
        }
        if (count != row.Length)
        {
            throw new BadRequestException($"Row {number} has {count} features; the model takes {row.Length}.");
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string message)
    {
        if (!Next(ref reader) || reader.TokenType != type) throw new BadRequestException(message);
    }

    private static bool Next(ref Utf8JsonReader reader) => reader.Read();
}
