using Nn.Native.Memory;

namespace Nn;

/// <summary>
/// Everything forward and backward write for a batch, in one aligned slab sized for a batch capacity:
/// per layer the pre-activation Z, the output A and the gradient G (∂C/∂z), plus softmax's log Σ e^z per row.
/// Reused for every batch up to the capacity, so steady-state training allocates nothing.
/// </summary>
internal sealed class Workspace<T> : IDisposable where T : unmanaged
{
    private readonly AlignedBuffer<T> _slab;
    private readonly int[] _offsets;
    private readonly int[] _widths;
    private readonly int _logSumExpOffset;

    public Workspace(DenseLayout[] layouts, int capacity)
    {
        Capacity = capacity;
        _offsets = new int[layouts.Length];
        _widths = new int[layouts.Length];
        long offset = 0;
        for (int i = 0; i < layouts.Length; i++)
        {
            _offsets[i] = checked((int)offset);
            _widths[i] = layouts[i].Outputs;
            offset += 3L * capacity * layouts[i].Outputs;
        }
        _logSumExpOffset = checked((int)offset);
        _slab = new AlignedBuffer<T>(checked((int)(offset + capacity)));
    }

    public int Capacity { get; }

    public Span<T> PreActivation(int layer, int batch) => _slab.Slice(_offsets[layer], batch * _widths[layer]);

    public Span<T> Output(int layer, int batch) => _slab.Slice(_offsets[layer] + Capacity * _widths[layer], batch * _widths[layer]);

    public Span<T> Gradient(int layer, int batch) => _slab.Slice(_offsets[layer] + 2 * Capacity * _widths[layer], batch * _widths[layer]);

    public Span<T> LogSumExp(int batch) => _slab.Slice(_logSumExpOffset, batch);

    public bool IsDisposed => _slab.IsDisposed;

    public void Dispose() => _slab.Dispose();
}
