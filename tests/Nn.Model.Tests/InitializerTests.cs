using Xunit;

namespace Nn.Model.Tests;

/// <summary>
/// Each initialiser draws from the distribution it names: mean, spread, bounds and shape (kurtosis tells a normal,
/// 3, from a uniform, 1.8) over 60,000 draws, with fan-in ≠ fan-out so that formulas mixing them up are caught.
/// </summary>
public sealed class InitializerTests
{
    private const int FanIn = 300, FanOut = 200;

    private static double[] Draw(Initializer initializer, int seed = 5)
    {
        double[] weights = new double[FanIn * FanOut];
        initializer.Fill(weights, FanIn, FanOut, new Random(seed));
        return weights;
    }

    private static (double Mean, double Std, double Kurtosis) Moments(double[] w)
    {
        double mean = w.Average();
        double variance = w.Select(v => (v - mean) * (v - mean)).Average();
        double fourth = w.Select(v => Math.Pow(v - mean, 4)).Average();
        return (mean, Math.Sqrt(variance), fourth / (variance * variance));
    }

    public static TheoryData<string, bool, double> Distributions() => new()
    {
        // name, normal?, σ of the distribution
        { "FanInNormal", true, 1 / Math.Sqrt(FanIn) },
        { "GlorotNormal", true, Math.Sqrt(2.0 / (FanIn + FanOut)) },
        { "HeNormal", true, Math.Sqrt(2.0 / FanIn) },
        { "GlorotUniform", false, Math.Sqrt(6.0 / (FanIn + FanOut)) / Math.Sqrt(3) },
        { "HeUniform", false, Math.Sqrt(6.0 / FanIn) / Math.Sqrt(3) },
        { "Uniform", false, 0.7 / Math.Sqrt(3) },
    };

    private static Initializer Named(string name) => name switch
    {
        "FanInNormal" => Initializer.FanInNormal,
        "GlorotNormal" => Initializer.GlorotNormal,
        "HeNormal" => Initializer.HeNormal,
        "GlorotUniform" => Initializer.GlorotUniform,
        "HeUniform" => Initializer.HeUniform,
        "Uniform" => Initializer.Uniform(0.7),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Distributions))]
    public void DrawsFollowTheNamedDistribution(string name, bool normal, double sigma)
    {
        double[] w = Draw(Named(name));
        (double mean, double std, double kurtosis) = Moments(w);
        Assert.All(w, v => Assert.True(double.IsFinite(v)));
        Assert.True(Math.Abs(mean) < 4 * sigma / Math.Sqrt(w.Length), $"mean {mean}");
        Assert.True(Math.Abs(std / sigma - 1) < 0.02, $"σ {std}, expected {sigma}");
        if (normal)
        {
            Assert.True(Math.Abs(kurtosis - 3) < 0.15, $"kurtosis {kurtosis}, a normal has 3");
        }
        else
        {
            double limit = sigma * Math.Sqrt(3);
            Assert.True(Math.Abs(kurtosis - 1.8) < 0.05, $"kurtosis {kurtosis}, a uniform has 1.8");
            Assert.All(w, v => Assert.InRange(v, -limit, limit));
            Assert.True(w.Max() > 0.999 * limit && w.Min() < -0.999 * limit, "the draws do not reach both ends of (−τ, τ)");
        }
        Assert.False(Named(name).IsSymmetric);
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void TheSeedFixesTheDraws(string name, bool normal, double sigma)
    {
        _ = (normal, sigma);
        Assert.Equal(Draw(Named(name), seed: 9), Draw(Named(name), seed: 9));
        Assert.NotEqual(Draw(Named(name), seed: 9), Draw(Named(name), seed: 10));
    }

    [Fact]
    public void ConstantFillsEveryWeightAndIsSymmetric()
    {
        Assert.All(Draw(Initializer.Constant(0.25)), v => Assert.Equal(0.25, v));
        Assert.All(Draw(Initializer.Constant()), v => Assert.Equal(0, v));
        Assert.True(Initializer.Constant().IsSymmetric);
        Assert.False(Initializer.FanInNormal.IsSymmetric);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ConstantMustBeFinite(double value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Constant(value));
        Assert.Equal("value", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void UniformLimitMustBePositiveAndFinite(double limit)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Uniform(limit));
        Assert.Equal("limit", error.ParamName);
        Assert.Contains("positive and finite", error.Message);
    }

    [Fact]
    public void TextsNameTheDistribution()
    {
        Assert.Equal("N(0, 1/sqrt(fan_in))", Initializer.FanInNormal.ToString());
        Assert.Equal("GlorotNormal", Initializer.GlorotNormal.ToString());
        Assert.Equal("GlorotUniform", Initializer.GlorotUniform.ToString());
        Assert.Equal("HeNormal", Initializer.HeNormal.ToString());
        Assert.Equal("HeUniform", Initializer.HeUniform.ToString());
        Assert.Equal("U(-0.5, 0.5)", Initializer.Uniform(0.5).ToString());
        Assert.Equal("Constant(0.5)", Initializer.Constant(0.5).ToString());
    }

    [Fact]
    public void NetworksUseTheirInitializerAndStartBiasesAtZero()
    {
        using var network = new Network<double>(new Sequential(new Dense(FanIn, FanOut)),
            new NetworkOptions { Seed = 2, Initializer = Initializer.Uniform(0.3) });
        Assert.Same(network.Initializer, network.Initializer);
        Assert.All(network.Weights(0).ToArray(), v => Assert.InRange(v, -0.3, 0.3));
        Assert.True(network.Weights(0).ToArray().Max() > 0.29);
        Assert.All(network.Biases(0).ToArray(), v => Assert.Equal(0, v));
    }
}
