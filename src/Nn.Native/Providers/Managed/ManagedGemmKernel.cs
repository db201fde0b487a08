using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// Single-threaded GEMM in the Goto/BLIS shape: C is updated in KC-deep slices; each slice packs a
/// block of op(B) into NR-wide column panels and a block of alpha·op(A) into MR-tall row panels, so
/// the MR×NR micro-kernel streams both from contiguous, cache-resident memory with FMA on the widest
/// vectors the CPU has (NR = two vectors; MR = 8 rows with 512-bit vectors, whose 32 registers hold 16
/// accumulators, else 6). Packing is the only place where transposes and leading dimensions matter.
/// Packing also lists, per panel, the depth steps whose packed row is not all zeros (<see cref="PanelSteps"/>): a tile
/// whose A panel skips at least one step in 16 and whose B panel is all finite walks only A's listed steps (or the other
/// way round), with bit-identical results.
/// </summary>
internal static unsafe class ManagedGemmKernel<T, TVector> where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct, IPanelVector<TVector, T>
{
    /// <summary>Rows of the micro-kernel: 8 when vectors are 64 bytes (32 registers), else 6 (16 registers).</summary>
    internal static int MR => TVector.Count * Unsafe.SizeOf<T>() == 64 ? 8 : 6;
    private const int KC = 256;
    private static int MC => MR == 8 ? 128 : 120;
    private const int NC = 2048;
    private static int W => TVector.Count;
    private static int NR => 2 * TVector.Count;

    // Per-thread packing buffers, allocated on a thread's first call and reused afterwards.
    [ThreadStatic] private static AlignedBuffer<T>? t_packedA;
    [ThreadStatic] private static AlignedBuffer<T>? t_packedB;
    [ThreadStatic] private static AlignedBuffer<int>? t_stepsA;   // a PanelSteps list per row panel of packed A
    [ThreadStatic] private static AlignedBuffer<int>? t_stepsB;   // and per column panel of packed B

    /// <summary>Whether depth steps whose packed row is all zeros are skipped (bit-identical; off only to measure the dense rate).</summary>
    internal static bool SkipZeroSteps = true;

    /// <summary>Depth steps the micro-kernel has walked on this thread, tile by tile: what skipping saved, for tests and benchmarks.</summary>
    [ThreadStatic] internal static long t_stepsWalked;

    /// <summary>C(m×n) = alpha·op(A)·op(B) + beta·C on validated arguments.</summary>
    // Every method of a product is compiled optimised at once: starting at tier 0 cost the first epoch tens of ms.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
    {
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (ThinDotKernel<T, TVector>.Applies(transA, transB, m, n, k))
        {
            ScaleC(m, n, beta, c, ldc);
            ThinDotKernel<T, TVector>.Multiply(m, n, k, alpha, a, lda, b, ldb, c, ldc);
            return;
        }
        if (ThinRowKernel<T, TVector>.Applies(transA, transB, m, n))
        {
            ScaleC(m, n, beta, c, ldc);
            ThinRowKernel<T, TVector>.Multiply(m, n, k, alpha, a, lda, b, ldb, c, ldc);
            return;
        }
        if (ThinColumnKernel<T, TVector>.Applies(transA, n))
        {
            ScaleC(m, n, beta, c, ldc);
            ThinColumnKernel<T, TVector>.Multiply(transB, m, n, k, alpha, a, lda, b, ldb, c, ldc);
            return;
        }
        // With β = 0 the first depth slice stores its tiles instead of adding them to a cleared C: one pass over C
        // fewer, and C is never read (BLAS semantics: NaN already in C does not propagate).
        bool overwrite = beta == T.Zero;
        if (!overwrite) ScaleC(m, n, beta, c, ldc);

        t_packedA ??= new AlignedBuffer<T>(MC * KC);
        t_packedB ??= new AlignedBuffer<T>(KC * (NC + 2 * TVector.Count));
        int listLength = PanelSteps.ListLength(KC);
        t_stepsA ??= new AlignedBuffer<int>(MC / MR * listLength);
        t_stepsB ??= new AlignedBuffer<int>((NC / NR + 1) * listLength);
        T* packedA = t_packedA.Pointer;
        T* packedB = t_packedB.Pointer;
        // Zero steps are skipped only with a finite α: a zero times a non-finite α is NaN, which skipping would drop.
        bool skip = SkipZeroSteps && T.IsFinite(alpha);
        int* stepsA = skip ? t_stepsA.Pointer : null;
        int* stepsB = skip ? t_stepsB.Pointer : null;

        // K in equal slices of at most KC: 784 as 4 × 196 rather than 3 × 256 + 16, whose thin last slice would
        // reload and store C for very few multiply-adds.
        long walked = 0;   // added to t_stepsWalked once, at the end
        int slices = (k + KC - 1) / KC;
        int sliceDepth = (k + slices - 1) / slices;
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += sliceDepth)
            {
                int kc = Math.Min(sliceDepth, k - pc);
                bool store = overwrite && pc == 0;   // the first slice writes C; later ones add to it
                PackB(transB, b, ldb, pc, jc, kc, nc, packedB, stepsB, listLength);
                // A list is worth walking when it skips at least one step in 16.
                int worthListing = kc - Math.Max(1, kc / 16);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    PackA(transA, a, lda, ic, pc, mc, kc, alpha, packedA, stepsA, listLength);
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int nr = Math.Min(NR, nc - jr);
                        T* panelB = packedB + jr * kc;
                        int* listB = stepsB == null ? null : stepsB + jr / NR * listLength;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            T* tile = c + (ic + ir) * (long)ldc + jc + jr;
                            T* panelA = packedA + ir * kc;
                            int* listA = stepsA == null ? null : stepsA + ir / MR * listLength;
                            int* list = listA == null ? null : Walk(listA, panelA, MR, listB, panelB, NR, kc, worthListing);
                            if (list != null) Tile(new ListedDepths(list), panelA, panelB, tile, ldc, mr, nr, store);
                            else Tile(new AllDepths(kc), panelA, panelB, tile, ldc, mr, nr, store);
                            walked += list != null ? PanelSteps.Count(list) : kc;
                        }
                    }
                }
            }
        }
        t_stepsWalked += walked;
    }

    /// <summary>
    /// The list a tile walks: A's when it lists at most <paramref name="worthListing"/> steps and B's panel is all finite
    /// (B's rows at A's zero steps then add nothing), else B's the other way round, the shorter when both qualify; null
    /// to walk every step. Panels are <paramref name="kc"/> steps of <paramref name="widthA"/> and <paramref name="widthB"/> values.
    /// </summary>
    internal static int* Walk(int* listA, T* panelA, int widthA, int* listB, T* panelB, int widthB, int kc, int worthListing)
    {
        int countA = PanelSteps.Count(listA), countB = PanelSteps.Count(listB);
        bool byA = countA <= worthListing && PanelSteps.IsFinite(listB, panelB, kc * widthB);
        bool byB = countB <= worthListing && (!byA || countB < countA) && PanelSteps.IsFinite(listA, panelA, kc * widthA);
        return byB ? listB : byA ? listA : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TSteps>(TSteps steps, T* a, T* b, T* c, int ldc, int mr, int nr, bool store) where TSteps : struct, IDepthSteps
    {
        if (MR == 8) MicroKernel8(steps, a, b, c, ldc, mr, nr, store);
        else MicroKernel6(steps, a, b, c, ldc, mr, nr, store);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleC(int m, int n, T beta, T* c, int ldc)
    {
        if (beta == T.One)
        {
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + i * (long)ldc, n);
            if (beta == T.Zero)
            {
                row.Clear(); // BLAS semantics: with beta = 0, C is not read, so NaN in C does not propagate.
            }
            else
            {
                for (int j = 0; j < row.Length; j++) row[j] *= beta;
            }
        }
    }

    // packed[(i / MR) * kc * MR + p * MR + i % MR] = alpha · op(A)[ic + i, pc + p], zero-padded to whole panels.
    // steps (when not null): one PanelSteps list of listLength ints per panel, filled where packing is vectorised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(Transpose transA, T* a, int lda, int ic, int pc, int mc, int kc, T alpha, T* packed, int* steps, int listLength)
    {
        int mrFull = MR;
        for (int ir = 0; ir < mc; ir += mrFull)
        {
            int mr = Math.Min(mrFull, mc - ir);
            T* panel = packed + ir * kc;
            int* list = steps == null ? null : steps + ir / mrFull * listLength;
            if (list != null) PanelSteps.Reset(list, kc);
            if (transA == Transpose.None)
            {
                T* source = a + (ic + ir) * (long)lda + pc;
                // Whole 8-row panels are 8×8 transposes in registers: a scalar interleave of the rows cost about 1 ns
                // an element, a fifth of the forward product at batch 128. The same registers find the zero steps
                // (a sample's blank pixels, a unit's inactive rows) at a few instructions per eight steps.
                if (mr == 8 && TransposedPanelPacking.TryPack(source, lda, kc, 8, panel, list))
                {
                    if (alpha != T.One) Scale(panel, 8 * kc, alpha);
                    continue;
                }
                for (int r = 0; r < mrFull; r++)
                {
                    if (r >= mr)
                    {
                        for (int p = 0; p < kc; p++) panel[p * mrFull + r] = T.Zero;
                        continue;
                    }
                    T* row = source + r * (long)lda;
                    for (int p = 0; p < kc; p++) panel[p * mrFull + r] = alpha * row[p];
                }
            }
            else if (mr == 8 && Unsafe.SizeOf<T>() == 4)
            {
                // op(A) = Aᵀ: each depth step's 8 rows are 8 contiguous elements of A, one 256-bit vector of floats.
                Vector256<T> scale = Vector256.Create(alpha);
                for (int p = 0; p < kc; p++)
                {
                    Vector256.Store(scale * Vector256.Load(a + (pc + p) * (long)lda + ic + ir), panel + p * 8);
                }
            }
            else if (mr == 8)
            {
                Vector512<T> scale = Vector512.Create(alpha);   // doubles: 8 of them fill a 512-bit vector
                for (int p = 0; p < kc; p++)
                {
                    Vector512.Store(scale * Vector512.Load(a + (pc + p) * (long)lda + ic + ir), panel + p * 8);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* source = a + (pc + p) * (long)lda + ic + ir;
                    T* target = panel + p * mrFull;
                    for (int r = 0; r < mr; r++) target[r] = alpha * source[r];
                    for (int r = mr; r < mrFull; r++) target[r] = T.Zero;
                }
            }
        }
    }

    // values[0..count) *= alpha, where count is a panel's 8·kc elements: a whole number of 256-bit vectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(T* values, int count, T alpha)
    {
        Vector256<T> scale = Vector256.Create(alpha);
        for (int i = 0; i < count; i += Vector256<T>.Count) Vector256.Store(scale * Vector256.Load(values + i), values + i);
    }

    // packed[(j / NR) * kc * NR + p * NR + j % NR] = op(B)[pc + p, jc + j], zero-padded to whole panels.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(Transpose transB, T* b, int ldb, int pc, int jc, int kc, int nc, T* packed, int* steps, int listLength)
    {
        int nr = NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int width = Math.Min(nr, nc - jr);
            T* panel = packed + jr * kc;
            int* list = steps == null ? null : steps + jr / nr * listLength;
            if (list != null) PanelSteps.Reset(list, kc);
            if (transB == Transpose.None && width == nr && list != null)
            {
                // Rows of B are samples (a weight gradient δᵀ·X) or units: a row of this panel's columns that is all
                // zeros (a blank stretch of an image) is a step a tile can skip. A loop of its own: one loop for both
                // cases, with a branch per row, cost the weight gradient 0.5 %.
                int count = 0;
                for (int p = 0; p < kc; p++)
                {
                    T* source = b + (pc + p) * (long)ldb + jc + jr;
                    T* target = panel + p * nr;
                    TVector left = TVector.Load(source), right = TVector.Load(source + W);
                    TVector.Store(left, target);
                    TVector.Store(right, target + W);
                    list[PanelSteps.FirstStep + count] = p;
                    count += TVector.AllZero(left, right) ? 0 : 1;
                }
                list[PanelSteps.CountSlot] = count;
            }
            else if (transB == Transpose.None)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* source = b + (pc + p) * (long)ldb + jc + jr;
                    T* target = panel + p * nr;
                    if (width == nr)
                    {
                        TVector.Store(TVector.Load(source), target);
                        TVector.Store(TVector.Load(source + W), target + W);
                    }
                    else
                    {
                        for (int j = 0; j < width; j++) target[j] = source[j];
                        for (int j = width; j < nr; j++) target[j] = T.Zero;
                    }
                }
            }
            else if (width == nr && TransposedPanelPacking.TryPack(b + (jc + jr) * (long)ldb + pc, ldb, kc, nr, panel))
            {
                // Vectorised transposition: a scalar one cost ~1 ns per element, which for the forward
                // product X·Wᵀ at batch 128 was 30 % of the whole GEMM.
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* target = panel + p * nr;
                    T* source = b + (jc + jr) * (long)ldb + pc + p;
                    for (int j = 0; j < width; j++) target[j] = source[j * (long)ldb];
                    for (int j = width; j < nr; j++) target[j] = T.Zero;
                }
            }
        }
    }

    // c[0..mr, 0..nr] += packedA(6×kc) · packedB(kc×NR); twelve accumulators stay in registers (256-bit vectors).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel6<TSteps>(TSteps steps, T* aPanel, T* bPanel, T* c, int ldc, int mr, int nr, bool store) where TSteps : struct, IDepthSteps
    {
        int w = W;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int count = steps.Count;
        for (int q = 0; q < count; q++)
        {
            int p = steps.Depth(q);
            T* a = aPanel + p * 6, b = bPanel + p * 2 * w;
            TVector b0 = TVector.Load(b);
            TVector b1 = TVector.Load(b + w);
            TVector ai = TVector.Broadcast(a[0]);
            c00 = TVector.MultiplyAdd(ai, b0, c00); c01 = TVector.MultiplyAdd(ai, b1, c01);
            ai = TVector.Broadcast(a[1]);
            c10 = TVector.MultiplyAdd(ai, b0, c10); c11 = TVector.MultiplyAdd(ai, b1, c11);
            ai = TVector.Broadcast(a[2]);
            c20 = TVector.MultiplyAdd(ai, b0, c20); c21 = TVector.MultiplyAdd(ai, b1, c21);
            ai = TVector.Broadcast(a[3]);
            c30 = TVector.MultiplyAdd(ai, b0, c30); c31 = TVector.MultiplyAdd(ai, b1, c31);
            ai = TVector.Broadcast(a[4]);
            c40 = TVector.MultiplyAdd(ai, b0, c40); c41 = TVector.MultiplyAdd(ai, b1, c41);
            ai = TVector.Broadcast(a[5]);
            c50 = TVector.MultiplyAdd(ai, b0, c50); c51 = TVector.MultiplyAdd(ai, b1, c51);
        }

        if (mr == 6 && nr == 2 * w)
        {
            AddRow(c, c00, c01, w, store);
            AddRow(c + ldc, c10, c11, w, store);
            AddRow(c + 2 * (long)ldc, c20, c21, w, store);
            AddRow(c + 3 * (long)ldc, c30, c31, w, store);
            AddRow(c + 4 * (long)ldc, c40, c41, w, store);
            AddRow(c + 5 * (long)ldc, c50, c51, w, store);
            return;
        }

        EdgeTile(c, ldc, mr, nr, store, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, default, default, default, default);
    }

    // c[0..mr, 0..nr] += packedA(8×kc) · packedB(kc×NR); sixteen accumulators stay in registers (512-bit vectors).
    // C's tile is fetched at the start so that its cache misses overlap the multiply-adds instead of following them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel8<TSteps>(TSteps steps, T* aPanel, T* bPanel, T* c, int ldc, int mr, int nr, bool store) where TSteps : struct, IDepthSteps
    {
        int w = W;
        for (int r = 0; Sse.IsSupported && r < mr; r++)
        {
            Sse.Prefetch0(c + r * (long)ldc);
            Sse.Prefetch0(c + r * (long)ldc + nr - 1);
        }
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        TVector c60 = default, c61 = default, c70 = default, c71 = default;
        int count = steps.Count;
        for (int q = 0; q < count; q++)
        {
            int p = steps.Depth(q);
            T* a = aPanel + p * 8, b = bPanel + p * 2 * w;
            TVector b0 = TVector.Load(b);
            TVector b1 = TVector.Load(b + w);
            TVector a0 = TVector.Broadcast(a[0]), a1 = TVector.Broadcast(a[1]);
            c00 = TVector.MultiplyAdd(a0, b0, c00); c01 = TVector.MultiplyAdd(a0, b1, c01);
            c10 = TVector.MultiplyAdd(a1, b0, c10); c11 = TVector.MultiplyAdd(a1, b1, c11);
            a0 = TVector.Broadcast(a[2]); a1 = TVector.Broadcast(a[3]);
            c20 = TVector.MultiplyAdd(a0, b0, c20); c21 = TVector.MultiplyAdd(a0, b1, c21);
            c30 = TVector.MultiplyAdd(a1, b0, c30); c31 = TVector.MultiplyAdd(a1, b1, c31);
            a0 = TVector.Broadcast(a[4]); a1 = TVector.Broadcast(a[5]);
            c40 = TVector.MultiplyAdd(a0, b0, c40); c41 = TVector.MultiplyAdd(a0, b1, c41);
            c50 = TVector.MultiplyAdd(a1, b0, c50); c51 = TVector.MultiplyAdd(a1, b1, c51);
            a0 = TVector.Broadcast(a[6]); a1 = TVector.Broadcast(a[7]);
            c60 = TVector.MultiplyAdd(a0, b0, c60); c61 = TVector.MultiplyAdd(a0, b1, c61);
            c70 = TVector.MultiplyAdd(a1, b0, c70); c71 = TVector.MultiplyAdd(a1, b1, c71);
        }

        if (mr == 8 && nr == 2 * w)
        {
            AddRow(c, c00, c01, w, store);
            AddRow(c + ldc, c10, c11, w, store);
            AddRow(c + 2 * (long)ldc, c20, c21, w, store);
            AddRow(c + 3 * (long)ldc, c30, c31, w, store);
            AddRow(c + 4 * (long)ldc, c40, c41, w, store);
            AddRow(c + 5 * (long)ldc, c50, c51, w, store);
            AddRow(c + 6 * (long)ldc, c60, c61, w, store);
            AddRow(c + 7 * (long)ldc, c70, c71, w, store);
            return;
        }

        EdgeTile(c, ldc, mr, nr, store, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    // Edge tile: the accumulators spilled to the stack, only the valid mr×nr part added to C (or stored there). Kept out
    // of line: inlined, its stores made the JIT keep every accumulator's stack copy up to date inside the k loop when
    // it had no profile data (TieredPGO off: 40 % of peak instead of 93 %).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EdgeTile(T* c, int ldc, int mr, int nr, bool store, TVector c00, TVector c01, TVector c10, TVector c11,
        TVector c20, TVector c21, TVector c30, TVector c31, TVector c40, TVector c41, TVector c50, TVector c51,
        TVector c60, TVector c61, TVector c70, TVector c71)
    {
        int w = W, stride = 2 * w;
        T* tile = stackalloc T[8 * stride];
        TVector.Store(c00, tile); TVector.Store(c01, tile + w);
        TVector.Store(c10, tile + stride); TVector.Store(c11, tile + stride + w);
        TVector.Store(c20, tile + 2 * stride); TVector.Store(c21, tile + 2 * stride + w);
        TVector.Store(c30, tile + 3 * stride); TVector.Store(c31, tile + 3 * stride + w);
        TVector.Store(c40, tile + 4 * stride); TVector.Store(c41, tile + 4 * stride + w);
        TVector.Store(c50, tile + 5 * stride); TVector.Store(c51, tile + 5 * stride + w);
        TVector.Store(c60, tile + 6 * stride); TVector.Store(c61, tile + 6 * stride + w);
        TVector.Store(c70, tile + 7 * stride); TVector.Store(c71, tile + 7 * stride + w);

        if (nr == stride)
        {
            for (int r = 0; r < mr; r++)
            {
                T* row = c + r * (long)ldc;
                AddRow(row, TVector.Load(tile + r * stride), TVector.Load(tile + r * stride + W), W, store);
            }
            return;
        }
        for (int r = 0; r < mr; r++)
        {
            T* row = c + r * (long)ldc;
            if (store)
            {
                for (int j = 0; j < nr; j++) row[j] = tile[r * stride + j];
            }
            else
            {
                for (int j = 0; j < nr; j++) row[j] += tile[r * stride + j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(T* row, TVector left, TVector right, int w, bool store)
    {
        if (store)
        {
            TVector.Store(left, row);
            TVector.Store(right, row + w);
            return;
        }
        TVector.Store(TVector.Add(TVector.Load(row), left), row);
        TVector.Store(TVector.Add(TVector.Load(row + w), right), row + w);
    }
}

/// <summary>Picks the kernel for the widest hardware vectors: 512-bit where AVX-512 is available, else 256-bit.</summary>
internal static unsafe class ManagedGemmKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool UsesWideVectors => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    /// <summary>Depth steps the micro-kernel has walked on this thread (see ManagedGemmKernel{T, TVector}.t_stepsWalked).</summary>
    internal static long StepsWalked => UsesWideVectors
        ? ManagedGemmKernel<T, Panel512<T>>.t_stepsWalked
        : ManagedGemmKernel<T, Panel256<T>>.t_stepsWalked;

    /// <summary>Whether zero depth steps are skipped, for both vector widths (bench and tests switch it off to compare).</summary>
    internal static bool SkipZeroSteps
    {
        get => ManagedGemmKernel<T, Panel512<T>>.SkipZeroSteps;
        set
        {
            ManagedGemmKernel<T, Panel512<T>>.SkipZeroSteps = value;
            ManagedGemmKernel<T, Panel256<T>>.SkipZeroSteps = value;
        }
    }

    /// <summary>Row granule a parallel split should respect (the kernel's MR).</summary>
    public static int RowGranule => UsesWideVectors ? ManagedGemmKernel<T, Panel512<T>>.MR : ManagedGemmKernel<T, Panel256<T>>.MR;

    /// <summary>Column granule a parallel split should respect (the kernel's NR).</summary>
    public static int ColumnGranule => 2 * (UsesWideVectors ? Vector512<T>.Count : Vector256<T>.Count);

    public static void Multiply(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
    {
        if (UsesWideVectors)
        {
            ManagedGemmKernel<T, Panel512<T>>.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
        else
        {
            ManagedGemmKernel<T, Panel256<T>>.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }
}
