using System.Globalization;
using Nn.Native.Providers.Managed;
using Nn.Native.Providers.Native;

namespace Nn.Native;

/// <summary>
/// The one GEMM entry point of the engine and the choice of provider behind it.
/// </summary>
/// <remarks>
/// <para>The provider is chosen at first use. <c>NN_BLAS=mkl|openblas|managed|/path/to/lib.so</c>
/// forces one, and a forced provider that cannot be loaded is an error. Otherwise the fastest
/// available is used: OpenBLAS, then MKL, then managed on AMD and other processors; MKL first on
/// Intel (see README.md for the measurements behind this order). <c>NN_THREADS</c> sets the
/// thread count (default: all cores).</para>
/// <para>Thread safety: all members are safe to call from several threads. Each provider is loaded
/// once per process and stays loaded.</para>
/// </remarks>
public static class Blas
{
    /// <summary>Environment variable that forces a provider.</summary>
    public const string ProviderVariable = "NN_BLAS";

    /// <summary>Environment variable that sets the provider's thread count.</summary>
    public const string ThreadsVariable = "NN_THREADS";

    private static readonly Lock s_gate = new();
    private static readonly Dictionary<BlasProviderKind, BlasProvider> s_loaded = [];
    private static readonly Dictionary<string, BlasProvider> s_loadedByPath = [];
    private static BlasProvider? s_current;

    /// <summary>The active provider, selected on first use from NN_BLAS or by availability.</summary>
    /// <exception cref="BlasProviderUnavailableException">NN_BLAS names a provider that cannot be loaded.</exception>
    public static BlasProvider Provider
    {
        get
        {
            BlasProvider? current = Volatile.Read(ref s_current);
            if (current is not null)
            {
                return current;
            }
            lock (s_gate)
            {
                return s_current ??= SelectFromEnvironment();
            }
        }
    }

    /// <summary>Makes <paramref name="kind"/> the active provider, loading it if needed.</summary>
    /// <exception cref="BlasProviderUnavailableException">The provider cannot be loaded here.</exception>
    public static BlasProvider Use(BlasProviderKind kind)
    {
        BlasProvider provider = Load(kind);
        Volatile.Write(ref s_current, provider);
        return provider;
    }

    /// <summary>Makes the library at <paramref name="libraryPath"/> the active provider.</summary>
    /// <exception cref="BlasProviderUnavailableException">The file cannot be loaded or exports no cblas GEMM.</exception>
    public static BlasProvider Use(string libraryPath)
    {
        BlasProvider provider = LoadPath(libraryPath);
        Volatile.Write(ref s_current, provider);
        return provider;
    }

    /// <summary>Loads a provider (once per process) without making it the active one.</summary>
    /// <exception cref="BlasProviderUnavailableException">The provider cannot be loaded here.</exception>
    public static BlasProvider Load(BlasProviderKind kind)
    {
        lock (s_gate)
        {
            if (s_loaded.TryGetValue(kind, out BlasProvider? cached))
            {
                return cached;
            }
            int threads = DefaultThreads();
            BlasProvider provider = kind switch
            {
                BlasProviderKind.Mkl => MklLibrary.Load(null, threads),
                BlasProviderKind.OpenBlas => OpenBlasLibrary.Load(null, threads),
                BlasProviderKind.Managed => new ManagedBlas(threads),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Load a custom library with Use(path)."),
            };
            s_loaded[kind] = provider;
            return provider;
        }
    }

    /// <summary>Loads a provider if it is available here.</summary>
    /// <returns>The provider, or null with the reason it could not be loaded.</returns>
    public static BlasProvider? TryLoad(BlasProviderKind kind, out string? reason)
    {
        try
        {
            reason = null;
            return Load(kind);
        }
        catch (BlasProviderUnavailableException error)
        {
            reason = error.Message;
            return null;
        }
    }

    /// <summary>
    /// The order in which providers are tried when none is forced, fastest first on this CPU, as measured
    /// (README.md, bench/RESULTS.md): on Intel, MKL (it uses AVX-512 there). On other CPUs with AVX-512, the managed
    /// 512-bit kernel wherever it was measured ahead: on Zen 4, whose 512-bit FMAs run in two halves, in both
    /// OPENBLAS_CORETYPE settings (epoch 0.37-0.38 s against OpenBLAS's 0.44-0.47 s, 2048³ at 94 % of peak against
    /// 89 %), and on full-width AVX-512 when OPENBLAS_CORETYPE pins OpenBLAS to a kernel without it (a Zen 5: step
    /// 0.79 ms against 0.96). A full-width AVX-512 CPU with OpenBLAS free to use its AVX-512 kernels was not measured:
    /// OpenBLAS, then managed, then MKL (which ignores AVX-512 on AMD). Without AVX-512: OpenBLAS, MKL, managed.
    /// </summary>
    public static IReadOnlyList<BlasProviderKind> PreferenceOrder =>
        CpuInfo.IsIntel ? [BlasProviderKind.Mkl, BlasProviderKind.OpenBlas, BlasProviderKind.Managed]
        : !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? [BlasProviderKind.OpenBlas, BlasProviderKind.Mkl, BlasProviderKind.Managed]
        : CpuInfo.Avx512IsHalfWidth || CpuInfo.OpenBlasLimitedBelowAvx512 ? [BlasProviderKind.Managed, BlasProviderKind.OpenBlas, BlasProviderKind.Mkl]
        : [BlasProviderKind.OpenBlas, BlasProviderKind.Managed, BlasProviderKind.Mkl];

    /// <summary>C = alpha·op(A)·op(B) + beta·C on the active provider; see <see cref="BlasProvider.Gemm{T}"/>.</summary>
    public static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged =>
        Provider.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>A multi-line report: active provider, version, threads, library, CPU, vector support, OPENBLAS_CORETYPE.</summary>
    public static string Describe()
    {
        BlasProvider provider = Provider;
        string coreType = CpuInfo.OpenBlasCoreTypeOverride is { } forced
            ? $"{forced} (set by OPENBLAS_CORETYPE; OpenBLAS uses it instead of its own kernel choice)"
            : "not set (OpenBLAS picks kernels for this CPU)";
        return string.Join(Environment.NewLine,
            $"provider:          {provider.Name}",
            $"version:           {provider.Version}",
            $"threads:           {provider.Threads}",
            $"library:           {provider.LibraryPath}",
            $"cpu:               {CpuInfo.Vendor} family {CpuInfo.Family:X}h, {Environment.ProcessorCount} logical cores, {CpuInfo.VectorSupport}{(CpuInfo.Avx512IsHalfWidth ? " (512-bit FMAs in two halves: AVX2 code reaches the same peak)" : "")}",
            $"OPENBLAS_CORETYPE: {coreType}");
    }

    /// <summary>The thread count from NN_THREADS, or the number of logical cores.</summary>
    /// <exception cref="ArgumentException">NN_THREADS is set but is not a positive integer.</exception>
    public static int DefaultThreads()
    {
        string? text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Environment.ProcessorCount;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int threads) || threads < 1)
        {
            throw new ArgumentException($"{ThreadsVariable}='{text}' is not a positive integer.");
        }
        return threads;
    }

    private static BlasProvider SelectFromEnvironment()
    {
        string? forced = Environment.GetEnvironmentVariable(ProviderVariable)?.Trim();
        if (!string.IsNullOrEmpty(forced))
        {
            return ParseKind(forced) is { } kind ? Load(kind) : LoadPath(forced);
        }
        foreach (BlasProviderKind kind in PreferenceOrder)
        {
            if (TryLoad(kind, out _) is { } provider)
            {
                return provider;
            }
        }
        return Load(BlasProviderKind.Managed);
    }

    /// <summary>Parses "mkl", "openblas" or "managed" (any case); null for anything else, which is taken as a path.</summary>
    public static BlasProviderKind? ParseKind(string name) => name.ToLowerInvariant() switch
    {
        "mkl" => BlasProviderKind.Mkl,
        "openblas" => BlasProviderKind.OpenBlas,
        "managed" => BlasProviderKind.Managed,
        _ => null,
    };

    private static BlasProvider LoadPath(string path)
    {
        if (!path.Contains('/') && !path.Contains('\\') && !path.Contains(".so") && !path.Contains(".dll") && !path.Contains(".dylib"))
        {
            throw new BlasProviderUnavailableException(
                $"{ProviderVariable}='{path}' is neither mkl, openblas, managed nor a library path.");
        }
        lock (s_gate)
        {
            if (s_loadedByPath.TryGetValue(path, out BlasProvider? cached))
            {
                return cached;
            }
            int threads = DefaultThreads();
            string file = Path.GetFileName(path);
            BlasProvider provider = file.Contains("mkl", StringComparison.OrdinalIgnoreCase)
                ? MklLibrary.Load(path, threads)
                : file.Contains("openblas", StringComparison.OrdinalIgnoreCase)
                    ? OpenBlasLibrary.Load(path, threads)
                    : CblasLibrary.LoadCustom(path);
            s_loadedByPath[path] = provider;
            return provider;
        }
    }
}
