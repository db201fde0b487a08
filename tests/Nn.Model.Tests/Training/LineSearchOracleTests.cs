using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// The strong-Wolfe line search on one-dimensional functions whose every trial step was worked out by hand:
/// φ(α) = J(x + α·d) with x = 0 and d = 1, so the trial points are the trial steps.
/// </summary>
public sealed class LineSearchOracleTests
{
    /// <summary>A function of x with its gradient, recording every point it is evaluated at.</summary>
    internal sealed class Recorded(Func<double[], double[], double> function, int budget = 1000) : IObjective
    {
        /// <summary>The points evaluated since the last <see cref="Forget"/>.</summary>
        public List<double[]> Points { get; } = [];

        public int Evaluations { get; private set; }

        public bool Exhausted => Evaluations >= budget;

        public void Forget() => Points.Clear();

        public double Evaluate(double[] x, double[] gradient)
        {
            Evaluations++;
            Points.Add((double[])x.Clone());
            return function(x, gradient);
        }

        public double[] Steps => Points.Select(p => p[0]).ToArray();
    }

    // φ(α) = (α − m)², φ'(α) = 2(α − m).
    private static Recorded Parabola(double minimum, int budget = 1000) => new((x, g) =>
    {
        g[0] = 2 * (x[0] - minimum);
        return (x[0] - minimum) * (x[0] - minimum);
    }, budget);

    private static (bool Found, double X, double F, double G) Search(Recorded problem, double initialStep, double c2, double direction = 1)
    {
        double[] x = [0], g = new double[1];
        double f = problem.Evaluate(x, g);
        problem.Forget();
        bool found = WolfeLineSearch.Search(problem, x, ref f, g, [direction], initialStep, 1e-4, c2);
        return (found, x[0], f, g[0]);
    }

    [Fact]
    public void TheFirstStepIsAcceptedWhenItMeetsBothConditions()
    {
        // (α − 2.5)²: φ(0) = 6.25, φ'(0) = −5; at α = 1, φ = 2.25 ≤ 6.25 − 1e-4·5 and |φ'| = 3 ≤ 0.9·5.
        Recorded problem = Parabola(2.5);
        Assert.Equal((true, 1.0, 2.25, -3.0), Search(problem, 1, 0.9));
        Assert.Equal([1.0], problem.Steps);
    }

    [Fact]
    public void TheStepDoublesUntilTheCostRisesThenTheCubicFindsTheMinimum()
    {
        // With c₂ = 0.1, |φ'| must fall to 0.5: α = 1 (φ' = −3) and 2 (φ' = −1) are too steep, α = 4 costs 2.25 ≥ 0.25,
        // so [2, 4] brackets; the cubic through (2, 0.25, −1) and (4, 2.25, 3) has its minimum at exactly 2.5.
        Recorded problem = Parabola(2.5);
        Assert.Equal((true, 2.5, 0.0, 0.0), Search(problem, 1, 0.1));
        Assert.Equal([1.0, 2.0, 4.0, 2.5], problem.Steps);
    }

    [Fact]
    public void AnUphillSlopeWithALowerCostBracketsTheOtherWay()
    {
        // (α − 1.8)², c₂ = 0.1: α = 1 is too steep (φ' = −1.6), α = 2 costs less (0.04) but climbs (φ' = 0.4), so the
        // bracket is [2, 1] with 2 as its low end; the cubic through both points lands on 1.8.
        Recorded problem = Parabola(1.8);
        (bool found, double x, double f, double g) = Search(problem, 1, 0.1);
        Assert.True(found);
        Assert.Equal(1.8, x, 12);
        Assert.Equal(0, f, 12);
        Assert.Equal(0, g, 12);
        Assert.Equal(3, problem.Points.Count);
        Assert.Equal(1.8, problem.Steps[2], 12);
    }

    [Fact]
    public void ASufficientDecreaseFailureIsZoomedBackInside()
    {
        // (α − 0.3)²: φ(1) = 0.49 > φ(0) = 0.09, so [0, 1] brackets; the cubic through (0, 0.09, −0.6) and (1, 0.49, 1.4)
        // has its minimum at 0.3.
        Recorded problem = Parabola(0.3);
        (bool found, double x, double f, _) = Search(problem, 1, 0.9);
        Assert.True(found);
        Assert.Equal(0.3, x, 12);
        Assert.Equal(0, f, 12);
        Assert.Equal(new[] { 1.0, 0.3 }, problem.Steps, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void ANonFiniteCostIsTreatedAsTooFar()
    {
        // NaN beyond 1.5: α = 4 is NaN, the bisection tries 2 (NaN), then 1, where φ = 0.04 and |φ'| = 0.4 ≤ 0.9·2.4.
        Recorded problem = new((x, g) =>
        {
            g[0] = 2 * (x[0] - 1.2);
            return x[0] > 1.5 ? double.NaN : (x[0] - 1.2) * (x[0] - 1.2);
        });
        (bool found, double x, double f, double g) = Search(problem, 4, 0.9);
        Assert.True(found);
        Assert.Equal([4.0, 2.0, 1.0], problem.Steps);
        Assert.Equal(1.0, x);
        Assert.Equal(0.04, f, 12);
        Assert.Equal(-0.4, g, 12);
    }

    [Fact]
    public void AnUphillDirectionIsRefusedWithoutAnEvaluation()
    {
        Recorded problem = Parabola(2.5);
        (bool found, double x, double f, double g) = Search(problem, 1, 0.9, direction: -1);
        Assert.False(found);
        Assert.Empty(problem.Points);
        Assert.Equal((0.0, 6.25, -5.0), (x, f, g));
        Recorded flat = Parabola(0);
        Assert.False(Search(flat, 1, 0.9).Found); // φ'(0) = 0: not a descent direction either
        Assert.Empty(flat.Points);
    }

    [Fact]
    public void ACurvatureExactlyAtTheBoundIsAccepted()
    {
        // (α − 4)², c₂ = 0.75: φ'(1) = −6 and c₂·|φ'(0)| = 0.75·8 = 6, exactly.
        Recorded problem = Parabola(4);
        Assert.Equal((true, 1.0, 9.0, -6.0), Search(problem, 1, 0.75));
        Assert.Single(problem.Points);
    }

    [Fact]
    public void OfTwoEqualCostsTheFirstIsKept()
    {
        // (α − 1.5)², c₂ = 0.1, two trials: α = 1 and α = 2 both cost 0.25; the budget ends before the zoom, and the
        // best point is the first that reached the lowest cost.
        Recorded problem = Parabola(1.5, budget: 3);
        Assert.Equal((true, 1.0, 0.25, -1.0), Search(problem, 1, 0.1));
        Assert.Equal([1.0, 2.0], problem.Steps);
    }

    [Fact]
    public void AnEndlessDescentStopsAfterTwentyDoublings()
    {
        // φ(α) = −α never flattens: twenty trials 1, 2, … 2¹⁹, none meets the curvature condition, the last is kept.
        Recorded problem = new((x, g) =>
        {
            g[0] = -1;
            return -x[0];
        });
        Assert.Equal((true, 524288.0, -524288.0, -1.0), Search(problem, 1, 0.5));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => Math.Pow(2, i)), problem.Steps);
    }

    [Fact]
    public void AGradientThatLiesMakesTheSearchFailAndLeavesTheStart()
    {
        // J = (x + 1)² with a reported gradient of −1 everywhere: "downhill" is uphill, so no step decreases J. The
        // zoom shrinks [0, 1] towards 0 until its thirty trials are spent, and the start is kept.
        Recorded problem = new((x, g) =>
        {
            g[0] = -1;
            return (x[0] + 1) * (x[0] + 1);
        });
        Assert.Equal((false, 0.0, 1.0, -1.0), Search(problem, 1, 0.9));
        Assert.Equal(LyingGradientTrials, problem.Points.Count);
        Assert.All(problem.Steps, step => Assert.InRange(step, 1e-300, 1.0));
        Assert.Equal(1.0, problem.Steps[0]);
        Assert.True(problem.Steps.Skip(1).Zip(problem.Steps.Skip(2), (a, b) => b < a).All(x => x), "the trials do not shrink towards the start");
    }

    [Fact]
    public void AFlatStepThatCostsMoreThanTheStartIsNotAccepted()
    {
        // φ(α) = −(1 + 2·10⁻⁶)α³ + (2 + 3·10⁻⁶)α² − α: φ(0) = 0, φ'(0) = −1, φ(1) = 10⁻⁶ and φ'(1) = 0. The curvature
        // condition holds at α = 1, but the cost rose, so the search must zoom back to a decrease.
        Recorded problem = new((x, g) =>
        {
            double a = x[0];
            g[0] = -3 * (1 + 2e-6) * a * a + 2 * (2 + 3e-6) * a - 1;
            return -(1 + 2e-6) * a * a * a + (2 + 3e-6) * a * a - a;
        });
        (bool found, double alpha, double f, _) = Search(problem, 1, 0.9);
        Assert.True(found);
        Assert.True(f <= 1e-4 * alpha * -1, $"accepted α = {alpha} with φ = {f}");
        Assert.InRange(alpha, 0.05, 0.95);
    }

    [Fact]
    public void AFailedZoomAfterAnUphillStepKeepsTheBestPoint()
    {
        // (α − 1.8)² with its true slope at 0, 1 and 2, but a slope of −1 reported everywhere between: the bracket
        // [2, 1] closes on 1.8 without a trial ever meeting the curvature condition. The search ends with the best
        // point it saw, not with the start and not with a NaN cost.
        Recorded problem = new((x, g) =>
        {
            double a = x[0];
            g[0] = a is 0 or 1 or 2 ? 2 * (a - 1.8) : -1;
            return (a - 1.8) * (a - 1.8);
        });
        (bool found, double alpha, double f, double slope) = Search(problem, 1, 0.1);
        Assert.True(found);
        Assert.Equal([1.0, 2.0], problem.Steps.Take(2));
        Assert.Equal((alpha - 1.8) * (alpha - 1.8), f);
        Assert.InRange(alpha, 1.7, 1.9);
        Assert.Equal(-1.0, slope);
        Assert.Equal(f, problem.Steps.Select(a => (a - 1.8) * (a - 1.8)).Min());
        Assert.Equal(2 + 18, problem.Points.Count); // the two expansions, then 18 zoom trials until the bracket is below 10⁻¹²
    }

    [Fact]
    public void AZoomWhoseBracketCollapsesStopsBeforeItsThirtyTrials()
    {
        // φ(α) = α with a reported slope of −2: each cubic step lands at 0.127 of the bracket, so it shrinks below
        // 10⁻¹² of its width in 14 trials, and the search gives up there.
        Recorded problem = new((x, g) =>
        {
            g[0] = -2;
            return x[0];
        });
        Assert.Equal((false, 0.0, 0.0, -2.0), Search(problem, 1, 0.9));
        Assert.Equal(15, problem.Points.Count);
        Assert.InRange(problem.Steps[^1], 0, 1e-11);
    }

    [Fact]
    public void ACostThatStopsFallingBracketsEvenWhenItStillMeetsSufficientDecrease()
    {
        // φ(α) = −α, plus a smooth step of height 1 between α = 1 and 2: φ(1) = φ(2) = −1, slope −1 at both. α = 2
        // still meets sufficient decrease, but it is no lower than α = 1, so the minimum lies between: the search
        // must zoom in [1, 2] rather than double on to 4.
        Recorded problem = new((x, g) =>
        {
            double a = x[0], t = Math.Clamp(a - 1, 0, 1);
            g[0] = -1 + (a is > 1 and < 2 ? 6 * t - 6 * t * t : 0);
            return -a + 3 * t * t - 2 * t * t * t;
        });
        (bool found, double alpha, _, double slope) = Search(problem, 1, 0.5);
        Assert.True(found);
        Assert.Equal([1.0, 2.0], problem.Steps.Take(2));
        Assert.All(problem.Steps.Skip(2), step => Assert.InRange(step, 1.0, 2.0));
        Assert.InRange(alpha, 1.0, 2.0);
        Assert.True(Math.Abs(slope) <= 0.5);
    }

    [Fact]
    public void AZoomTrialBelowTheLowEndButShortOfSufficientDecreaseShrinksTheBracket()
    {
        // φ(0) = 0 with φ'(0) = −1, φ(1) = 1: [0, 1] brackets. Inside, a flat shelf at −10⁻⁶ with a reported slope of 0.
        // A trial on the shelf is lower than the low end but short of sufficient decrease (−10⁻⁴·α) until α < 0.01,
        // so the zoom must keep shrinking towards 0 and accept only a step that meets both conditions.
        Recorded problem = new((x, g) =>
        {
            double a = x[0];
            g[0] = a <= 0 ? -1 : a >= 1 ? 2 : 0;
            return a <= 0 ? 0 : a >= 1 ? 1 : -1e-6;
        });
        (bool found, double alpha, double f, _) = Search(problem, 1, 0.9);
        Assert.True(found);
        Assert.Equal(-1e-6, f);
        Assert.InRange(alpha, 1e-12, 0.01);
        Assert.True(f <= 1e-4 * alpha * -1);
        Assert.True(problem.Points.Count > 2);
    }

    /// <summary>One trial at α = 1, then the zoom's thirty.</summary>
    internal const int LyingGradientTrials = 31;

    [Fact]
    public void AnExhaustedBudgetKeepsTheBestDecrease()
    {
        // Two evaluations on (α − 2.5)² with c₂ = 0.1: α = 1 and 2, neither meets the curvature condition; 2 is kept.
        Recorded problem = Parabola(2.5, budget: 3);
        Assert.Equal((true, 2.0, 0.25, -1.0), Search(problem, 1, 0.1));
        Assert.Equal([1.0, 2.0], problem.Steps);
    }

    [Fact]
    public void NoDecreaseWithinTheBudgetLeavesTheStartAndReportsFailure()
    {
        // One evaluation at α = 10 on (α − 0.3)² costs more than the start, and no evaluation is left to zoom.
        Recorded problem = Parabola(0.3, budget: 2);
        Assert.Equal((false, 0.0, 0.09, -0.6), Search(problem, 10, 0.9));
        Assert.Equal([10.0], problem.Steps);
    }

    [Fact]
    public void EveryAcceptedStepOnAQuarticMeetsTheStrongWolfeConditions()
    {
        // φ(α) = (α − 3)⁴ − α: the cubic is no longer exact, so the search must iterate its zoom.
        // Each case's number of trials, as this search takes them: a change to the bracketing or the interpolation
        // shows here first, even when the accepted step still meets both conditions.
        var trials = new List<int>();
        foreach ((double initial, double c2) in new[] { (1.0, 0.1), (1.0, 0.9), (8.0, 0.1), (0.01, 0.1), (5.0, 0.01), (1.0, 1e-3), (8.0, 1e-4), (2.9, 1e-4), (0.3, 1e-5) })
        {
            Recorded problem = new((x, g) =>
            {
                double t = x[0] - 3;
                g[0] = 4 * t * t * t - 1;
                return t * t * t * t - x[0];
            });
            (bool found, double alpha, double f, double slope) = Search(problem, initial, c2);
            Assert.True(found, $"no step from {initial} with c2 {c2}");
            Assert.Equal(Math.Pow(alpha - 3, 4) - alpha, f, 12);
            Assert.True(f <= 81 + 1e-4 * alpha * -109, $"sufficient decrease fails at {alpha}");
            Assert.True(Math.Abs(slope) <= c2 * 109, $"curvature fails at {alpha} (slope {slope}, c2 {c2})");
            trials.Add(problem.Points.Count);
        }
        Assert.Equal([2, 1, 2, 9, 3, 5, 5, 6, 10], trials);
    }

    [Fact]
    public void TheCubicStepIsTheInterpolantsMinimum()
    {
        // p(α) = α³ − 3α, p' = 3α² − 3: minimum at 1, from either end.
        Assert.Equal(1.0, WolfeLineSearch.Cubic(0, 0, -3, 2, 2, 9), 12);
        Assert.Equal(1.0, WolfeLineSearch.Cubic(2, 2, 9, 0, 0, -3), 12);
        // A parabola (α − 0.7)² on [0.2, 1.5]: the cubic through two of its points is the parabola itself.
        static (double F, double D) P(double a) => ((a - 0.7) * (a - 0.7), 2 * (a - 0.7));
        Assert.Equal(0.7, WolfeLineSearch.Cubic(0.2, P(0.2).F, P(0.2).D, 1.5, P(1.5).F, P(1.5).D), 12);
        Assert.Equal(0.7, WolfeLineSearch.Cubic(1.5, P(1.5).F, P(1.5).D, 0.2, P(0.2).F, P(0.2).D), 12);
    }

    [Fact]
    public void TheCubicStepFallsBackToTheMidpoint()
    {
        static (double F, double D) P(double a) => (a * a * a - 3 * a, 3 * a * a - 3);
        // Minimum at 1 lies within the outer tenth of [0.95, 3] (below 1.155): bisect.
        Assert.Equal(1.975, WolfeLineSearch.Cubic(0.95, P(0.95).F, P(0.95).D, 3, P(3).F, P(3).D), 12);
        Assert.Equal(1.975, WolfeLineSearch.Cubic(3, P(3).F, P(3).D, 0.95, P(0.95).F, P(0.95).D), 12);
        // And within the outer tenth at the top: minimum 1 on [−0.9, 1.05] (above 0.855).
        Assert.Equal(0.075, WolfeLineSearch.Cubic(-0.9, P(-0.9).F, P(-0.9).D, 1.05, P(1.05).F, P(1.05).D), 12);
        // On the bounds of the middle 80 % exactly, the minimum is kept: (α − 1)² and (α − 9)² on [0, 10].
        Assert.Equal(1.0, WolfeLineSearch.Cubic(0, 1, -2, 10, 81, 18));
        Assert.Equal(9.0, WolfeLineSearch.Cubic(0, 81, -18, 10, 1, 2));
        // A double root (d₁² = φ'(a)·φ'(b) = 4) still gives the interpolant's minimum: 1/3 on [0, 1].
        Assert.Equal(1.0 / 3, WolfeLineSearch.Cubic(0, 1, -1, 1, 0, -4), 15);
        // Just inside the middle 80 %: minimum 1 on [0.85, 2.2] (bounds 0.985 and 2.065) is kept.
        Assert.Equal(1.0, WolfeLineSearch.Cubic(0.85, P(0.85).F, P(0.85).D, 2.2, P(2.2).F, P(2.2).D), 12);
        // No real minimum (d₁² < φ'(a)·φ'(b): d₁ = 0.7, product 1): bisect.
        Assert.Equal(0.5, WolfeLineSearch.Cubic(0, 0, -1, 1, -0.9, -1));
        // A non-finite end: bisect.
        Assert.Equal(2.0, WolfeLineSearch.Cubic(0, 1, -1, 4, double.NaN, double.NaN));
        Assert.Equal(2.0, WolfeLineSearch.Cubic(0, 1, -1, 4, double.PositiveInfinity, 1));
    }
}
