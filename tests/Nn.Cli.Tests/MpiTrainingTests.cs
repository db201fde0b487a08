using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>
/// nn train --distributed under Open MPI's mpirun, as a user starts it: ranks are real processes. Skipped where mpirun is not
/// installed, required when NN_REQUIRE_MPI=1 (.ci/run). Every rank uses the managed provider on 1 thread.
/// </summary>
[Collection(nameof(MpiTrainingTests))]   // the mpirun jobs would otherwise compete for the 2 cores with each other
public sealed class MpiTrainingTests(ITestOutputHelper log) : ToolFolderTests(log, "nn-cli-mpi-")
{
    // Digits: 1,438 training samples, 1,294 after the 10 % validation split; batch 64 gives 21 steps an epoch, 105 in 5 epochs.
    private static readonly string[] Common = ["train", "--quiet", "--epochs", "5", "--validation", "0.1"];

    [Theory]
    [InlineData(2, 64)]
    [InlineData(3, 50)]   // 50 rows split 16/17/17, and a last batch of 44
    [InlineData(4, 64)]
    public void EveryStepMatchesOneProcessAndEveryRankEndsWithTheSameWeights(int ranks, int batch)
    {
        Assert.Equal(0, Nn([.. Common, "--batch", $"{batch}", "--report", "single.json", "--output", "single.onnx"]).Code);
        (int code, string output) = Mpirun(ranks, [.. Common, "--distributed", "--batch", $"{batch}", "--report", "dist.json", "--output", "dist.onnx"]);
        Assert.Equal(0, code);
        Assert.Contains($"mpi       {ranks} ranks, Open MPI", output);
        Assert.Single(output.Split('\n'), line => line.StartsWith("test ", StringComparison.Ordinal));   // rank 0 alone prints

        double[] single = Report("single.json").GetProperty("batchLosses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        JsonElement report = Report("dist.json");
        double[] distributed = report.GetProperty("batchLosses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(single.Length >= 100, $"{single.Length} steps");
        Assert.Equal(single.Length, distributed.Length);
        double worst = single.Zip(distributed, (a, b) => Math.Abs(a - b) / Math.Abs(a)).Max();
        Log.WriteLine($"{ranks} ranks, batch {batch}: {single.Length} steps, worst relative step-loss difference {worst:E2}");
        Assert.True(worst <= 1e-5, $"{worst:E2}");

        string[] hashes = report.GetProperty("distributed").GetProperty("replicaWeightHashes").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(ranks, hashes.Length);
        Assert.All(hashes, h => Assert.Equal(hashes[0], h));
    }

    [Fact]
    public void RanksWithDifferentDataEndTogetherWithAMessageNamingTheRank()
    {
        WriteCsv("a.csv", 0.5);
        WriteCsv("b.csv", 0.6);
        (int code, string output) = Mpirun(0, [], ["-np", "1", .. NnCommand, "train", "--distributed", "--data", "a.csv", "--epochs", "2", "--output", "a.onnx", ":",
            "-np", "1", .. NnCommand, "train", "--distributed", "--data", "b.csv", "--epochs", "2", "--output", "b.onnx"]);
        Assert.NotEqual(0, code);
        Assert.Contains("Rank 1's training data", output);
        Assert.False(File.Exists(Path.Combine(Folder, "a.onnx")));
    }

    [Fact]
    public void AFailureOnOneRankAloneEndsEveryRank()
    {
        WriteCsv("a.csv", 0.5);
        (int code, string output) = Mpirun(0, [], ["-np", "1", .. NnCommand, "train", "--distributed", "--data", "a.csv", "--epochs", "2", "--output", "a.onnx", ":",
            "-np", "1", .. NnCommand, "train", "--distributed", "--data", "missing.csv", "--epochs", "2", "--output", "b.onnx"]);
        Assert.NotEqual(0, code);
        Assert.Contains("rank 1 of 2", output);
        Assert.Contains("missing.csv", output);
        Assert.Contains("ending all 2 ranks", output);
    }

    [Fact]
    public async Task ARankThatDiesEndsTheWholeJobInsteadOfHanging()
    {
        string marker = $"marker-{Guid.NewGuid():N}.onnx";
        using Process mpirun = Process.Start(MpirunStart(2, ["train", "--distributed", "--epochs", "100000", "--output", marker]))!;
        var lines = new List<string>();
        var started = new TaskCompletionSource();
        mpirun.OutputDataReceived += (_, e) => { if (e.Data is { } line && line.StartsWith("epoch", StringComparison.Ordinal)) started.TrySetResult(); };
        mpirun.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        mpirun.BeginOutputReadLine();
        mpirun.BeginErrorReadLine();
        Assert.True(await Task.WhenAny(started.Task, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)) == started.Task, "training did not start");

        int victim = RankProcesses(marker).Single(p => p.Rank == 1).Pid;
        Process.GetProcessById(victim).Kill();
        bool ended = await Task.WhenAny(mpirun.WaitForExitAsync(TestContext.Current.CancellationToken), Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)) != null && mpirun.HasExited;
        if (!ended) mpirun.Kill(entireProcessTree: true);
        Log.WriteLine(string.Join('\n', lines));
        Assert.True(ended, "mpirun was still running 60 s after rank 1 died");
        Assert.NotEqual(0, mpirun.ExitCode);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Empty(RankProcesses(marker));
    }

    [Fact]
    public void CheckpointsMoveBetweenDistributedAndSingleProcessRuns()
    {
        string[] common = ["train", "--quiet", "--validation", "0.1", "--batch", "64"];
        Assert.Equal(0, Nn([.. common, "--epochs", "4", "--report", "straight.json", "--output", "straight.onnx"]).Code);

        // Two epochs on 2 ranks, the rest in one process.
        Assert.Equal(0, Mpirun(2, [.. common, "--distributed", "--epochs", "2", "--save", "d.nnck", "--output", "d.onnx"]).Code);
        (int code, string output) = Nn([.. common.Where(a => a is not "--batch" and not "64"), "--epochs", "4", "--resume", "d.nnck", "--report", "alone.json", "--output", "alone.onnx"]);
        Assert.Equal(0, code);
        Assert.Contains("2 epochs done, continuing to 4", output);

        // Two epochs in one process, the rest on 2 ranks (rank 0 reads the checkpoint and sends it).
        Assert.Equal(0, Nn([.. common, "--epochs", "2", "--save", "s.nnck", "--output", "s.onnx"]).Code);
        (code, output) = Mpirun(2, [.. common.Where(a => a is not "--batch" and not "64"), "--distributed", "--epochs", "4", "--resume", "s.nnck", "--report", "spread.json", "--output", "spread.onnx"]);
        Assert.Equal(0, code);

        double[] straight = Report("straight.json").GetProperty("batchLosses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        foreach (string resumed in new[] { "alone.json", "spread.json" })
        {
            double[] tail = Report(resumed).GetProperty("batchLosses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] expected = straight[^tail.Length..];
            Assert.Equal(straight.Length / 2, tail.Length);
            double worst = expected.Zip(tail, (a, b) => Math.Abs(a - b) / Math.Abs(a)).Max();
            Log.WriteLine($"{resumed}: worst relative step-loss difference against the straight run {worst:E2}");
            Assert.True(worst <= 1e-5, $"{resumed}: {worst:E2}");
        }
    }

    private static string[] NnCommand => ["dotnet", Path.Combine(AppContext.BaseDirectory, "nn.dll")];

    private JsonElement Report(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name))).RootElement;

    private void WriteCsv(string name, double changed)
    {
        var random = new Random(1);
        var lines = new List<string> { "a,b,c,label" };
        for (int i = 0; i < 200; i++) lines.Add($"{random.NextDouble():F3},{random.NextDouble():F3},{(i == 7 ? changed : random.NextDouble()):F3},{i % 2}");
        File.WriteAllLines(Path.Combine(Folder, name), lines);
    }

    private ProcessStartInfo MpirunStart(int ranks, string[] nnArgs, string[]? appContext = null)
    {
        string mpirun = FindMpirun();
        var start = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Folder };
        // Inherited by every rank of every app context (-x would apply to the first context only).
        start.Environment["NN_BLAS"] = "managed";
        start.Environment["NN_THREADS"] = "1";
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe" }) start.ArgumentList.Add(a);
        if (appContext is not null)
        {
            foreach (string a in appContext) start.ArgumentList.Add(a);
            return start;
        }
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add($"{ranks}");
        foreach (string a in NnCommand.Concat(nnArgs)) start.ArgumentList.Add(a);
        return start;
    }

    private (int Code, string Output) Mpirun(int ranks, string[] nnArgs, string[]? appContext = null)
    {
        using Process process = Process.Start(MpirunStart(ranks, nnArgs, appContext))!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun {string.Join(' ', nnArgs)} did not finish in 3 minutes");
        }
        string text = output.Result + error.Result;
        Log.WriteLine($"mpirun -np {ranks} nn {string.Join(' ', nnArgs)}{(appContext is null ? "" : string.Join(' ', appContext))} -> {process.ExitCode}\n{text}");
        return (process.ExitCode, text);
    }

    /// <summary>The rank processes whose command line holds <paramref name="marker"/>, with their MPI rank from their environment.</summary>
    private static List<(int Pid, int Rank)> RankProcesses(string marker)
    {
        var found = new List<(int, int)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!commandLine.Contains(marker, StringComparison.Ordinal) || !commandLine.Contains("nn.dll", StringComparison.Ordinal)) continue;
                string? rank = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').FirstOrDefault(v => v.StartsWith("OMPI_COMM_WORLD_RANK=", StringComparison.Ordinal));
                if (rank is not null && int.TryParse(rank.AsSpan("OMPI_COMM_WORLD_RANK=".Length), out int r)) found.Add((pid, r));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    private static string FindMpirun()
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        if (path is not null) return path;
        const string reason = "Open MPI's mpirun is not installed (Debian: apt-get install openmpi-bin).";
        if (Environment.GetEnvironmentVariable("NN_REQUIRE_MPI") == "1") Assert.Fail("NN_REQUIRE_MPI=1 but " + reason);
        Assert.Skip(reason);
        throw new InvalidOperationException("unreachable");
    }
}
