using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// What every optimizer promises besides its update rule: which hyperparameters it refuses (and names), how it
/// describes itself to a checkpoint and is rebuilt from that, its text, its moment slabs and its size checks.
/// </summary>
public sealed class OptimizerContractTests
{
    public static TheoryData<string, double, string> RefusedHyperparameters()
    {
        var data = new TheoryData<string, double, string>();
        foreach (double bad in new[] { 0, -1e-3, double.NaN, double.PositiveInfinity })
        {
            data.Add("GradientDescent.learningRate", bad, "learningRate");
            data.Add("Adagrad.learningRate", bad, "learningRate");
            data.Add("RmsProp.learningRate", bad, "learningRate");
            data.Add("Adam.learningRate", bad, "learningRate");
            data.Add("AdamW.learningRate", bad, "learningRate");
            data.Add("Adagrad.epsilon", bad, "epsilon");
            data.Add("RmsProp.epsilon", bad, "epsilon");
            data.Add("Adam.epsilon", bad, "epsilon");
            data.Add("AdamW.epsilon", bad, "epsilon");
        }
        foreach (double bad in new[] { 1, 1.5, -1e-3, double.NaN, double.NegativeInfinity })
        {
            data.Add("GradientDescent.momentum", bad, "momentum");
            data.Add("RmsProp.rho", bad, "rho");
            data.Add("Adam.beta1", bad, "beta1");
            data.Add("Adam.beta2", bad, "beta2");
            data.Add("AdamW.beta1", bad, "beta1");
            data.Add("AdamW.beta2", bad, "beta2");
        }
        foreach (double bad in new[] { -1e-3, double.NaN, double.PositiveInfinity })
        {
            data.Add("AdamW.weightDecay", bad, "weightDecay");
        }
        return data;
    }

    /// <summary>Builds an optimizer with one hyperparameter set to <paramref name="value"/> and the rest valid.</summary>
    private static Optimizer With(string which, double value) => which switch
    {
        "GradientDescent.learningRate" => new GradientDescent(value),
        "GradientDescent.momentum" => new GradientDescent(0.1, value),
        "Adagrad.learningRate" => new Adagrad(value),
        "Adagrad.epsilon" => new Adagrad(0.1, value),
        "RmsProp.learningRate" => new RmsProp(value),
        "RmsProp.rho" => new RmsProp(0.1, value),
        "RmsProp.epsilon" => new RmsProp(0.1, 0.9, value),
        "Adam.learningRate" => new Adam(value),
        "Adam.beta1" => new Adam(0.1, value),
        "Adam.beta2" => new Adam(0.1, 0.9, value),
        "Adam.epsilon" => new Adam(0.1, 0.9, 0.999, value),
        "AdamW.learningRate" => new AdamW(value),
        "AdamW.weightDecay" => new AdamW(0.1, value),
        "AdamW.beta1" => new AdamW(0.1, 0.01, value),
        "AdamW.beta2" => new AdamW(0.1, 0.01, 0.9, value),
        "AdamW.epsilon" => new AdamW(0.1, 0.01, 0.9, 0.999, value),
        _ => throw new ArgumentException(which),
    };

    [Theory]
    [MemberData(nameof(RefusedHyperparameters))]
    public void OutOfRangeHyperparametersAreRefusedByName(string which, double value, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => With(which, value));
        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(value, error.ActualValue);
        string expected = parameter switch
        {
            "learningRate" => "The learning rate must be positive and finite.",
            "weightDecay" => "Weight decay must be finite and non-negative.",
            "epsilon" => "epsilon must be positive and finite.",
            _ => $"{parameter} must be in [0, 1).",
        };
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("GradientDescent.momentum", 0)]
    [InlineData("GradientDescent.momentum", 0.999)]
    [InlineData("RmsProp.rho", 0)]
    [InlineData("Adam.beta1", 0)]
    [InlineData("Adam.beta2", 0)]
    [InlineData("AdamW.weightDecay", 0)]
    [InlineData("Adam.epsilon", double.Epsilon)]
    [InlineData("Adam.learningRate", 1e300)]
    public void BoundaryHyperparametersAreAccepted(string which, double value) => Assert.NotNull(With(which, value));

    [Fact]
    public void NesterovWithoutMomentumIsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => new GradientDescent(0.1, 0, nesterov: true));
        Assert.Equal("nesterov", error.ParamName);
        Assert.StartsWith("Nesterov momentum needs a momentum above zero.", error.Message);
        Assert.NotNull(new GradientDescent(0.1, 0.5, nesterov: true));
    }

    [Theory]
    [InlineData("Adagrad")]
    [InlineData("RmsProp")]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    public void EpsilonThatFloatCannotHoldIsRefusedWhenTheStateIsMade(string name)
    {
        Optimizer optimizer = With($"{name}.epsilon", 1e-50);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.CreateState<float>(3));
        Assert.Equal("epsilon", error.ParamName);
        Assert.Contains("Single", error.Message);
        Assert.StartsWith($"epsilon = 1E-50 is 0 in Single; choose one that Single can hold (at least {float.Epsilon}).", error.Message);
        using OptimizerState<double> state = optimizer.CreateState<double>(3);
        Assert.Equal(0, state.Steps);
    }

    public static TheoryData<Optimizer, string, double[]> Descriptions() => new()
    {
        { new GradientDescent(0.25), "GradientDescent", [0.25, 0, 0] },
        { new GradientDescent(0.25, 0.5, nesterov: true), "GradientDescent", [0.25, 0.5, 1] },
        { new Adagrad(0.3, 1e-6), "Adagrad", [0.3, 1e-6] },
        { new RmsProp(0.02, 0.8, 1e-7), "RmsProp", [0.02, 0.8, 1e-7] },
        { new Adam(0.004, 0.7, 0.95, 1e-5), "Adam", [0.004, 0.7, 0.95, 1e-5] },
        { new AdamW(0.004, 0.03, 0.7, 0.95, 1e-5), "AdamW", [0.004, 0.03, 0.7, 0.95, 1e-5] },
        { new AdamW(0.004, 0), "AdamW", [0.004, 0, 0.9, 0.999, 1e-8] },
    };

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void DescriptionsListEveryHyperparameterAndRebuildTheSameOptimizer(Optimizer optimizer, string name, double[] values)
    {
        OptimizerDescription description = optimizer.Describe();
        Assert.Equal(name, description.Name);
        Assert.Equal(values, description.Values);
        Optimizer rebuilt = Optimizer.FromDescription(description);
        Assert.Equal(optimizer.GetType(), rebuilt.GetType());
        Assert.Equal(description, rebuilt.Describe());
        Assert.Equal(optimizer.ToString(), rebuilt.ToString());
    }

    [Theory]
    [InlineData("GradientDescent", 2, 3)]
    [InlineData("Adagrad", 3, 2)]
    [InlineData("RmsProp", 4, 3)]
    [InlineData("Adam", 5, 4)]
    [InlineData("AdamW", 4, 5)]
    public void DescriptionsWithTheWrongNumberOfValuesAreRefused(string name, int given, int expected)
    {
        var description = new OptimizerDescription(name, Enumerable.Repeat(0.1, given).ToArray());
        var error = Assert.Throws<ArgumentException>(() => Optimizer.FromDescription(description));
        Assert.Equal($"{name} takes {expected} hyperparameters, not {given}.", error.Message);
    }

    [Fact]
    public void UnknownOrMissingDescriptionsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Optimizer.FromDescription(new OptimizerDescription("Lion", [0.1])));
        Assert.Contains("Unknown optimizer 'Lion'", error.Message);
        Assert.Contains("AdamW", error.Message);
        Assert.Throws<ArgumentNullException>(() => Optimizer.FromDescription(null!));
        // A description is checked like a constructor call: a stored learning rate of 0 is refused.
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.FromDescription(new OptimizerDescription("Adagrad", [0, 1e-10])));
    }

    [Fact]
    public void DescriptionsCompareByNameAndValues()
    {
        var a = new OptimizerDescription("Adam", [0.1, 0.9, 0.999, 1e-8]);
        var same = new OptimizerDescription("Adam", new List<double> { 0.1, 0.9, 0.999, 1e-8 });
        Assert.True(a.Equals(same));
        Assert.Equal(a.GetHashCode(), same.GetHashCode());
        Assert.False(a.Equals(new OptimizerDescription("AdamW", [0.1, 0.9, 0.999, 1e-8])));
        Assert.False(a.Equals(new OptimizerDescription("Adam", [0.1, 0.9, 0.999, 1e-7])));
        Assert.False(a.Equals(new OptimizerDescription("Adam", [0.1, 0.9, 0.999])));
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void TextsNameTheRuleAndItsMainHyperparameters()
    {
        Assert.Equal("GradientDescent(lr=0.5)", new GradientDescent(0.5).ToString());
        Assert.Equal("GradientDescent(lr=0.5, momentum=0.9)", new GradientDescent(0.5, 0.9).ToString());
        Assert.Equal("GradientDescent(lr=0.5, momentum=0.9, nesterov)", new GradientDescent(0.5, 0.9, true).ToString());
        Assert.Equal("Adagrad(lr=0.5)", new Adagrad(0.5).ToString());
        Assert.Equal("RmsProp(lr=0.5, rho=0.8)", new RmsProp(0.5, 0.8).ToString());
        Assert.Equal("Adam(lr=0.5)", new Adam(0.5).ToString());
        Assert.Equal("AdamW(lr=0.5, wd=0.02)", new AdamW(0.5, 0.02).ToString());
    }

    public static TheoryData<Optimizer, int> MomentCounts() => new()
    {
        { new GradientDescent(0.1), 0 },
        { new GradientDescent(0.1, 0.9), 1 },
        { new Adagrad(0.1), 1 },
        { new RmsProp(0.1), 1 },
        { new Adam(0.1), 2 },
        { new AdamW(0.1), 2 },
    };

    [Theory]
    [MemberData(nameof(MomentCounts))]
    public void StatesExposeExactlyTheirMomentSlabs(Optimizer optimizer, int count)
    {
        using OptimizerState<float> state = optimizer.CreateState<float>(7);
        Assert.Equal(count, state.MomentCount);
        for (int k = 0; k < count; k++)
        {
            Assert.Equal(7, state.Moment(k).Length);
        }
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => state.Moment(count));
        Assert.Equal("index", error.ParamName);
        Assert.Equal(count, error.ActualValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Moment(-1));
    }

    [Theory]
    [MemberData(nameof(MomentCounts))]
    public void MomentSlabsAreTheOnesTheStepUpdates(Optimizer optimizer, int count)
    {
        using OptimizerState<double> state = optimizer.CreateState<double>(5);
        double[] theta = [1, 2, 3, 4, 5], g = [0.5, -1, 2, -0.25, 1];
        state.Step(theta, g, 0.1);
        for (int k = 0; k < count; k++)
        {
            // After one step from zero every moment is a non-zero multiple of g (or of g²): none is left untouched.
            Assert.All(state.Moment(k).ToArray(), value => Assert.NotEqual(0, value));
        }
        // The slabs are distinct: writing one leaves the others.
        if (count == 2)
        {
            state.Moment(0).Fill(42);
            Assert.DoesNotContain(42, state.Moment(1).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(MomentCounts))]
    public void DisposingTheStateFreesEveryMomentSlab(Optimizer optimizer, int count)
    {
        OptimizerState<float> state = optimizer.CreateState<float>(7);
        state.Dispose();
        for (int k = 0; k < count; k++)
        {
            int index = k;
            Assert.Throws<ObjectDisposedException>(() => state.Moment(index).Length);
        }
        state.Dispose(); // idempotent
    }

    [Theory]
    [MemberData(nameof(MomentCounts))]
    public void StepsOfTheWrongSizeAreRefusedAndNotCounted(Optimizer optimizer, int count)
    {
        _ = count;
        using OptimizerState<double> state = optimizer.CreateState<double>(4);
        var shortParameters = Assert.Throws<ArgumentException>(() => state.Step(new double[3], new double[4], 0.1));
        Assert.Contains("made for 4 parameters, not 3 (gradients 4)", shortParameters.Message);
        var shortGradients = Assert.Throws<ArgumentException>(() => state.Step(new double[4], new double[5], 0.1));
        Assert.Contains("made for 4 parameters, not 4 (gradients 5)", shortGradients.Message);
        Assert.Equal(0, state.Steps);
        state.Step(new double[4], new double[4], 0.1);
        state.Step(new double[4], new double[4], 0.1);
        Assert.Equal(2, state.Steps);
    }
}
