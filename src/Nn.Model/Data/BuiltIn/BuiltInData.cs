using System.Numerics;

namespace Nn.Data;

/// <summary>Data sets that ship inside the library (see Data/BuiltIn/README.md for provenance and licence).</summary>
public static class BuiltInData
{
    /// <summary>The digit classes, "0" … "9".</summary>
    public static IReadOnlyList<string> DigitClasses { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>
    /// 1,797 handwritten digits: 64 features (8×8 pixels valued 0–16) and 10 classes. The UCI "Optical
    /// Recognition of Handwritten Digits" test set (Alpaydin &amp; Kaynak, 1998; CC BY 4.0).
    /// </summary>
    public static DataSet<T> Digits<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using Stream stream = typeof(BuiltInData).Assembly.GetManifestResourceStream("Nn.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("The embedded digits data set is missing from Nn.Model.");
        return CsvReader.Load<T>(stream, "digits", new CsvOptions { HasHeader = false, ClassNames = DigitClasses });
    }
}
