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
        int original = provider.Threads;
        try
        {
            provider.Threads = 1;
            Assert.Equal(1, provider.Threads);
        }
        finally
        {
            provider.Threads = original;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => provider.Threads = 0);
    }

    [Fact]
    public void MklRunsOnGnuOpenMpWithoutPreloading()
    {
        // Debian ships no Intel OpenMP: the provider must have loaded libgomp globally and picked the GNU layer,
        // and MKL must then honour a two-thread request (the sequential layer would report 1).
        BlasProvider mkl = ProviderAvailability.Require(BlasProviderKind.Mkl);
        Assert.Contains("[gnu threading]", mkl.Version);
        int original = mkl.Threads;
        try
        {
            mkl.Threads = 2;
            Assert.Equal(2, mkl.Threads);
        }
        finally
        {
            mkl.Threads = original;
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
        output.WriteLine($"{CpuInfo.Vendor}, {CpuInfo.VectorSupport}, OPENBLAS_CORETYPE={CpuInfo.OpenBlasCoreTypeOverride}: {string.Join(" > ", order)}");
        Assert.Equal(3, order.Distinct().Count());
        BlasProviderKind expected = CpuInfo.IsIntel ? BlasProviderKind.Mkl
            : System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && CpuInfo.OpenBlasLimitedBelowAvx512 ? BlasProviderKind.Managed
            : BlasProviderKind.OpenBlas;
        Assert.Equal(expected, order[0]);
    }
}
