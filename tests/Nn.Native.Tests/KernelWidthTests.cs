using Nn.Native.Providers.Managed;
using Xunit;

namespace Nn.Native.Tests;

/// <summary>
/// The managed GEMM picks its micro-kernel by the CPU's widest vectors; this runs both widths against the naive
/// reference on any machine, so the 256-bit kernel used on CPUs without AVX-512 is tested here too.
/// </summary>
public sealed class KernelWidthTests(ITestOutputHelper output)
{
    [Fact]
    public void Vector256KernelMatchesReference() => new GemmTests(output).RunAllCasesOn(new FixedWidthKernel<Panel256<float>, Panel256<double>>("managed-256"));

    [Fact]
    public void Vector512KernelMatchesReference() => new GemmTests(output).RunAllCasesOn(new FixedWidthKernel<Panel512<float>, Panel512<double>>("managed-512"));

    private sealed unsafe class FixedWidthKernel<TSingle, TDouble>(string name) : BlasProvider
        where TSingle : struct, IPanelVector<TSingle, float>
        where TDouble : struct, IPanelVector<TDouble, double>
    {
        public override BlasProviderKind Kind => BlasProviderKind.Managed;
        public override string Version => name;
        public override string LibraryPath => "(test)";
        public override int Threads { get => 1; set { } }

        protected internal override void Sgemm(Transpose transA, Transpose transB, int m, int n, int k,
            float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
            ManagedGemmKernel<float, TSingle>.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        protected internal override void Dgemm(Transpose transA, Transpose transB, int m, int n, int k,
            double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc) =>
            ManagedGemmKernel<double, TDouble>.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
