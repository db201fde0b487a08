namespace Nn.Training;

/// <summary>
/// The last m curvature pairs (s = x₊ − x, y = ∇J₊ − ∇J) of L-BFGS and the two-loop recursion that applies the
/// inverse-Hessian estimate they define (Nocedal &amp; Wright, algorithm 7.4) without ever forming it.
/// </summary>
internal sealed class LbfgsMemory(int capacity)
{
    private readonly List<double[]> _steps = [];
    private readonly List<double[]> _changes = [];
    private readonly double[] _alpha = new double[capacity];

    public int Count => _steps.Count;

    /// <summary>
    /// Keeps the pair when it has positive curvature (sᵀy &gt; 10⁻¹² yᵀy, so that the estimate stays positive
    /// definite), dropping the oldest when full. Returns whether it was kept.
    /// </summary>
    public bool Push(double[] step, double[] change)
    {
        if (!(Norm.Dot(step, change) > 1e-12 * Norm.Dot(change, change)))
        {
            return false;
        }
        if (_steps.Count == capacity)
        {
            _steps.RemoveAt(0);
            _changes.RemoveAt(0);
        }
        _steps.Add(step);
        _changes.Add(change);
        return true;
    }

    /// <summary>
    /// direction = −H·g, where H starts as γI (γ = sᵀy / yᵀy of the newest pair, or 1 / max(1, |g|∞) before any
    /// pair, so that the first step moves no component by more than 1) and takes one BFGS update per pair, oldest first.
    /// </summary>
    public void Direction(double[] g, double[] direction)
    {
        int n = g.Length;
        Array.Copy(g, direction, n);
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            _alpha[i] = Norm.Dot(_steps[i], direction) / Norm.Dot(_changes[i], _steps[i]);
            Norm.Axpy(-_alpha[i], _changes[i], direction);
        }
        double gamma = _steps.Count > 0
            ? Norm.Dot(_steps[^1], _changes[^1]) / Norm.Dot(_changes[^1], _changes[^1])
            : 1.0 / Math.Max(1.0, Norm.Max(g));
        for (int i = 0; i < n; i++) direction[i] *= gamma;
        for (int i = 0; i < _steps.Count; i++)
        {
            double beta = Norm.Dot(_changes[i], direction) / Norm.Dot(_changes[i], _steps[i]);
            Norm.Axpy(_alpha[i] - beta, _steps[i], direction);
        }
        for (int i = 0; i < n; i++) direction[i] = -direction[i];
    }
}
