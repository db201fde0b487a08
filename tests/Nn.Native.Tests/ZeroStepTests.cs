using System.Numerics;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;
using Xunit;

namespace Nn.Native.Tests;

// The tests below switch skipping off to get the every-step product, a process-wide setting: no other test runs meanwhile.
[CollectionDefinition(nameof(ZeroStepCollection), DisableParallelization = true)]
public sealed class ZeroStepCollection;

/// <summary>
/// Skipping the depth steps whose packed row is all zeros: the lists packing writes, which list a tile walks, and
/// products that are bit-for-bit those of walking every step (NaN and ∞ included) while walking fewer steps.
/// </summary>
[Collection(nameof(ZeroStepCollection))]
public sealed unsafe class ZeroStepTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(0x80u)]
    [InlineData(0xFFu)]
    [InlineData(0b1011_0010u)]
    public void AppendAddsTheStepOfEverySetBitInOrderAfterTheExistingOnes(uint nonZero)
    {
        int[] expected = [7, 9, 11, .. Enumerable.Range(0, 8).Where(i => (nonZero & (1u << i)) != 0).Select(i => 40 + i)];
        foreach (bool eachBit in new[] { false, true })
        {
            var steps = new int[3 + 8 + 8];
            steps[0] = 7; steps[1] = 9; steps[2] = 11;
            int count = -1;
            // On a background thread with a time limit: a bit loop that never ends fails the test instead of hanging it.
            var appender = new Thread(() =>
            {
                fixed (int* s = steps)
                {
                    count = eachBit ? PanelSteps.AppendEachBit(s, 3, 40, nonZero) : PanelSteps.Append(s, 3, 40, nonZero);
                }
            }) { IsBackground = true };
            appender.Start();
            Assert.True(appender.Join(TimeSpan.FromSeconds(10)), "Append has not returned after 10 s.");
            Assert.Equal(expected.Length, count);
            Assert.Equal(expected, steps[..expected.Length]);
        }
    }

    [Theory]
    [InlineData(19)] // two blocks of eight steps, then three gathered steps
    [InlineData(8)]
    [InlineData(5)]  // gathered steps only
    [InlineData(1)]
    public void PackingAnEightRowPanelListsTheStepsWithANonZeroValue(int kc)
    {
        if (!Avx2.IsSupported) Assert.Skip("The vectorised packer needs AVX2.");
        int ld = kc + 3;
        var random = new Random(kc);
        var source = new float[8 * ld];
        var expected = new List<int>();
        for (int p = 0; p < kc; p++)
        {
            // Every third step is zero in all eight rows (one of them −0); the others hold one non-zero value in a
            // random row: an ordinary number, a subnormal, or NaN, each of which makes the step count.
            int row = random.Next(8);
            if (p % 3 == 0)
            {
                source[row * ld + p] = -0f;
                continue;
            }
            source[row * ld + p] = (p % 4) switch { 0 => float.Epsilon, 1 => float.NaN, _ => p - 10.5f };
            expected.Add(p);
        }
        var packed = new float[8 * kc];
        var list = new int[PanelSteps.ListLength(kc)];
        fixed (float* s = source)
        fixed (float* target = packed)
        fixed (int* l = list)
        {
            PanelSteps.Reset(l, kc);
            Assert.True(TransposedPanelPacking.TryPack(s, ld, kc, 8, target, l));
            Assert.Equal(expected.Count, PanelSteps.Count(l));
        }
        Assert.Equal(expected, list[PanelSteps.FirstStep..(PanelSteps.FirstStep + expected.Count)]);
        for (int p = 0; p < kc; p++)
        for (int j = 0; j < 8; j++)
        {
            Assert.Equal(source[j * ld + p], packed[p * 8 + j]);   // the packing itself is unchanged
        }
    }

    [Fact]
    public void PanelsOtherThanEightRowsOfFloatsAreLeftUnlisted()
    {
        if (!Avx2.IsSupported) Assert.Skip("The vectorised packer needs AVX2.");
        // All zeros, so a list would be empty: the count stays the depth the list was reset to.
        Assert.Equal(16, CountAfterPacking<float>(rows: 32, kc: 16));
        Assert.Equal(16, CountAfterPacking<double>(rows: 8, kc: 16));
        Assert.Equal(0, CountAfterPacking<float>(rows: 8, kc: 16));
    }

    private static int CountAfterPacking<T>(int rows, int kc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var source = new T[rows * kc];
        var packed = new T[rows * kc];
        var list = new int[PanelSteps.ListLength(kc)];
        fixed (T* s = source)
        fixed (T* target = packed)
        fixed (int* l = list)
        {
            PanelSteps.Reset(l, kc);
            Assert.True(TransposedPanelPacking.TryPack(s, kc, kc, rows, target, l));
            return PanelSteps.Count(l);
        }
    }

    [Theory]
    [InlineData(0, float.NaN)]
    [InlineData(36, float.PositiveInfinity)]   // in the scalar tail of 37 values
    [InlineData(17, float.NegativeInfinity)]
    [InlineData(70, float.NaN)]                // in the 512-bit loop of 75 values
    public void APanelIsFiniteUnlessOneValueIsNaNOrInfinite(int position, float value)
    {
        int length = position + 5;
        var panel = Enumerable.Range(0, length).Select(i => i % 2 == 0 ? 0f : float.MaxValue).ToArray();
        var list = new int[PanelSteps.ListLength(1)];
        fixed (float* p = panel)
        fixed (int* l = list)
        {
            PanelSteps.Reset(l, 1);
            Assert.True(PanelSteps.IsFinite(l, p, length));
            panel[position] = value;
            Assert.True(PanelSteps.IsFinite(l, p, length));    // remembered until the panel is packed again
            PanelSteps.Reset(l, 1);
            Assert.False(PanelSteps.IsFinite(l, p, length));
        }
    }

    [Theory]
    [InlineData(3)]    // the four 512-bit chains of the first block
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(130)]  // a later block
    public void EveryChainOfTheWideLoopFindsANonFiniteValue(int position)
    {
        var panel = new float[200];
        var list = new int[PanelSteps.ListLength(1)];
        fixed (float* p = panel)
        fixed (int* l = list)
        {
            panel[position] = float.NegativeInfinity;
            PanelSteps.Reset(l, 1);
            Assert.False(PanelSteps.IsFinite(l, p, panel.Length));
            // In a panel of exactly one block, where no later block could find it instead.
            PanelSteps.Reset(l, 1);
            Assert.Equal(position >= 64, PanelSteps.IsFinite(l, p, 64));
            // Two NaNs in one chain (64 floats apart) must not cancel each other out.
            panel[position] = float.NaN;
            panel[position + 64] = float.NaN;
            PanelSteps.Reset(l, 1);
            Assert.False(PanelSteps.IsFinite(l, p, panel.Length));
        }
    }

    [Fact]
    public void TwoNaNsInTheSameLaneOfTheNarrowLoopAreFound()
    {
        // 80 values: one 512-bit block (0–63), then two 256-bit vectors (64–71, 72–79) whose lane 1 both hold NaN.
        var panel = new float[80];
        panel[65] = float.NaN;
        panel[73] = float.NaN;
        var list = new int[PanelSteps.ListLength(1)];
        fixed (float* p = panel)
        fixed (int* l = list)
        {
            PanelSteps.Reset(l, 1);
            Assert.False(PanelSteps.IsFinite(l, p, panel.Length));
        }
    }

    [Fact]
    public void OnlyThePanelsOwnValuesAreRead()
    {
        // 75 finite values followed by NaNs: a check that read past its length would find them.
        var memory = new float[256];
        Array.Fill(memory, float.NaN, 75, 256 - 75);
        var list = new int[PanelSteps.ListLength(1)];
        fixed (float* p = memory)
        fixed (int* l = list)
        {
            foreach (int length in new[] { 75, 64, 8, 1 })
            {
                PanelSteps.Reset(l, 1);
                Assert.True(PanelSteps.IsFinite(l, p, length));
            }
        }
    }

    [Fact]
    public void DoublePanelsAreCheckedToo()
    {
        var panel = new double[29];
        var list = new int[PanelSteps.ListLength(1)];
        fixed (double* p = panel)
        fixed (int* l = list)
        {
            PanelSteps.Reset(l, 1);
            Assert.True(PanelSteps.IsFinite(l, p, panel.Length));
            panel[28] = double.NaN;
            PanelSteps.Reset(l, 1);
            Assert.False(PanelSteps.IsFinite(l, p, panel.Length));
        }
    }

    // A tile walks A's list when it is short enough and B is finite, B's the other way round, the shorter of two.
    [Theory]
    [InlineData(50, true, 64, true, "A")]
    [InlineData(60, true, 64, true, "A")]      // 60 ≤ 64 − 64/16: one step in 16 skipped is enough
    [InlineData(61, true, 64, true, "none")]
    [InlineData(64, true, 40, true, "B")]
    [InlineData(64, true, 60, true, "B")]      // the same bound for B's list
    [InlineData(64, true, 61, true, "none")]
    [InlineData(50, true, 40, true, "B")]      // both qualify: the shorter
    [InlineData(40, true, 50, true, "A")]
    [InlineData(40, true, 40, true, "A")]
    [InlineData(50, true, 40, false, "B")]     // B's panel holds a NaN: A's zero steps would drop it; B's list is fine
    [InlineData(50, false, 40, true, "A")]     // and the other way round
    [InlineData(40, true, 50, false, "B")]     // the shorter list would drop a NaN: the longer one is still worth it
    [InlineData(50, false, 40, false, "none")]
    public void ATileWalksTheShorterListWhoseOtherPanelIsFinite(int countA, bool finiteA, int countB, bool finiteB, string walked)
    {
        const int kc = 64;
        var panelA = new float[kc * 8];
        var panelB = new float[kc * 32];
        if (!finiteA) panelA[^1] = float.PositiveInfinity;
        if (!finiteB) panelB[100] = float.NaN;
        var listA = new int[PanelSteps.ListLength(kc)];
        var listB = new int[PanelSteps.ListLength(kc)];
        fixed (float* a = panelA)
        fixed (float* b = panelB)
        fixed (int* la = listA)
        fixed (int* lb = listB)
        {
            PanelSteps.Reset(la, kc);
            PanelSteps.Reset(lb, kc);
            la[PanelSteps.CountSlot] = countA;
            lb[PanelSteps.CountSlot] = countB;
            int* list = ManagedGemmKernel<float, Panel512<float>>.Walk(la, a, 8, lb, b, 32, kc, kc - kc / 16);
            string chosen = list == la ? "A" : list == lb ? "B" : list == null ? "none" : "?";
            Assert.Equal(walked, chosen);
        }
    }

    public static TheoryData<Transpose, Transpose, int, int, int> Shapes => new()
    {
        { Transpose.None, Transpose.Transposed, 37, 70, 300 },   // X·Wᵀ: two depth slices, ragged row and column panels
        { Transpose.Transposed, Transpose.None, 40, 100, 128 },  // δᵀ·X
        { Transpose.None, Transpose.None, 24, 64, 90 },          // δ·W
        { Transpose.Transposed, Transpose.Transposed, 16, 33, 70 },
        { Transpose.None, Transpose.None, 130, 40, 20 },         // more rows than one block of A
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductsWithZeroStepsAreBitIdenticalToWalkingEveryStep(Transpose transA, Transpose transB, int m, int n, int k)
    {
        foreach ((float alpha, float beta) in new[] { (1f, 0f), (0.5f, 1f), (-2f, 0.25f) })
        {
            (float[] skipped, float[] every, long walked) = BothWays<float>(transA, transB, m, n, k, alpha, beta, seed: m + n + k);
            Assert.Equal(every, skipped);
            // Lists come from A packed untransposed (8 rows at a step) or B copied untransposed (a row of 32 columns).
            bool listed = transA == Transpose.None || transB == Transpose.None;
            Assert.True(!listed || walked < Tiles(m, n) * (long)k, $"walked {walked} of {Tiles(m, n) * (long)k} steps: nothing was skipped");
        }
        (double[] skippedDoubles, double[] everyDouble, _) = BothWays<double>(transA, transB, m, n, k, 0.75, 0.5, seed: k);
        Assert.Equal(everyDouble, skippedDoubles);
    }

    [Theory]
    [InlineData(Transpose.Transposed, Transpose.None, 40, 100, 128)]
    [InlineData(Transpose.None, Transpose.None, 30, 64, 90)]
    public void TheSixRowKernelOfMachinesWithoutAvx512SkipsTheZeroRowsOfBToo(Transpose transA, Transpose transB, int m, int n, int k)
    {
        if (!Avx2.IsSupported) Assert.Skip("The 256-bit kernel needs AVX2.");
        // 6-row tiles of 16 columns: B's rows are copied, and listed, 16 columns at a time.
        (float[] skipped, float[] every, long walked) = BothWays<float>(transA, transB, m, n, k, 1f, 0f, seed: 7, narrow: true);
        Assert.Equal(every, skipped);
        long tiles = (long)((m + 5) / 6) * ((n + 15) / 16);
        Assert.True(walked < tiles * k, $"walked {walked} of {tiles * k} steps: nothing was skipped");
        (double[] skippedDoubles, double[] everyDouble, _) = BothWays<double>(transA, transB, m, n, k, 0.5, 1.0, seed: 8, narrow: true);
        Assert.Equal(everyDouble, skippedDoubles);
    }

    [Fact]
    public void ATileSkipsAPanelsZeroStepsOnlyWhenOneInSixteenIsZero()
    {
        // 16 rows (two panels of 8) × 32 columns (one panel) × 64 steps, one slice: panel 0 has 3 zero steps (61 > 60,
        // walked in full), panel 1 has 8 (56 listed steps walked).
        const int m = 16, n = 32, k = 64;
        var a = Filled(m * k, 1);
        foreach (int p in new[] { 3, 10, 20 }) for (int i = 0; i < 8; i++) a[i * k + p] = 0f;
        for (int p = 5; p < 13; p++) for (int i = 8; i < 16; i++) a[i * k + p] = 0f;
        var b = Filled(k * n, 2);
        Assert.Equal(64 + 56, Walked(a, b, m, n, k));
        // A NaN in a row of B that A's zero steps would skip: every step is walked, and the NaN reaches C as it must.
        b[7 * n + 3] = float.NaN;
        Assert.Equal(64 + 64, Walked(a, b, m, n, k, c => Assert.True(float.IsNaN(c[8 * n + 3]) && float.IsNaN(c[3]))));
    }

    [Fact]
    public void ATileSkipsTheZeroRowsOfBWhenItsAPanelIsFinite()
    {
        // δᵀ·X with X's rows (samples) blank in two column panels: panel 0 has 10 zero rows, panel 1 has 2 (too few);
        // two row panels of δᵀ walk each.
        const int m = 16, n = 64, k = 64;
        var delta = Filled(k * m, 3);                  // Aᵀ stored k × m
        var x = Filled(k * n, 4);
        for (int p = 0; p < 10; p++) for (int j = 0; j < 32; j++) x[(p * 6) * n + j] = 0f;
        for (int j = 32; j < 64; j++) { x[1 * n + j] = 0f; x[2 * n + j] = 0f; }
        Assert.Equal(2 * (54 + 64), Walked(delta, x, m, n, k, transA: Transpose.Transposed));
        // Step 6 of A's first panel, where X's panel 0 is blank: ∞·0 must give NaN, so that tile walks every step.
        delta[6 * m + 2] = float.PositiveInfinity;
        Assert.Equal(64 + 54 + 2 * 64, Walked(delta, x, m, n, k, c => Assert.True(float.IsNaN(c[2 * n + 0])), Transpose.Transposed));
    }

    [Fact]
    public void ANonFiniteAlphaWalksEveryStep()
    {
        const int m = 8, n = 32, k = 32;
        var a = new float[m * k];                      // all zero: every step would be skipped
        var b = Filled(k * n, 5);
        Assert.Equal(0, Walked(a, b, m, n, k));
        Assert.Equal(32, Walked(a, b, m, n, k, c => Assert.All(c, v => Assert.True(float.IsNaN(v))), alpha: float.PositiveInfinity));
    }

    [Fact]
    public void WithSkippingOffEveryStepIsWalked()
    {
        const int m = 8, n = 32, k = 32;
        var a = new float[m * k];
        var b = Filled(k * n, 6);
        ManagedGemmKernel<float>.SkipZeroSteps = false;
        try
        {
            Assert.Equal(32, Walked(a, b, m, n, k));
        }
        finally
        {
            ManagedGemmKernel<float>.SkipZeroSteps = true;
        }
    }

    // Tiles of the micro-kernel over C: the steps a product walks without skipping are this many × k.
    private static long Tiles(int m, int n)
    {
        int mr = ManagedGemmKernel<float>.RowGranule, nr = ManagedGemmKernel<float>.ColumnGranule;
        return (long)((m + mr - 1) / mr) * ((n + nr - 1) / nr);
    }

    private static float[] Filled(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
    }

    // Runs C = α·op(A)·B on the managed kernel (this thread only) and returns the steps it walked.
    private static long Walked(float[] a, float[] b, int m, int n, int k, Action<float[]>? check = null,
        Transpose transA = Transpose.None, float alpha = 1f)
    {
        if (!ManagedGemmKernel<float>.UsesWideVectors) Assert.Skip("The step counts assume the 512-bit kernel's 8×32 tiles.");
        var c = new float[m * n];
        long before = ManagedGemmKernel<float>.StepsWalked;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            ManagedGemmKernel<float>.Multiply(transA, Transpose.None, m, n, k, alpha, pa, transA == Transpose.None ? k : m, pb, n, 0f, pc, n);
        }
        check?.Invoke(c);
        return ManagedGemmKernel<float>.StepsWalked - before;
    }

    // The product with skipping on and off, on operands whose 8-row groups of op(A) and 32-column groups of op(B) are
    // zero at a third of the steps (and some single zeros, which skip nothing); the steps walked with skipping on.
    private static (T[] Skipped, T[] Every, long Walked) BothWays<T>(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, T beta, int seed, bool narrow = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var opA = new T[m * k];
        var opB = new T[k * n];
        for (int i = 0; i < opA.Length; i++) opA[i] = random.Next(5) == 0 ? T.Zero : T.CreateChecked(random.NextDouble() - 0.5);
        for (int i = 0; i < opB.Length; i++) opB[i] = random.Next(5) == 0 ? T.Zero : T.CreateChecked(random.NextDouble() - 0.5);
        for (int group = 0; group < m; group += 8)
        for (int p = 0; p < k; p++)
        {
            if (random.Next(3) == 0) for (int i = group; i < Math.Min(m, group + 8); i++) opA[i * k + p] = T.Zero;
        }
        for (int group = 0; group < n; group += 32)
        for (int p = 0; p < k; p++)
        {
            if (random.Next(3) == 0) for (int j = group; j < Math.Min(n, group + 32); j++) opB[p * n + j] = T.Zero;
        }
        // Stored as the transposes say, with leading dimensions wider than the rows.
        int lda = (transA == Transpose.None ? k : m) + 3, ldb = (transB == Transpose.None ? n : k) + 5, ldc = n + 2;
        var a = new T[(transA == Transpose.None ? m : k) * lda];
        var b = new T[(transB == Transpose.None ? k : n) * ldb];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) a[transA == Transpose.None ? i * lda + p : p * lda + i] = opA[i * k + p];
        for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) b[transB == Transpose.None ? p * ldb + j : j * ldb + p] = opB[p * n + j];
        var initial = Enumerable.Range(0, m * ldc).Select(i => T.CreateChecked(i % 7 - 3)).ToArray();
        T[] skipped = (T[])initial.Clone(), every = (T[])initial.Clone();
        // Both runs share the thread's packing buffers: a product of other values runs before each, so that a path
        // that failed to pack would find those panels, not the other run's, and the every-step run is also held to a
        // product computed here in double.
        T[] otherA = a.Select(v => v + T.One).ToArray(), otherB = b.Select(v => v - T.One).ToArray(), otherC = new T[initial.Length];
        Multiply(otherA, otherB, otherC);
        long before = Walked();
        Multiply(a, b, skipped);
        long walked = Walked() - before;
        Multiply(otherA, otherB, otherC);
        ManagedGemmKernel<T>.SkipZeroSteps = false;
        try
        {
            Multiply(a, b, every);
        }
        finally
        {
            ManagedGemmKernel<T>.SkipZeroSteps = true;
        }
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double term = double.CreateChecked(opA[i * k + p]) * double.CreateChecked(opB[p * n + j]);
                sum += term;
                magnitude += Math.Abs(term);
            }
            double old = double.CreateChecked(initial[i * ldc + j]);
            double expected = double.CreateChecked(alpha) * sum + (beta == T.Zero ? 0 : double.CreateChecked(beta) * old);
            double bound = 1e-5 * (Math.Abs(double.CreateChecked(alpha)) * magnitude + Math.Abs(double.CreateChecked(beta) * old) + 1);
            Assert.True(Math.Abs(double.CreateChecked(every[i * ldc + j]) - expected) <= bound, $"C[{i},{j}] = {every[i * ldc + j]}, expected {expected}");
        }
        return (skipped, every, walked);

        long Walked() => narrow ? ManagedGemmKernel<T, Panel256<T>>.t_stepsWalked : ManagedGemmKernel<T>.StepsWalked;

        void Multiply(T[] left, T[] right, T[] c)
        {
            fixed (T* pa = left)
            fixed (T* pb = right)
            fixed (T* pc = c)
            {
                if (narrow) ManagedGemmKernel<T, Panel256<T>>.Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                else ManagedGemmKernel<T>.Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            }
        }
    }
}
