using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Nn.Bench;

/// <summary>Short runs (the machine has 2 cores and a CI budget), allocations shown, and a GFLOP/s column.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(7));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new GflopsColumn());
        AddColumn(StatisticColumn.Median);
        WithOptions(ConfigOptions.JoinSummary);
        Options |= ConfigOptions.DisableLogFile;
    }
}
