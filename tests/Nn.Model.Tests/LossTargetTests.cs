using Xunit;

namespace Nn.Model.Tests;

/// <summary>
/// Which target rows each loss accepts, and the message for one it refuses: the row (1-based), the data's name, the
/// rule it breaks and its first eight values.
/// </summary>
public sealed class LossTargetTests
{
    private static void Check(Loss loss, double[] targets, int outputs) => loss.CheckTargets<double>(targets, outputs, "the training data");

    private static string Refused(Loss loss, double[] targets, int outputs) =>
        Assert.Throws<ArgumentException>(() => Check(loss, targets, outputs)).Message;

    [Fact]
    public void HingeAcceptsOneHotRowsOfAnyWidth()
    {
        Check(new Hinge(), [0, 1, 0, 0, 0, 1, 1, 0, 0], 3);
        Check(new Hinge(), [1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 5);
        Check(new Hinge(), [1, 1], 1);
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 0 })] // no class: would be read as class 0
    [InlineData(new double[] { 1, 0.5, 0 })] // one 1, but not one-hot
    [InlineData(new double[] { 1, 1, 0 })] // two classes
    [InlineData(new double[] { 0.2, 0.3, 0.5 })] // soft labels
    public void HingeRefusesRowsThatAreNotOneHot(double[] badRow)
    {
        string message = Refused(new Hinge(), [0, 1, 0, .. badRow], 3);
        Assert.StartsWith("Target row 2 of the training data is not one-hot (the hinge loss reads the class as the row's single 1): [", message);
    }

    [Fact]
    public void CategoricalCrossEntropyTakesOneHotAndSoftRows()
    {
        Check(new CategoricalCrossEntropy(), [0, 1, 0, 0.2, 0.3, 0.5, 1 / 3.0, 1 / 3.0, 1 / 3.0], 3);
        Check(new CategoricalCrossEntropy(), [0.5, 0.5 + 9e-4], 2); // within the 1e-3 rounding allowance
        Assert.Equal("Target row 1 of the training data sums to 1.002, not 1 (categorical cross-entropy needs one-hot or probability rows): [0.5, 0.502].",
            Refused(new CategoricalCrossEntropy(), [0.5, 0.502], 2));
        Assert.Equal("Target row 1 of the training data sums to 0.998, not 1 (categorical cross-entropy needs one-hot or probability rows): [0.5, 0.498].",
            Refused(new CategoricalCrossEntropy(), [0.5, 0.498], 2));
        Assert.Equal("Target row 2 of the training data holds a negative value, which is not a probability: [1.5, -0.5].",
            Refused(new CategoricalCrossEntropy(), [1, 0, 1.5, -0.5], 2));
    }

    [Fact]
    public void BinaryCrossEntropyTakesValuesInTheUnitInterval()
    {
        Check(new BinaryCrossEntropy(), [0, 1, 0.25, 1, 0, 0.5], 2);
        Assert.Equal("Target row 3 of the training data holds a value outside [0, 1], which binary cross-entropy cannot take: [2].",
            Refused(new BinaryCrossEntropy(), [0, 1, 2], 1));
        Assert.Contains("[-1]", Refused(new BinaryCrossEntropy(), [-1], 1));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void EveryLossRefusesNonFiniteTargets(double bad)
    {
        foreach (Loss loss in new Loss[] { new MeanSquaredError(), new BinaryCrossEntropy(), new CategoricalCrossEntropy(), new Hinge() })
        {
            string message = Refused(loss, [1, 0, 0, bad], 2);
            Assert.StartsWith("Target row 2 of the training data holds NaN or infinity: [0, ", message);
        }
        Check(new MeanSquaredError(), [-1e30, 1e30, 5, -7], 2); // MSE takes any finite value
    }

    [Fact]
    public void MessagesListEightValuesAndMarkTheRest()
    {
        double[] eight = [0.5, 0, 0, 0, 0, 0, 0, 0.25];
        Assert.EndsWith(": [0.5, 0, 0, 0, 0, 0, 0, 0.25].", Refused(new Hinge(), eight, 8));
        double[] nine = [0.5, 0, 0, 0, 0, 0, 0, 0.25, 0.125];
        Assert.EndsWith(": [0.5, 0, 0, 0, 0, 0, 0, 0.25, ...].", Refused(new Hinge(), nine, 9));
        Assert.EndsWith(": [0.1235].", Refused(new BinaryCrossEntropy(), [-0.123456], 1).Replace("-", ""));
    }

    [Fact]
    public void LossesNameThemselves()
    {
        Assert.Equal("MeanSquaredError", new MeanSquaredError().ToString());
        Assert.Equal("Hinge", new Hinge().ToString());
    }
}
