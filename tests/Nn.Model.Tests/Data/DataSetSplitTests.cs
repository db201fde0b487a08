using Nn.Data;
using Xunit;

namespace Nn.Model.Tests.Data;

/// <summary>
/// Split and Subset, which the validation split and the CLI's held-out part rely on: every sample lands in exactly one
/// part, stratified parts keep each class's share and are shuffled within, a plain split does not stratify, and bad
/// fractions are refused by name. Also the batch checks' exact messages and the regression set's missing labels.
/// </summary>
public sealed class DataSetSplitTests
{
    // 100 samples whose single feature is their index; classes 0, 1, 2 with 60, 30 and 10 samples, in blocks.
    private static DataSet<float> Blocks()
    {
        float[] x = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        int[] labels = Enumerable.Range(0, 100).Select(i => i < 60 ? 0 : i < 90 ? 1 : 2).ToArray();
        return DataSet.FromClassification<float>(x, 1, labels);
    }

    private static int[] Samples(DataSet<float> part) => part.Features.ToArray().Select(v => (int)v).ToArray();

    // Splits Blocks() in halves with seed 4, runs the check on the set and its parts, and frees all three.
    private static void WithHalves(bool stratified, Action<DataSet<float>, DataSet<float>, DataSet<float>> check)
    {
        using DataSet<float> data = Blocks();
        (DataSet<float> first, DataSet<float> second) = data.Split(0.5, seed: 4, stratified);
        using (first)
        using (second)
        {
            check(data, first, second);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EverySampleLandsInExactlyOnePartWithItsLabel(bool stratified) => WithHalves(stratified, (data, first, second) =>
    {
        Assert.Equal(50, first.Count);
        Assert.Equal(Enumerable.Range(0, 100), Samples(first).Concat(Samples(second)).Order());
        foreach (DataSet<float> part in new[] { first, second })
        {
            int[] samples = Samples(part);
            for (int i = 0; i < part.Count; i++) Assert.Equal(data.Labels[samples[i]], part.Labels[i]);
            Assert.Equal(data.ClassNames, part.ClassNames);
        }
    });

    [Fact]
    public void AStratifiedSplitKeepsEachClasssShareAndShufflesTheClassesTogether() => WithHalves(true, (_, first, second) =>
    {
        foreach (DataSet<float> part in new[] { first, second })
        {
            int[] labels = part.Labels.ToArray();
            Assert.Equal([30, 15, 5], Enumerable.Range(0, 3).Select(c => labels.Count(l => l == c)));
            // Not in class blocks: the parts are shuffled after they are drawn class by class.
            Assert.False(labels.SequenceEqual(labels.Order()), "A stratified part came out in class blocks.");
            Assert.False(labels.SequenceEqual(labels.OrderDescending()), "A stratified part came out in class blocks.");
        }
    });

    [Fact]
    public void ASeedPicksTheSameSamplesInEveryVersion() =>
        // A run resumed from a checkpoint redraws its validation split from the seed: the draw must not change.
        WithHalves(true, (_, first, _) => Assert.Equal([39, 76, 13, 59, 9, 7, 83, 80, 23, 5, 94, 48], Samples(first)[..12]));

    [Fact]
    public void APlainSplitDoesNotStratify()
    {
        using DataSet<float> data = Blocks();
        // Over several seeds a plain split's class counts vary; a stratified one's never do.
        var counts = new HashSet<int>();
        for (int seed = 0; seed < 8; seed++)
        {
            (DataSet<float> first, DataSet<float> second) = data.Split(0.5, seed);
            counts.Add(first.Labels.ToArray().Count(l => l == 0));
            first.Dispose();
            second.Dispose();
        }
        Assert.True(counts.Count > 1, $"Eight plain splits all put {string.Join(", ", counts)} samples of class 0 in the first part.");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.2)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AFractionOutsideZeroToOneIsRefusedByName(double fraction)
    {
        using DataSet<float> data = Blocks();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(fraction, seed: 1));
        Assert.Equal("firstFraction", error.ParamName);
        Assert.Contains("strictly between 0 and 1", error.Message);
    }

    [Theory]
    [InlineData(0.1)]   // round(0.3) = 0: the first part would be empty
    [InlineData(0.9)]   // round(2.7) = 3: the second part would be empty
    public void ASplitThatLeavesAPartEmptyIsRefused(double fraction)
    {
        using DataSet<float> data = DataSet.FromClassification<float>([1, 2, 3], 1, [0, 1, 0]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(fraction, seed: 1));
        Assert.Equal("firstFraction", error.ParamName);
        Assert.Contains($"Splitting 3 samples at {fraction} leaves one part empty", error.Message);
    }

    [Fact]
    public void ARegressionSetHasNoLabelsToStratifyOrRead()
    {
        using DataSet<float> data = DataSet.FromRegression<float>([1, 2, 3, 4], 1, [0.5f, 1.5f, 2.5f, 3.5f], 1, source: "sensors.csv");
        Assert.Contains("A stratified split needs class labels", Assert.Throws<InvalidOperationException>(() => data.Split(0.5, 1, stratified: true)).Message);
        Assert.Equal("sensors.csv is a regression data set; it has no class labels.", Assert.Throws<InvalidOperationException>(() => data.Labels.Length).Message);
        var gather = Assert.Throws<ArgumentException>(() => data.GatherBatch([1, 0], new float[2], new float[2], null, new int[2]));
        Assert.StartsWith("sensors.csv is a regression data set; it has no class labels to gather.", gather.Message);
        Assert.Equal("labels", gather.ParamName);
        (DataSet<float> first, DataSet<float> second) = data.Split(0.5, 1);   // a plain split is fine
        Assert.Equal(2, first.Count);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void ASubsetKeepsTheSourceUnlessGivenAnother()
    {
        using DataSet<float> data = Blocks();
        using DataSet<float> same = data.Subset([5, 70]);
        using DataSet<float> named = data.Subset([95], "held out");
        Assert.Equal(data.Source, same.Source);
        Assert.Equal("held out", named.Source);
        Assert.Equal([5, 70], Samples(same));
        Assert.Equal([0, 1], same.Labels.ToArray());
        Assert.Equal([2], named.Labels.ToArray());
    }

    [Fact]
    public void ABatchTooBigForItsBuffersIsRefusedWithTheSlotsItNeeds()
    {
        // Three classes: one-hot targets are three slots a row, features two.
        using DataSet<float> data = DataSet.FromClassification<float>([1, 2, 3, 4, 5, 6], 2, [0, 1, 2]);
        const string needs = "A batch of 2 needs 4 feature and 6 target slots.";
        Assert.StartsWith(needs, Assert.Throws<ArgumentException>(() => data.GatherBatch([0, 1], new float[3], new float[6])).Message);
        Assert.StartsWith(needs, Assert.Throws<ArgumentException>(() => data.GatherBatch([0, 1], new float[4], new float[5])).Message);
        data.GatherBatch([0, 1], new float[4], new float[6]);   // exactly enough
    }
}

/// <summary>A data set's native slabs are freed by Dispose, and a split's parts hold their own.</summary>
[Collection(nameof(Nn.Testing.NativeMemoryCounters))]
public sealed class DataSetLeakTests
{
    [Fact]
    public void DisposeFreesTheSlabsOfASetAndOfItsParts()
    {
        Nn.Testing.NativeMemoryCounters.SettleFinalizers();
        long blocks = Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks, bytes = Nn.Native.Memory.NativeMemoryStatistics.LiveBytes;
        DataSet<float> data = DataSet.FromClassification<float>(new float[30 * 4], 4, Enumerable.Range(0, 30).Select(i => i % 3).ToArray());
        (DataSet<float> first, DataSet<float> second) = data.Split(0.5, seed: 2, stratified: true);
        data.Dispose();
        Assert.Equal(15, first.Count);   // the parts outlive the set they came from
        first.Dispose();
        second.Dispose();
        data.Dispose();                  // a second Dispose does nothing
        Assert.Equal((blocks, bytes), (Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks, Nn.Native.Memory.NativeMemoryStatistics.LiveBytes));
    }
}
