using Nn.Testing;
using Xunit;

namespace Nn.Native.Tests;

public sealed class ProviderSelectionTests(ITestOutputHelper output)
{
    [Fact]
    public void MissingLibraryPathIsAnErrorNamingThePath()
    {
        var error = Assert.Throws<BlasProviderUnavailableException>(() => Blas.Use("/nonexistent/libnotblas.so"));
        Assert.Contains("/nonexistent/libnotblas.so", error.Message);
        Assert.Contains("tried", error.Message);
    }

    [Fact]
    public void UnknownProviderNameIsAnError()
    {
        var error = Assert.Throws<BlasProviderUnavailableException>(() => Blas.Use("fastblas"));
        Assert.Contains("fastblas", error.Message);
    }

    [Fact]
    public void LibraryWithoutGemmIsRejected()
    {
        var error = Assert.Throws<BlasProviderUnavailableException>(() => Blas.Use("libc.so.6"));
        Assert.Contains("cblas_sgemm", error.Message);
    }

    [Theory]
    [MemberData(nameof(ProviderAvailability.AllKinds), MemberType = typeof(ProviderAvailability))]
    public void ProviderReportsVersionAndThreads(BlasProviderKind kind)
    {
        BlasProvider provider = ProviderAvailability.Require(kind);
        output.WriteLine(provider.ToString());
        Assert.Equal(kind, provider.Kind);
        Assert.False(string.IsNullOrWhiteSpace(provider.Version));
        AssertThreadsSettable(provider, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => provider.Threads = 0);
    }

    [Fact]
    public void MklRunsOnGnuOpenMpWithoutPreloading()
    {
        // Debian ships no Intel OpenMP: the provider must have loaded libgomp globally and picked the GNU layer,
        // and MKL must then honour a two-thread request (the sequential layer would report 1).
        BlasProvider mkl = ProviderAvailability.Require(BlasProviderKind.Mkl);
        Assert.Contains("[gnu threading]", mkl.Version);
        AssertThreadsSettable(mkl, 2);
    }

    // Sets a thread count, checks the library reports it, and puts the original back.
    private static void AssertThreadsSettable(BlasProvider provider, int threads)
    {
        int original = provider.Threads;
        try
        {
            provider.Threads = threads;
            Assert.Equal(threads, provider.Threads);
        }
        finally
        {
            provider.Threads = original;
        }
    }

    [Fact]
    public void DescribeNamesProviderAndCpu()
    {
        string report = Blas.Describe();
        output.WriteLine(report);
        Assert.Contains(Blas.Provider.Name, report);
        Assert.Contains("OPENBLAS_CORETYPE", report);
    }

    [Fact]
    public void PreferenceOrderFollowsTheMeasurements()
    {
        IReadOnlyList<BlasProviderKind> order = Blas.PreferenceOrder;
        output.WriteLine($"{CpuInfo.Vendor} family {CpuInfo.Family:X}h (half-width AVX-512: {CpuInfo.Avx512IsHalfWidth}), {CpuInfo.VectorSupport}, OPENBLAS_CORETYPE={CpuInfo.OpenBlasCoreTypeOverride}: {string.Join(" > ", order)}");
        Assert.Equal(3, order.Distinct().Count());
        BlasProviderKind expected = CpuInfo.IsIntel ? BlasProviderKind.Mkl
            : System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && (CpuInfo.Avx512IsHalfWidth || CpuInfo.OpenBlasLimitedBelowAvx512) ? BlasProviderKind.Managed
            : BlasProviderKind.OpenBlas;
        Assert.Equal(expected, order[0]);
    }
}
