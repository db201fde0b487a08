using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>The schedules' argument checks, their boundaries and their texts (the formulas are in OptimizerTests).</summary>
public sealed class ScheduleContractTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GammaMustBeInZeroToOne(double gamma)
    {
        foreach (Func<LearningRateSchedule> make in new Func<LearningRateSchedule>[] { () => LearningRateSchedule.StepDecay(3, gamma), () => LearningRateSchedule.Exponential(gamma) })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(make);
            Assert.Equal("gamma", error.ParamName);
            Assert.StartsWith("γ must be in (0, 1].", error.Message);
        }
    }

    [Fact]
    public void BoundariesAreAcceptedAndCountsMustBePositive()
    {
        Assert.Equal(0.1, LearningRateSchedule.Exponential(1).RateAt(0.1, 50, 0));   // γ = 1 keeps the rate
        Assert.Equal(0.1, LearningRateSchedule.StepDecay(1, 1).RateAt(0.1, 50, 0));
        Assert.Equal(0, LearningRateSchedule.Cosine(4, 0).RateAt(0.1, 4, 0), 15);     // a minimum of 0 is allowed
        Assert.Equal("stepEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0)).ParamName);
        Assert.Equal("epochs", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0)).ParamName);
        Assert.Equal("iterations", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant.WithWarmUp(0)).ParamName);
        foreach (double bad in new[] { -1e-9, double.NaN, double.PositiveInfinity })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(4, bad));
            Assert.Equal("minimumRate", error.ParamName);
            Assert.StartsWith("The minimum rate must be finite and non-negative.", error.Message);
        }
    }

    [Fact]
    public void SchedulesNameThemselves()
    {
        Assert.Equal("Constant", LearningRateSchedule.Constant.ToString());
        Assert.Equal("StepDecay(3, 0.5)", LearningRateSchedule.StepDecay(3, 0.5).ToString());
        Assert.Equal("Exponential(0.9)", LearningRateSchedule.Exponential(0.9).ToString());
        Assert.Equal("Cosine(10, 0.001)", LearningRateSchedule.Cosine(10, 0.001).ToString());
        Assert.Equal("Cosine(10, 0) with 5-iteration warm-up", LearningRateSchedule.Cosine(10).WithWarmUp(5).ToString());
    }
}
