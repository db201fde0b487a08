using System.Runtime.InteropServices;

namespace Nn.Native.Interop;

/// <summary>Loads the first of several candidate library files and remembers every path it tried.</summary>
internal static class LibraryProbe
{
    /// <summary>Returns the handle of the first candidate that loads, or throws listing all that were tried.</summary>
    public static (IntPtr Handle, string Path) Load(IReadOnlyList<string> candidates, string what, string remedy)
    {
        var failures = new List<string>();
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                return (handle, candidate);
            }
            failures.Add(candidate);
        }
        throw new BlasProviderUnavailableException(
            $"{what} could not be loaded; tried: {string.Join(", ", failures)}. {remedy}");
    }

    /// <summary>The address of an exported symbol, or an error naming the library and symbol.</summary>
    public static IntPtr Export(IntPtr library, string libraryPath, string symbol)
    {
        if (NativeLibrary.TryGetExport(library, symbol, out IntPtr address))
        {
            return address;
        }
        throw new BlasProviderUnavailableException($"{libraryPath} does not export {symbol}; it is not a usable BLAS library.");
    }

    /// <summary>The address of an exported symbol, or zero when it is absent.</summary>
    public static IntPtr OptionalExport(IntPtr library, string symbol) =>
        NativeLibrary.TryGetExport(library, symbol, out IntPtr address) ? address : IntPtr.Zero;
}
