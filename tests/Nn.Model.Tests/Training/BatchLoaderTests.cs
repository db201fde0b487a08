using Nn.Data;
using Nn.Native;
using Nn.Training;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// The trainer's batch loader, which gathers the next batch on idle workers while a step computes: it hands over
/// exactly the rows GatherBatch would, leaves the batch in use alone while the next one is copied, checks every index
/// before anything runs, and training with it is bit for bit what one thread gives. Thread counts are process-wide, so
/// these tests run with the other thread-count tests, alone.
/// </summary>
[Collection(nameof(ProviderThreadsCollection))]
public sealed class BatchLoaderTests
{
    private const int Samples = 1000, Features = 300, Classes = 10;

    private static DataSet<float> Data(out int[] labels)
    {
        var random = new Random(3);
        float[] x = new float[Samples * Features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        labels = Enumerable.Range(0, Samples).Select(i => (i * 7) % Classes).ToArray();
        return DataSet.FromClassification<float>(x, Features, labels);
    }

    // Runs a check with the managed provider at a thread count, and puts the count back.
    private static void WithThreads(int threads, Action<BlasProvider> check)
    {
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            managed.Threads = threads;
            check(managed);
        }
        finally
        {
            managed.Threads = original;
        }
    }

    [Theory]
    [InlineData(0)]   // no provider: Take gathers
    [InlineData(1)]   // one thread: Take gathers
    [InlineData(2)]   // the worker gathers ahead
    [InlineData(3)]
    public void BatchesAreGatherBatchsRowsAndTheOneInUseStaysIntactWhileTheNextIsGathered(int threads)
    {
        using DataSet<float> data = Data(out int[] labels);
        var random = new Random(5);
        // 129 rows of 300 features (38,700 values) are enough to share; the last batch is short, as an epoch's can be. Both
        // odd, so the last background part has one row, and a part that copied two would write into the other slot.
        int[][] batches = Enumerable.Range(0, 9).Select(b => Enumerable.Range(0, b == 8 ? 57 : 129).Select(_ => random.Next(Samples)).ToArray()).ToArray();
        void Check(BlasProvider? provider)
        {
            using var loader = new BatchLoader<float>(data, 129, provider, labelled: true);
            loader.Start(batches[0]);
            for (int b = 0; b < batches.Length; b++)
            {
                Assert.True(loader.IsPending);
                BatchLoader<float>.Batch batch = loader.Take();
                Assert.False(loader.IsPending);
                float[] expectedX = new float[batches[b].Length * Features], expectedY = new float[batches[b].Length * Classes];
                data.GatherBatch(batches[b], expectedX, expectedY);
                Assert.Equal(batches[b].Length, batch.Rows);
                Assert.Equal(expectedX, batch.Features.ToArray());
                Assert.Equal(expectedY, batch.Targets.ToArray());
                Assert.Equal(batches[b].Select(i => labels[i]), batch.Labels.ToArray());
                if (b + 1 < batches.Length)
                {
                    loader.Start(batches[b + 1]);
                    Assert.Equal(threads >= 2 && batches[b + 1].Length * Features >= Nn.Kernels.ElementwiseParts.MinimumCount, loader.GathersInBackground);
                    Thread.Sleep(2);   // let the workers copy: the batch in use must not change under the step
                    Assert.Equal(expectedX, batch.Features.ToArray());
                    Assert.Equal(batches[b].Select(i => labels[i]), batch.Labels.ToArray());
                }
            }
        }
        if (threads == 0) Check(null);
        else WithThreads(threads, Check);
    }

    [Fact]
    public void DoubleRegressionBatchesGatheredInTheBackgroundAreGatherBatchsRows()
    {
        const int samples = 400, features = 300, outputs = 3;
        var random = new Random(8);
        double[] x = Enumerable.Range(0, samples * features).Select(_ => random.NextDouble()).ToArray();
        double[] y = Enumerable.Range(0, samples * outputs).Select(_ => random.NextDouble()).ToArray();
        using DataSet<double> data = DataSet.FromRegression<double>(x, features, y, outputs);
        WithThreads(2, managed =>
        {
            using var loader = new BatchLoader<double>(data, 129, managed, labelled: false);
            int[][] batches = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 129).Select(_ => random.Next(samples)).ToArray()).ToArray();
            loader.Start(batches[0]);
            for (int b = 0; b < batches.Length; b++)
            {
                BatchLoader<double>.Batch batch = loader.Take();
                double[] expectedX = new double[129 * features], expectedY = new double[129 * outputs];
                data.GatherBatch(batches[b], expectedX, expectedY);
                if (b + 1 < batches.Length)
                {
                    loader.Start(batches[b + 1]);
                    Assert.True(loader.GathersInBackground);
                }
                Assert.Equal(expectedX, batch.Features.ToArray());
                Assert.Equal(expectedY, batch.Targets.ToArray());
                Assert.True(batch.Labels.IsEmpty);
            }
        });
    }

    [Fact]
    public void ARegressionSetLoadsWithoutLabelsAndRefusesToGiveThem()
    {
        using DataSet<float> data = DataSet.FromRegression<float>([1, 2, 3, 4, 5, 6], 2, [0.5f, 1.5f, 2.5f], 1);
        using (var loader = new BatchLoader<float>(data, 2, null, labelled: false))
        {
            loader.Start([2, 0]);
            BatchLoader<float>.Batch batch = loader.Take();
            Assert.Equal([5f, 6f, 1f, 2f], batch.Features.ToArray());
            Assert.Equal([2.5f, 0.5f], batch.Targets.ToArray());
            Assert.True(batch.Labels.IsEmpty);
        }
        using var labelled = new BatchLoader<float>(data, 2, null, labelled: true);
        Assert.Contains("regression", Assert.Throws<ArgumentException>(() => labelled.Start([0])).Message);
        Assert.False(labelled.IsPending);
    }

    [Fact]
    public void BadIndicesAndMisuseAreRefusedBeforeAnythingStarts()
    {
        using DataSet<float> data = Data(out _);
        WithThreads(2, managed =>
        {
            using var loader = new BatchLoader<float>(data, 130, managed, labelled: true);
            int[] bad = Enumerable.Range(0, 130).ToArray();
            bad[^1] = Samples;
            Assert.Contains("[0, 1000)", Assert.Throws<ArgumentOutOfRangeException>(() => loader.Start(bad)).Message);
            Assert.False(loader.IsPending);
            Assert.False(loader.GathersInBackground);
            Assert.Contains("131 is more than the loader's 130", Assert.Throws<ArgumentException>(() => loader.Start(new int[131])).Message);
            Assert.Contains("No batch is pending", Assert.Throws<InvalidOperationException>(() => loader.Take()).Message);
            loader.Start(Enumerable.Range(0, 130).ToArray());
            Assert.Contains("already pending", Assert.Throws<InvalidOperationException>(() => loader.Start([1])).Message);
            Assert.Equal(130, loader.Take().Rows);
            loader.Start([]);                          // an empty batch is a batch
            Assert.True(loader.IsPending);
            Assert.Equal(0, loader.Take().Rows);
            Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader<float>(data, 0, managed, labelled: true));
        });
    }

    [Fact]
    public void DisposeWaitsForABackgroundGatherAndADisposedLoaderRefusesWork()
    {
        using DataSet<float> data = Data(out _);
        WithThreads(2, managed =>
        {
            var loader = new BatchLoader<float>(data, 130, managed, labelled: true);
            loader.Start(Enumerable.Range(0, 130).Select(i => 999 - i).ToArray());
            Assert.True(loader.GathersInBackground);
            loader.Dispose();   // the workers must be done with the slots before they are freed
            Assert.False(loader.IsPending);
            loader.Dispose();
            Assert.Throws<ObjectDisposedException>(() => loader.Start([1]));
            Assert.Throws<ObjectDisposedException>(() => loader.Take());
            // The pool is free for the next background job.
            using var next = new BatchLoader<float>(data, 130, managed, labelled: true);
            next.Start(Enumerable.Range(0, 130).ToArray());
            Assert.True(next.GathersInBackground);
            Assert.Equal(130, next.Take().Rows);
        });
    }

    [Fact]
    public void TrainingWithTheNextBatchGatheredAheadIsBitForBitOneThreadsTraining()
    {
        using DataSet<float> data = Data(out _);
        float[] Train(BlasProvider provider)
        {
            using var network = new Network<float>(new Sequential(new Dense(Features, 32), new Relu(), new Dense(32, Classes), new Softmax()),
                new NetworkOptions { Seed = 11, Provider = provider });
            // 120 rows of 300 features: gathered in the background on two threads; 1000 samples leave a short last batch.
            History history = Trainer.Fit(network, data, new TrainingOptions
            {
                Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(1e-3), Epochs = 2, BatchSize = 120, Seed = 4,
            });
            Assert.All(history.Epochs, epoch => Assert.InRange(epoch.TrainingAccuracy!.Value, 0.0, 1.0));
            return network.Parameters.ToArray().Concat(history.Epochs.Select(e => (float)e.TrainingLoss)).Concat(history.Epochs.Select(e => (float)e.TrainingAccuracy!.Value)).ToArray();
        }
        float[] one = [], two = [];
        WithThreads(1, managed => one = Train(managed));
        WithThreads(2, managed => two = Train(managed));
        Assert.Equal(one, two);
    }

    [Fact]
    public void TheTrainingLoopAllocatesNothingPerBatchWhileGatheringAhead()
    {
        using DataSet<float> data = Data(out _);
        WithThreads(2, managed =>
        {
            using var network = new Network<float>(new Sequential(new Dense(Features, 32), new Relu(), new Dense(32, Classes), new Softmax()),
                new NetworkOptions { Seed = 2, Provider = managed });
            long Allocated(int epochs)
            {
                long start = GC.GetAllocatedBytesForCurrentThread();
                Trainer.Fit(network, data, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(1e-3), Epochs = epochs, BatchSize = 120 });
                return GC.GetAllocatedBytesForCurrentThread() - start;
            }
            for (int i = 0; i < 5; i++) Allocated(2);   // warm up the JIT
            long two = Allocated(2), twelve = Allocated(12);
            // Per-run setup allocates (buffers, history); 10 more epochs of 9 batches must add only the 10 epoch records.
            Assert.True(twelve - two < 10 * 400, $"10 extra epochs allocated {twelve - two} bytes");
        });
    }
}

/// <summary>A loader frees its slots when disposed, also with a batch still pending.</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed class BatchLoaderLeakTests
{
    [Fact]
    public void DisposeFreesEverySlot()
    {
        using DataSet<float> data = DataSet.FromClassification<float>(new float[40 * 5], 5, new int[40]);
        NativeMemoryCounters.SettleFinalizers();
        long blocks = Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks, bytes = Nn.Native.Memory.NativeMemoryStatistics.LiveBytes;
        using (var loader = new BatchLoader<float>(data, 16, null, labelled: true))
        {
            loader.Start([3, 1, 4]);
            Assert.Equal(3, loader.Take().Rows);
            loader.Start([1, 5]);
        }
        Assert.Equal((blocks, bytes), (Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks, Nn.Native.Memory.NativeMemoryStatistics.LiveBytes));
    }
}
