using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Nn.Native;

/// <summary>What the processor is and which vector instructions it offers; drives the default provider order.</summary>
public static class CpuInfo
{
    /// <summary>The CPUID vendor string ("GenuineIntel", "AuthenticAMD", ...), or the architecture elsewhere.</summary>
    public static string Vendor { get; } = ReadVendor();

    /// <summary>True on Intel processors, where MKL is the fastest provider.</summary>
    public static bool IsIntel => Vendor == "GenuineIntel";

    /// <summary>The widest vector instructions the runtime can use, e.g. "AVX-512F, AVX2, FMA".</summary>
    public static string VectorSupport
    {
        get
        {
            var parts = new List<string>();
            if (Avx512F.IsSupported) parts.Add("AVX-512F");
            if (Avx2.IsSupported) parts.Add("AVX2");
            if (Fma.IsSupported) parts.Add("FMA");
            if (parts.Count == 0) parts.Add(Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "no SIMD");
            return string.Join(", ", parts);
        }
    }

    /// <summary>The OPENBLAS_CORETYPE the user set (it overrides OpenBLAS's own kernel choice), or null.</summary>
    public static string? OpenBlasCoreTypeOverride => Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } value ? value : null;

    /// <summary>
    /// True when OPENBLAS_CORETYPE forces OpenBLAS onto a kernel family without AVX-512 (Haswell, Zen, Sandybridge, …),
    /// so it cannot use the CPU's widest vectors.
    /// </summary>
    public static bool OpenBlasLimitedBelowAvx512 => OpenBlasCoreTypeOverride is { } core
        && !core.Contains("skylakex", StringComparison.OrdinalIgnoreCase)
        && !core.Contains("cooperlake", StringComparison.OrdinalIgnoreCase)
        && !core.Contains("sapphirerapids", StringComparison.OrdinalIgnoreCase);

    private static string ReadVendor()
    {
        if (!X86Base.IsSupported)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(bytes);
    }
}
