using System.Numerics;
using Nn.Native;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests;

/// <summary>One training step of the same network on every provider gives the same gradients.</summary>
public sealed class ProviderParityTests(ITestOutputHelper output)
{
    private static readonly Sequential Architecture = new(
        new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());

    public static TheoryData<BlasProviderKind, BlasProviderKind> Pairs => new()
    {
        { BlasProviderKind.Mkl, BlasProviderKind.Managed },
        { BlasProviderKind.OpenBlas, BlasProviderKind.Managed },
        { BlasProviderKind.Mkl, BlasProviderKind.OpenBlas },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void FloatGradientsAgree(BlasProviderKind first, BlasProviderKind second) =>
        Compare<float>(first, second, 1e-4);

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DoubleGradientsAgree(BlasProviderKind first, BlasProviderKind second) =>
        Compare<double>(first, second, 1e-12);

    private void Compare<T>(BlasProviderKind first, BlasProviderKind second, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BlasProvider a = ProviderAvailability.Require(first);
        BlasProvider b = ProviderAvailability.Require(second);
        const int batch = 128;
        T[] x = TestData.Inputs<T>(batch, 784, 7);
        T[] y = TestData.Targets<T>(new CategoricalCrossEntropy(), batch, 10, 7);
        (T lossA, T[] gradientsA) = Step(a, x, y, batch);
        (T lossB, T[] gradientsB) = Step(b, x, y, batch);

        double scale = gradientsA.Max(g => Math.Abs(double.CreateChecked(g)));
        double worst = gradientsA.Zip(gradientsB, (u, v) => Math.Abs(double.CreateChecked(u - v))).Max();
        output.WriteLine($"{typeof(T).Name} {a.Name} vs {b.Name}: loss {lossA} vs {lossB}; max |g_a − g_b| = {worst:E2}, max |g| = {scale:E2}, ratio {worst / scale:E2}");
        Assert.True(worst <= tolerance * scale, $"max |g_a − g_b| = {worst:E2} exceeds {tolerance:E0} · max|g| = {tolerance * scale:E2}");
    }

    private static (T Loss, T[] Gradients) Step<T>(BlasProvider provider, T[] x, T[] y, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var network = new Network<T>(Architecture, new NetworkOptions { Seed = 11, Provider = provider });
        T loss = network.ComputeGradients(x, y, batch, new CategoricalCrossEntropy(), l2: 1e-3);
        return (loss, network.Gradients.ToArray());
    }
}
