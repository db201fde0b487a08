using Nn.Native;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>Thread counts are process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(ProviderThreadsCollection), DisableParallelization = true)]
public sealed class ProviderThreadsCollection;

/// <summary>One thread against two on every provider: the managed kernel splits whole output blocks, so it agrees bit for bit; OpenBLAS and MKL agree within 1e-5.</summary>
[Collection(nameof(ProviderThreadsCollection))]
public sealed class ThreadCountTests
{
    [Theory]
    [MemberData(nameof(ProviderAvailability.AllKinds), MemberType = typeof(ProviderAvailability))]
    public void OneThreadAndTwoGiveTheSameGradients(BlasProviderKind kind) => WithProvider(kind, provider =>
    {
        float[] one = Gradients(provider, 1), two = Gradients(provider, 2);
        if (kind == BlasProviderKind.Managed)
        {
            Assert.Equal(one, two);
            return;
        }
        double worst = 0;
        for (int i = 0; i < one.Length; i++) worst = Math.Max(worst, Math.Abs(one[i] - two[i]) / Math.Max(1e-3, Math.Abs(one[i])));
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: largest relative difference between 1 and 2 threads {worst:E2}");
        Assert.True(worst < 1e-5, $"{kind}: 1 and 2 threads differ by {worst:E2} (relative)");
    });

    // Runs a check on a provider and puts its process-wide thread count back afterwards.
    private static void WithProvider(BlasProviderKind kind, Action<BlasProvider> check)
    {
        BlasProvider provider = ProviderAvailability.Require(kind);
        int original = provider.Threads;
        try
        {
            check(provider);
        }
        finally
        {
            provider.Threads = original;
        }
    }

    private static float[] Gradients(BlasProvider provider, int threads)
    {
        provider.Threads = threads;
        using var network = new Network<float>(new Sequential(new Dense(300, 256), new Relu(), new Dense(256, 128), new Tanh(), new Dense(128, 10), new Softmax()),
            new NetworkOptions { Seed = 4, Provider = provider });
        float[] x = TestData.Inputs<float>(128, 300, 1);
        float[] y = TestData.Targets<float>(new CategoricalCrossEntropy(), 128, 10, 1);
        network.ComputeGradients(x, y, 128, new CategoricalCrossEntropy(), 1e-3);
        return network.Gradients.ToArray();
    }

    [Theory]
    [MemberData(nameof(ProviderAvailability.AllKinds), MemberType = typeof(ProviderAvailability))]
    public void SameSeedProviderAndThreadCountGiveBitIdenticalTraining(BlasProviderKind kind) => WithProvider(kind, provider =>
    {
        foreach (int threads in new[] { 1, 2 })
        {
            provider.Threads = threads;
            Assert.Equal(Train(provider), Train(provider));
        }
    });

    private static float[] Train(BlasProvider provider)
    {
        using Nn.Data.DataSet<float> data = Nn.Data.Synthetic.Blobs<float>(256, seed: 3, classes: 4, features: 20);
        using var network = new Network<float>(new Sequential(new Dense(20, 64), new Tanh(), new Dense(64, 4), new Softmax()),
            new NetworkOptions { Seed = 7, Provider = provider });
        Nn.Training.Trainer.Fit(network, data, new Nn.Training.TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new Nn.Training.RmsProp(1e-3), Epochs = 3, BatchSize = 32, Seed = 5,
        });
        return network.Parameters.ToArray();
    }
}
