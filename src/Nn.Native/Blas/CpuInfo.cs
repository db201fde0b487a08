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

    /// <summary>
    /// True on AMD Zen 4 (family 19h), which runs a 512-bit FMA as two 256-bit halves: its FP32 peak is the same for AVX2
    /// and AVX-512 code, so OpenBLAS's AVX2 (Haswell) kernels lose nothing there. Zen 5 (1Ah) and Intel's AVX-512 cores
    /// have full-width units, where AVX2 code reaches half the peak.
    /// </summary>
    public static bool Avx512IsHalfWidth { get; } = Vendor == "AuthenticAMD" && Family == 0x19 && Avx512F.IsSupported;

    /// <summary>The CPUID display family (base family plus extended family), or 0 off x86.</summary>
    public static int Family
    {
        get
        {
            if (!X86Base.IsSupported) return 0;
            int eax = X86Base.CpuId(1, 0).Eax;
            int baseFamily = (eax >> 8) & 0xF;
            return baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        }
    }

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
