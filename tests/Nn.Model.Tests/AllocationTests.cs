using Nn.Data;
using Nn.Model.Tests.Training;
using Nn.Native;
using Nn.Training;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>
/// After the first batch of a size, forward and backward allocate nothing on the managed heap. Runs alone:
/// a thread's first serial managed GEMM allocates its packing buffers once, which contention from parallel
/// tests could otherwise trigger inside the measured window.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class AllocationTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ProviderAvailability.AllKinds), MemberType = typeof(ProviderAvailability))]
    public void SteadyStateTrainingStepAllocatesNothing(BlasProviderKind kind)
    {
        BlasProvider provider = ProviderAvailability.Require(kind);
        var architecture = new Sequential(new Dense(64, 48), new Tanh(), new Dense(48, 32), new LeakyRelu(), new Dense(32, 10), new Softmax());
        using var network = new Network<float>(architecture, new NetworkOptions { Provider = provider });
        float[] x = TestData.Inputs<float>(128, 64, 1);
        float[] y = TestData.Targets<float>(new CategoricalCrossEntropy(), 128, 10, 1);
        var loss = new CategoricalCrossEntropy();

        void Round()
        {
            for (int i = 0; i < 50; i++)
            {
                network.ComputeGradients(x, y, 128, loss, 1e-4);
                network.ComputeGradients(x.AsSpan(0, 64 * 100), y.AsSpan(0, 10 * 100), 100, loss, 1e-4); // a smaller last batch
                network.Forward(x, 128);
            }
        }

        // The first rounds size the buffers and let tiered JIT compilation (which allocates a little on the
        // calling thread while it installs call counters) settle; what is measured afterwards is the steady state.
        long warmUp = 0;
        for (int round = 0; round < 10; round++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            Round();
            warmUp = GC.GetAllocatedBytesForCurrentThread() - start;
            if (warmUp == 0) break;
            Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 3; round++) Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{provider.Name}: {allocated} bytes over 450 steady-state calls");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SteadyStateTrainingLoopAllocatesNothingPerBatch()
    {
        (DataSet<float> train, DataSet<float> test) = TrainingTests.ScaledDigits();
        using (train)
        using (test)
        {
            using var network = new Network<float>(new Sequential(new Dense(64, 32), new Relu(), new Dense(32, 10), new Softmax()), new NetworkOptions { Provider = Blas.Provider });
            long Allocated(int epochs)
            {
                long start = GC.GetAllocatedBytesForCurrentThread();
                Trainer.Fit(network, train, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = epochs, BatchSize = 8 });
                return GC.GetAllocatedBytesForCurrentThread() - start;
            }
            for (int i = 0; i < 5; i++) Allocated(2); // warm up the JIT
            long two = Allocated(2), twelve = Allocated(12);
            // Per-run setup allocates (buffers, history); 10 more epochs × 180 batches must add only the 10 epoch records.
            output.WriteLine($"2 epochs: {two} B, 12 epochs: {twelve} B");
            Assert.True(twelve - two < 10 * 400, $"10 extra epochs allocated {twelve - two} bytes");
        }
    }
}

[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;
