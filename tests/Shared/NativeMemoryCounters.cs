using Xunit;

namespace Nn.Testing;

/// <summary>
/// The collection of tests that read the process-wide native memory counters: they run alone, so no other test
/// allocates meanwhile.
/// </summary>
[CollectionDefinition(nameof(NativeMemoryCounters), DisableParallelization = true)]
public sealed class NativeMemoryCounters
{
    /// <summary>
    /// Buffers that earlier tests dropped without Dispose are freed by their finalizers whenever a GC runs; let those run
    /// now, so that the counters move only with what the test does.
    /// </summary>
    public static void SettleFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
