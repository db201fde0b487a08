using Nn.Data;
using Nn.Kernels;
using Nn.Native;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// The passes of a training step shared with the managed provider's worker threads (Adam's update, the finite checks,
/// the batch gather): the same bits as one thread, whatever the split, and only where a pool with more than one thread
/// is there to share them. Thread counts are process-wide, so these tests run with the other thread-count tests, alone.
/// </summary>
[Collection(nameof(ProviderThreadsCollection))]
public sealed class SharedPassTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamOnTwoOrThreeThreadsMatchesOneThreadBitForBit(bool decoupledDecay)
    {
        // 40,003: above the threshold, and not a whole number of granules or vectors, so the last part has a scalar tail.
        const int count = 40_003;
        Optimizer rule = decoupledDecay ? new AdamW(0.01, 0.05) : new Adam(0.01);
        var random = new Random(7);
        float[] start = new float[count];
        for (int i = 0; i < count; i++) start[i] = (float)(random.NextDouble() * 2 - 1);
        float[][] gradients = new float[4][];
        for (int s = 0; s < gradients.Length; s++)
        {
            gradients[s] = new float[count];
            for (int i = 0; i < count; i++) gradients[s][i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-4, 2)));
        }

        float[] serial = Train(rule, null, start, gradients);
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            foreach (int threads in new[] { 2, 3 })
            {
                managed.Threads = threads;
                Assert.True(ElementwiseParts.Shares(managed, count));
                Assert.Equal(serial, Train(rule, managed, start, gradients));
            }
        }
        finally
        {
            managed.Threads = original;
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(2, 30_000)]     // in the second part's vector loop
    [InlineData(3, 40_002)]     // in the scalar tail of the last part
    public void AdamsCheckedStepFindsANonFiniteGradientOrParameterInAnyPart(int threads, int at)
    {
        const int count = 40_003;
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            managed.Threads = threads;
            foreach ((float gradient, float parameter, StepFinding expected) in new[]
            {
                (0.5f, 0.25f, StepFinding.Finite),
                (float.NaN, 0.25f, StepFinding.NonFiniteGradients),
                (float.PositiveInfinity, 0.25f, StepFinding.NonFiniteGradients),
                (float.NegativeInfinity, 0.25f, StepFinding.NonFiniteGradients),
                (0.5f, float.NaN, StepFinding.NonFiniteParameters),
                (0.5f, float.PositiveInfinity, StepFinding.NonFiniteParameters),
            })
            {
                float[] parameters = Enumerable.Range(0, count).Select(i => (i % 7 - 3) * 0.1f).ToArray();
                float[] gradients = Enumerable.Range(0, count).Select(i => (i % 5 - 2) * 0.01f).ToArray();
                gradients[at] = gradient;
                parameters[at] = parameter;
                float[] unchecked_ = (float[])parameters.Clone();
                using OptimizerState<float> state = new Adam(0.01).CreateState<float>(count);
                using OptimizerState<float> plain = new Adam(0.01).CreateState<float>(count);
                state.Provider = managed;
                Assert.Equal(expected, state.StepChecked(parameters, gradients, 0.01f));
                // The check changes nothing in the step itself.
                plain.Step(unchecked_, gradients, 0.01f);
                Assert.Equal(unchecked_, parameters);
            }
        }
        finally
        {
            managed.Threads = original;
        }
    }

    [Fact]
    public void TheCheckedStepOfARuleWithoutItsOwnChecksSkipsANonFiniteGradient()
    {
        float[] parameters = [1, 2, 3];
        using OptimizerState<float> state = new GradientDescent(0.1).CreateState<float>(3);
        Assert.Equal(StepFinding.NonFiniteGradients, state.StepChecked(parameters, [0, float.NaN, 0], 0.1f));
        Assert.Equal([1f, 2, 3], parameters);
        Assert.Equal(StepFinding.Finite, state.StepChecked(parameters, [1, 1, 1], 0.1f));
        Assert.Equal([0.9f, 1.9f, 2.9f], parameters);
        Assert.Equal(StepFinding.NonFiniteParameters, state.StepChecked(parameters, [float.MaxValue, 0, 0], 1e30f));
    }

    private static float[] Train(Optimizer rule, BlasProvider? provider, float[] start, float[][] gradients)
    {
        float[] parameters = (float[])start.Clone();
        using OptimizerState<float> state = rule.CreateState<float>(parameters.Length);
        state.Provider = provider;
        foreach (float[] g in gradients) state.Step(parameters, g, 0.01f);
        Assert.Contains(parameters, value => value != 0);
        return parameters;
    }

    [Fact]
    public void OnlyAManagedPoolWithASecondThreadTakesAPassLongEnoughToShare()
    {
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            managed.Threads = 2;
            Assert.True(ElementwiseParts.Shares(managed, ElementwiseParts.MinimumCount));
            Assert.False(ElementwiseParts.Shares(managed, ElementwiseParts.MinimumCount - 1));
            managed.Threads = 1;
            Assert.False(ElementwiseParts.Shares(managed, 1_000_000));
        }
        finally
        {
            managed.Threads = original;
        }
        Assert.False(ElementwiseParts.Shares(null, 1_000_000));
        if (Blas.TryLoad(BlasProviderKind.OpenBlas, out _) is { } openBlas)
        {
            Assert.False(ElementwiseParts.Shares(openBlas, 1_000_000));   // its own threads keep the other cores
        }
    }

    [Fact]
    public void ThePartsTileTheSlabInWholeGranulesOfSixtyFour()
    {
        foreach (int parts in new[] { 1, 2, 3, 7 })
        foreach (int count in new[] { 0, 1, 63, 64, 65, 130, 40_003, 235_146 })
        {
            int next = 0;
            for (int part = 0; part < parts; part++)
            {
                (int first, int length) = ElementwiseParts.Range(count, parts, part);
                if (length == 0) continue;
                Assert.Equal(next, first);
                Assert.Equal(0, first % 64);
                next = first + length;
            }
            Assert.Equal(count, next);
        }
        Assert.Equal((0, 64), ElementwiseParts.Range(130, 2, 0));   // three granules: one and two
        Assert.Equal((64, 66), ElementwiseParts.Range(130, 2, 1));
    }

    [Fact]
    public void TheSharedFiniteCheckFindsANonFiniteValueInAnyPart()
    {
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                managed.Threads = threads;
                foreach (int count in new[] { 100, 40_003 })
                {
                    float[] values = new float[count];
                    for (int i = 0; i < count; i++) values[i] = i * 1e-3f;
                    Assert.True(ElementwiseParts.AllFinite<float>(managed, values));
                    foreach (int at in new[] { 0, count / 2, count - 1 })
                    foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                    {
                        float kept = values[at];
                        values[at] = bad;
                        Assert.False(ElementwiseParts.AllFinite<float>(managed, values), $"{threads} threads, {count} values, {bad} at {at}");
                        values[at] = kept;
                    }
                }
            }
        }
        finally
        {
            managed.Threads = original;
        }
        Assert.True(ElementwiseParts.AllFinite<double>(null, []));
        Assert.False(ElementwiseParts.AllFinite<double>(null, [1, double.NaN]));
    }

    [Theory]
    [InlineData(nameof(ActivationKind.Identity))]
    [InlineData(nameof(ActivationKind.Relu))]
    [InlineData(nameof(ActivationKind.LeakyRelu))]
    [InlineData(nameof(ActivationKind.Sigmoid))]
    [InlineData(nameof(ActivationKind.Tanh))]
    [InlineData(nameof(ActivationKind.Softmax))]   // not shared (its rows also write log Σ e^z, its backward is per row): still the same bits
    [InlineData(nameof(ActivationKind.Step))]      // forward only
    public void AHiddenLayersActivationPassesOnTwoOrThreeThreadsMatchOneThreadBitForBit(string name)
    {
        ActivationKind kind = Enum.Parse<ActivationKind>(name);
        // 131 × 257: above the sharing threshold, with rows and a length that split unevenly and leave scalar tails.
        const int rows = 131, cols = 257;
        var random = new Random(11);
        float[] Values(int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] z0 = Values(rows * cols, 3), bias = Values(cols, 1), upstream = Values(rows * cols, 1);

        (float[] Z, float[] A, float[] G) Run(BlasProvider? provider)
        {
            float[] z = (float[])z0.Clone(), a = new float[z.Length], g = (float[])upstream.Clone(), logSumExp = new float[rows];
            ActivationKernels.Forward(kind, z, bias, a, logSumExp, rows, cols, 0.01f, provider);
            if (kind != ActivationKind.Step) ActivationKernels.Backward(kind, z, a, g, rows, cols, 0.01f, provider);
            return (z, a, kind == ActivationKind.Softmax ? [.. g, .. logSumExp] : g);
        }

        (float[] z1, float[] a1, float[] g1) = Run(null);
        Assert.Contains(a1, value => value != 0);
        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            foreach (int threads in new[] { 2, 3 })
            {
                managed.Threads = threads;
                Assert.True(ElementwiseParts.Shares(managed, rows * cols));
                (float[] z, float[] a, float[] g) = Run(managed);
                Assert.Equal(z1, z);
                Assert.Equal(a1, a);
                Assert.Equal(g1, g);
            }
        }
        finally
        {
            managed.Threads = original;
        }
    }

    [Fact]
    public void ARegressionSetHasNoLabelsToGather()
    {
        using DataSet<float> data = DataSet.FromRegression<float>([1, 2, 3, 4], 2, [0.5f, 1.5f], 1);
        var error = Assert.Throws<ArgumentException>(() => data.GatherBatch([1, 0], new float[4], new float[2], null, new int[2]));
        Assert.Contains("regression", error.Message);
    }

    [Fact]
    public void TheSharedGatherCopiesTheSameRowsAndChecksEveryIndexFirst()
    {
        const int samples = 1000, features = 300;
        var random = new Random(3);
        float[] x = new float[samples * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        int[] labels = Enumerable.Range(0, samples).Select(i => i % 10).ToArray();
        using DataSet<float> data = DataSet.FromClassification<float>(x, features, labels);
        int[] batch = Enumerable.Range(0, 130).Select(_ => random.Next(samples)).ToArray();   // 39,000 values: shared
        float[] expectedX = new float[batch.Length * features], expectedY = new float[batch.Length * 10];
        data.GatherBatch(batch, expectedX, expectedY);

        BlasProvider managed = Blas.Load(BlasProviderKind.Managed);
        int original = managed.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                managed.Threads = threads;
                float[] actualX = new float[expectedX.Length], actualY = new float[expectedY.Length];
                int[] actualLabels = new int[batch.Length + 1];
                actualLabels[^1] = -7;
                data.GatherBatch(batch, actualX, actualY, managed, actualLabels);
                Assert.Equal(expectedX, actualX);
                Assert.Equal(expectedY, actualY);
                Assert.Equal(batch.Select(i => labels[i]).Append(-7), actualLabels);   // the slot past the batch untouched

                // A bad index anywhere is refused before any row is copied.
                int[] bad = (int[])batch.Clone();
                bad[^1] = samples;
                float[] untouched = new float[expectedX.Length];
                var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherBatch(bad, untouched, actualY, managed));
                Assert.Contains("[0, 1000)", error.Message);
                Assert.All(untouched, value => Assert.Equal(0f, value));
                Assert.Throws<ArgumentException>(() => data.GatherBatch(batch, new float[expectedX.Length - 1], actualY, managed));
                var shortLabels = Assert.Throws<ArgumentException>(() => data.GatherBatch(batch, actualX, actualY, managed, new int[batch.Length - 1]));
                Assert.Contains($"A batch of {batch.Length} needs {batch.Length} label slots", shortLabels.Message);
                int[] exactLabels = new int[batch.Length];   // exactly one slot a row is enough
                data.GatherBatch(batch, actualX, actualY, managed, exactLabels);
                Assert.Equal(batch.Select(i => labels[i]), exactLabels);
            }
        }
        finally
        {
            managed.Threads = original;
        }
    }
}
