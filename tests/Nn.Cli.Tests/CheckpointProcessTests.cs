using System.Diagnostics;
using Nn.Checkpoints;
using Nn.Training;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>Checkpoints across processes: resume in a fresh process, and saves that survive SIGKILL at any moment.</summary>
public sealed class CheckpointProcessTests(ITestOutputHelper log) : ToolFolderTests(log, "nn-cli-checkpoint-")
{
    [Fact]
    public void TrainingFiveSavingAndResumingInAFreshProcessEqualsTenStraight()
    {
        string[] common = ["train", "--quiet", "--validation", "0.1", "--patience", "50", "--batch", "64"];
        Assert.Equal(0, Nn([.. common, "--epochs", "10", "--save", "straight.nnck", "--output", "straight.onnx"]).Code);
        Assert.Equal(0, Nn([.. common, "--epochs", "5", "--save", "half.nnck", "--output", "half.onnx"]).Code);
        (int code, string output) = Nn("train", "--quiet", "--validation", "0.1", "--patience", "50", "--epochs", "10", "--resume", "half.nnck", "--save", "resumed.nnck", "--output", "resumed.onnx");
        Assert.Equal(0, code);
        Assert.Contains("5 epochs done, continuing to 10", output);

        (TrainedModel<float> straight, TrainingState<float>? straightState) = Checkpoint.Load<float>(Path.Combine(Folder, "straight.nnck"));
        (TrainedModel<float> resumed, TrainingState<float>? resumedState) = Checkpoint.Load<float>(Path.Combine(Folder, "resumed.nnck"));
        using (straight)
        using (resumed)
        using (straightState)
        using (resumedState)
        {
            Assert.Equal(straight.Network.Parameters.ToArray(), resumed.Network.Parameters.ToArray());
            Assert.Equal(10, resumedState!.Epoch);
            Assert.Equal(straightState!.Iteration, resumedState.Iteration);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(Folder, "straight.onnx")), File.ReadAllBytes(Path.Combine(Folder, "resumed.onnx")));
    }

    [Fact]
    public void ResumeRefusesOptionsTheCheckpointFixesAndModelOnlyFiles()
    {
        Assert.Equal(0, Nn("train", "--quiet", "--epochs", "2", "--save", "run.nnck", "--output", "run.onnx").Code);
        (int code, string output) = Nn("train", "--resume", "run.nnck", "--hidden", "8", "--output", "again.onnx");
        Assert.Equal(2, code);
        Assert.Contains("--hidden comes from the checkpoint", output);

        using (TrainedModel<float> model = Checkpoint.LoadModel<float>(Path.Combine(Folder, "run.nnck")))
        {
            Checkpoint.Save(Path.Combine(Folder, "model-only.nnck"), model);
        }
        (code, output) = Nn("train", "--resume", "model-only.nnck", "--output", "again.onnx");
        Assert.Equal(2, code);
        Assert.Contains("no training state", output);

        File.WriteAllText(Path.Combine(Folder, "notes.nnck"), "not a checkpoint");
        (code, output) = Nn("train", "--resume", "notes.nnck", "--output", "again.onnx");
        Assert.Equal(1, code);
        Assert.Contains("notes.nnck is not a usable Nn checkpoint", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void ACheckpointKilledMidSaveFiftyTimesAlwaysLoadsAsOneCompleteSave()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("NN_CRASH_KILLS"), out int k) ? k : 50;
        string path = Path.Combine(Folder, "crash.nnck");
        var random = new Random(7);
        int loaded = 0;
        for (int i = 0; i < kills; i++)
        {
            // A wide network on the digits saves a ~1.2 MB checkpoint after every ~10 ms epoch: most kills land in or near a save.
            using Process process = Process.Start(ToolProcess.StartInfo(Folder, "train", "--quiet", "--epochs", "100000", "--hidden", "512,256",
                "--validation", "0", "--save", "crash.nnck", "--output", "crash.onnx", "--force"))!;
            // Wait for this run's first save, then kill at a random moment among the saves that follow.
            DateTime previous = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
            var clock = Stopwatch.StartNew();
            while ((!File.Exists(path) || File.GetLastWriteTimeUtc(path) == previous) && clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited) Thread.Sleep(1);
            Thread.Sleep(random.Next(0, 150));
            process.Kill();   // SIGKILL: no finally blocks, no flushing
            process.WaitForExit();

            (TrainedModel<float> model, TrainingState<float>? state) = Checkpoint.Load<float>(path);
            using (model)
            using (state)
            {
                Assert.NotNull(state);
                Assert.True(state.Epoch >= 1);
                Assert.Equal(state.Epoch, state.Epochs.Count);   // the history and the epoch counter come from the same save
                loaded++;
            }
        }
        Assert.Equal(kills, loaded);
        Log.WriteLine($"{kills} kills, the checkpoint loaded every time; leftover temporary files: {Directory.GetFiles(Folder, "*.tmp").Length}");
    }
}
