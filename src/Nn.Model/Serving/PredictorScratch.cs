namespace Nn.Serving;

/// <summary>
/// Per-thread working memory for predictions: two ping-pong activation buffers, softmax's per-row log-sum-exp and the
/// single-row kernel's list of non-zero inputs. A thread runs one prediction at a time, so one scratch per thread (shared
/// by every predictor the thread uses) needs no lock; it grows to the largest need seen and is then reused, so steady-state
/// calls allocate nothing.
/// </summary>
internal sealed class PredictorScratch
{
    [ThreadStatic]
    private static PredictorScratch? t_current;

    private PredictorScratch(int activations, int rows, int indices)
    {
        Front = new PinnedFloats(activations);
        Back = new PinnedFloats(activations);
        LogSumExp = new PinnedFloats(rows);
        Indices = GC.AllocateArray<int>(indices, pinned: true);
    }

    [ThreadStatic]
    private static float[]? t_classes;

    /// <summary>This thread's buffer for one sample's class scores (top-k), at least <paramref name="count"/> long.</summary>
    public static Span<float> Classes(int count)
    {
        if (t_classes is null || t_classes.Length < count) t_classes = new float[count];
        return t_classes.AsSpan(0, count);
    }

    public PinnedFloats Front { get; }

    public PinnedFloats Back { get; }

    public PinnedFloats LogSumExp { get; }

    public int[] Indices { get; }

    /// <summary>This thread's scratch with at least the given room.</summary>
    public static PredictorScratch For(int activations, int rows, int indices)
    {
        PredictorScratch? scratch = t_current;
        if (scratch is null || scratch.Front.Length < activations || scratch.LogSumExp.Length < rows || scratch.Indices.Length < indices)
        {
            scratch = new PredictorScratch(
                Math.Max(activations, scratch?.Front.Length ?? 0),
                Math.Max(rows, scratch?.LogSumExp.Length ?? 0),
                Math.Max(indices, scratch?.Indices.Length ?? 0));
            t_current = scratch;
        }
        return scratch;
    }
}
