using System.Numerics.Tensors;
using Nn.Testing;
using Xunit;

namespace Nn.Native.Tests;

/// <summary>Every provider against a naive triple loop, for all transpose, scaling and stride cases.</summary>
public sealed class GemmTests(ITestOutputHelper output)
{
    public static TheoryData<BlasProviderKind> Providers => ProviderAvailability.AllKinds;

    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (7, 13, 5), (1000, 3, 1), (3, 1000, 1), (2, 3, 0), (17, 33, 257), (130, 70, 300), (128, 256, 200),
        (1, 37, 50), (1, 300, 784), (1, 5, 44), // single rows take the GEMV path (44: an odd number of vectors in float and double)
        (20, 2100, 40), // wider than one 2,048-column block of packed B
        (500, 10, 784), (9, 16, 300), (5, 20, 300), (130, 17, 40), (300, 8, 129), (2100, 10, 40), (4100, 10, 20), (10, 120, 3000), (12, 40, 4500), // one vector of columns or just beyond: the thin kernels, split by rows (from 4,096 rows native providers use them too)
        (7, 10, 100), (6, 7, 64), // the dot kernel's last m mod 4 rows: three, and two (also in double)
    ];

    private static readonly (double Alpha, double Beta)[] Scalings = [(1, 0), (0.5, 0.25), (-1.5, 1), (0, 2)];

    [Theory]
    [MemberData(nameof(Providers))]
    public void FloatMatchesNaiveReference(BlasProviderKind kind) =>
        RunAllCases<float>(RequireUnderTest(kind), 6e-8);

    [Theory]
    [MemberData(nameof(Providers))]
    public void DoubleMatchesNaiveReference(BlasProviderKind kind) =>
        RunAllCases<double>(RequireUnderTest(kind), 1.2e-16);

    // A mutation run (NN_GEMM_SAMPLED=1) changes only the managed kernels; the native providers' cases would take most
    // of each mutant's test time and could not tell its mutants apart.
    private static BlasProvider RequireUnderTest(BlasProviderKind kind)
    {
        if (Environment.GetEnvironmentVariable("NN_GEMM_SAMPLED") == "1" && kind != BlasProviderKind.Managed)
        {
            Assert.Skip("NN_GEMM_SAMPLED=1 (a mutation run of the managed GEMM) tests the managed provider only.");
        }
        return ProviderAvailability.Require(kind);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void BetaZeroIgnoresNaNInC(BlasProviderKind kind)
    {
        BlasProvider provider = ProviderAvailability.Require(kind);
        float[] a = [1, 2, 3, 4], b = [1, 0, 0, 1], c = [float.NaN, float.NaN, float.NaN, float.NaN];
        provider.Gemm(Transpose.None, Transpose.None, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal([1f, 2f, 3f, 4f], c);
    }

    [Fact]
    public void ShortSpanIsRejectedBeforeAnyProviderRuns()
    {
        BlasProvider provider = Blas.Load(BlasProviderKind.Managed);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            provider.Gemm(Transpose.None, Transpose.None, 3, 3, 3, 1f, new float[8], 3, new float[9], 3, 0f, new float[9], 3));
        Assert.Contains("A holds 8 elements", error.Message);
    }

    [Fact]
    public void LeadingDimensionSmallerThanRowIsRejected()
    {
        BlasProvider provider = Blas.Load(BlasProviderKind.Managed);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            provider.Gemm(Transpose.Transposed, Transpose.None, 3, 3, 2, 1f, new float[6], 2, new float[6], 3, 0f, new float[9], 3));
        Assert.Equal("lda", error.ParamName);
    }

    [Fact]
    public void ManagedGemmIsCorrectWhenSeveralThreadsCallAtOnce()
    {
        BlasProvider provider = Blas.Load(BlasProviderKind.Managed);
        var random = new Random(3);
        const int m = 90, n = 70, k = 110;
        double[] a = RandomArray<double>(random, m * k), b = RandomArray<double>(random, k * n);
        double[] expected = new double[m * n];
        Naive(Transpose.None, Transpose.None, m, n, k, 1.0, a, k, b, n, 0.0, expected, n);
        Parallel.For(0, 16, _ =>
        {
            double[] c = new double[m * n];
            provider.Gemm(Transpose.None, Transpose.None, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
            for (int i = 0; i < c.Length; i++) Assert.Equal(expected[i], c[i], 1e-10);
        });
    }

    /// <summary>Every case in float and double on a given provider.</summary>
    internal void RunAllCasesOn(BlasProvider provider)
    {
        RunAllCases<float>(provider, 6e-8);
        RunAllCases<double>(provider, 1.2e-16);
    }

    private void RunAllCases<T>(BlasProvider provider, double epsilon) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(42);
        double worst = 0;
        int cases = 0;
        // NN_GEMM_SAMPLED=1 (for mutation runs, where the suite runs once per mutant) keeps every shape and transpose
        // pair but runs three of the eight scaling-and-padding combinations for each: α = 0.5, β = 0.25 and α = 1, β = 0
        // with padding (reads and writes beyond a row show there, and a read of C under β = 0), and one of the others in
        // turn; α = 0 with padding too (A and B then hold NaN): 299 cases instead of 672.
        bool sampled = Environment.GetEnvironmentVariable("NN_GEMM_SAMPLED") == "1";
        int combination = 0;
        foreach ((int m, int n, int k) in Shapes)
        foreach (Transpose transA in new[] { Transpose.None, Transpose.Transposed })
        foreach (Transpose transB in new[] { Transpose.None, Transpose.Transposed })
        foreach ((double alpha, double beta) in Scalings)
        foreach (int padding in new[] { 0, 3 })
        {
            bool rotating = combination++ % (Scalings.Length * 2 + 1) == 0, hardest = (alpha is 0.5 or 0 || beta == 0) && padding > 0;
            if (sampled && !rotating && !hardest)
            {
                continue;
            }
            (int aRows, int aCols) = transA == Transpose.None ? (m, k) : (k, m);
            (int bRows, int bCols) = transB == Transpose.None ? (k, n) : (n, k);
            int lda = Math.Max(1, aCols) + padding, ldb = Math.Max(1, bCols) + padding, ldc = Math.Max(1, n) + padding;
            // Padding is never part of the product: NaN in A's and B's would poison any result that read it, and C's
            // holds −0, which an added +0 would turn into +0, so it must come back bit for bit.
            // Each matrix is followed by one guard row of the same fill: a read or a write one row past the end meets it.
            T[] a = WithGuardRow(Padded(RandomArray<T>(random, Math.Max(1, aRows * lda)), aCols, lda, T.NaN), lda, T.NaN);
            T[] b = WithGuardRow(Padded(RandomArray<T>(random, Math.Max(1, bRows * ldb)), bCols, ldb, T.NaN), ldb, T.NaN);
            T[] c = WithGuardRow(Padded(RandomArray<T>(random, Math.Max(1, m * ldc)), n, ldc, T.NegativeZero), ldc, T.NegativeZero);
            // β = 0 means C is output only (BLAS never reads it): NaN there must not reach the result. α = 0 means A and B
            // are not read either.
            if (beta == 0) for (int i = 0; i < m; i++) c.AsSpan(i * ldc, n).Fill(T.NaN);
            if (alpha == 0)
            {
                for (int i = 0; i < aRows; i++) a.AsSpan(i * lda, aCols).Fill(T.NaN);
                for (int i = 0; i < bRows; i++) b.AsSpan(i * ldb, bCols).Fill(T.NaN);
            }
            T[] expected = (T[])c.Clone();
            double[] bound = new double[expected.Length];
            Naive(transA, transB, m, n, k, T.CreateChecked(alpha), a, lda, b, ldb, T.CreateChecked(beta), expected, ldc, bound);

            provider.Gemm(transA, transB, m, n, k, T.CreateChecked(alpha), a, lda, b, ldb, T.CreateChecked(beta), c, ldc);

            for (int index = Math.Max(1, m * ldc); index < c.Length; index++)
            {
                if (!T.IsNegative(c[index]) || !T.IsZero(c[index])) Assert.Fail(
                    $"{provider.Name} {typeof(T).Name} m={m} n={n} k={k} {transA}/{transB} α={alpha} β={beta} pad={padding}: " +
                    $"C's guard row was written at {index - m * ldc} ({c[index]})");
            }
            for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                int index = i * ldc + j;
                if (j >= n)
                {
                    if (!T.IsNegative(c[index]) || !T.IsZero(c[index])) Assert.Fail(
                        $"{provider.Name} {typeof(T).Name} m={m} n={n} k={k} {transA}/{transB} α={alpha} β={beta} pad={padding}: " +
                        $"padding C[{i},{j}] = {c[index]} was written");
                    continue;
                }
                double difference = Math.Abs(double.CreateChecked(c[index]) - double.CreateChecked(expected[index]));
                // Standard GEMM error bound: (k + 2)·ε·(|α|·Σ|a||b| + |β|·|c|).
                double tolerance = (k + 2) * epsilon * bound[index] + 1e-300;
                // The message is built only on failure: formatting it for each of millions of passing elements cost most of the test's time.
                if (!(difference <= tolerance)) Assert.Fail(
                    $"{provider.Name} {typeof(T).Name} m={m} n={n} k={k} {transA}/{transB} α={alpha} β={beta} pad={padding}: " +
                    $"C[{i},{j}] = {c[index]}, expected {expected[index]} (difference {difference:E2} > {tolerance:E2})");
                if (bound[index] > 0) worst = Math.Max(worst, difference / bound[index]);
            }
            cases++;
        }
        output.WriteLine($"{provider}: {cases} cases, largest error / (Σ|a||b|) = {worst:E2}");
    }

    // Fills the elements of each row of a row-major array beyond its first `columns` (up to the leading dimension).
    private static T[] Padded<T>(T[] values, int columns, int leading, T fill)
    {
        for (int start = 0; start < values.Length; start += leading)
        for (int j = columns; j < leading && start + j < values.Length; j++)
            values[start + j] = fill;
        return values;
    }

    private static T[] WithGuardRow<T>(T[] values, int leading, T fill)
    {
        var guarded = new T[values.Length + leading];
        values.CopyTo(guarded, 0);
        guarded.AsSpan(values.Length).Fill(fill);
        return guarded;
    }

    private static T[] RandomArray<T>(Random random, int length) where T : System.Numerics.INumberBase<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }

    // Reference: C = α·op(A)·op(B) + β·C in double; bound receives |α|·Σ|a||b| + |β|·|c| per element. op(A)'s rows and
    // op(B)'s columns are copied to contiguous double rows first, so each element is a dot product.
    private static void Naive<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha, T[] a, int lda,
        T[] b, int ldb, T beta, T[] c, int ldc, double[]? bound = null) where T : System.Numerics.INumberBase<T>
    {
        double al = double.CreateChecked(alpha), be = double.CreateChecked(beta);
        double[] rows = new double[m * k], columns = new double[n * k];
        for (int i = 0; i < m; i++)
        for (int p = 0; p < k; p++)
            rows[i * k + p] = double.CreateChecked(transA == Transpose.None ? a[i * lda + p] : a[p * lda + i]);
        for (int j = 0; j < n; j++)
        for (int p = 0; p < k; p++)
            columns[j * k + p] = double.CreateChecked(transB == Transpose.None ? b[p * ldb + j] : b[j * ldb + p]);
        double[] absRows = new double[rows.Length], absColumns = new double[columns.Length];
        TensorPrimitives.Abs(rows, absRows);
        TensorPrimitives.Abs(columns, absColumns);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            // TensorPrimitives is compiled optimised, so the reference stays fast in a Debug test run.
            // As in BLAS, α = 0 leaves A and B unread and β = 0 leaves C unread.
            double product = al == 0 ? 0 : al * TensorPrimitives.Dot(rows.AsSpan(i * k, k), columns.AsSpan(j * k, k));
            double absProduct = al == 0 ? 0 : Math.Abs(al) * TensorPrimitives.Dot(absRows.AsSpan(i * k, k), absColumns.AsSpan(j * k, k));
            double old = be == 0 ? 0 : double.CreateChecked(c[i * ldc + j]);
            c[i * ldc + j] = T.CreateChecked(product + be * old);
            if (bound is not null) bound[i * ldc + j] = absProduct + Math.Abs(be * old) + Math.Abs(product + be * old);
        }
    }
}
