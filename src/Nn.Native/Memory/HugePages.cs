using System.Runtime.InteropServices;

namespace Nn.Native.Memory;

/// <summary>
/// Transparent huge pages for big buffers on Linux. A data set streamed by the full-batch products (188 MB for
/// Fashion-MNIST) or gathered row by row in training crosses a 4 KiB page every 1.3 rows. Linux distributions ship THP
/// in "madvise" mode, so a buffer gets 2 MiB pages only when it asks. Measured on this project's host (a VM whose
/// /proc/meminfo reports no huge pages either way): the 60,000×10×784 scores product took 19.6–19.7 ms on one thread
/// with the advice and 20.9–21.2 without, 9.7–10.0 against 11.0–11.2 ms on two (alternating runs).
/// </summary>
internal static unsafe partial class HugePages
{
    public const nuint Size = 2 * 1024 * 1024;
    private const int MadviseHugePage = 14;   // MADV_HUGEPAGE

    // Below a few pages the rounding would waste more than the TLB saves.
    public static bool Worthwhile(nuint bytes) => OperatingSystem.IsLinux() && bytes >= 4 * Size;

    public static nuint RoundUp(nuint bytes) => (bytes + Size - 1) & ~(Size - 1);

    // Advice only: a kernel without THP refuses it, and the memory works the same with small pages.
    public static void Advise(void* pointer, nuint bytes)
    {
        try { _ = madvise(pointer, bytes, MadviseHugePage); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int madvise(void* address, nuint length, int advice);
}
