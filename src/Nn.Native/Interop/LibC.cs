using System.Runtime.InteropServices;

namespace Nn.Native.Interop;

/// <summary>
/// dlopen with RTLD_GLOBAL, which NativeLibrary.Load does not offer: MKL's GNU threading layer
/// resolves OpenMP symbols from libgomp only if libgomp was loaded with global visibility.
/// </summary>
internal static partial class LibC
{
    private const string Library = "libc.so.6";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    [LibraryImport(Library, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string fileName, int flags);

    /// <summary>Loads a library with global symbol visibility; returns false if it cannot be loaded.</summary>
    public static bool TryLoadGlobal(string fileName)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            return DlOpen(fileName, RtldNow | RtldGlobal) != IntPtr.Zero;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}
