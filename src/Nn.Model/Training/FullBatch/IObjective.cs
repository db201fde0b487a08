namespace Nn.Training;

/// <summary>
/// A differentiable cost J(x) over double parameters with an evaluation budget: what the line search and the
/// full-batch methods need, so that they can also be checked on functions whose minimisers are known.
/// </summary>
internal interface IObjective
{
    /// <summary>True once the evaluation budget is spent.</summary>
    bool Exhausted { get; }

    /// <summary>Writes ∇J(x) into <paramref name="gradient"/> and returns J(x).</summary>
    double Evaluate(double[] x, double[] gradient);
}
