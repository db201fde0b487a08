using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Serving;

/// <summary>
/// A 64-byte-aligned run of floats inside a pinned managed array. The garbage collector owns the memory, so a call
/// still running when its predictor is disposed keeps reading valid memory: no use-after-free is possible by construction.
/// </summary>
internal readonly unsafe struct PinnedFloats
{
    private const int Alignment = 64;
    private readonly float[] _array;
    private readonly int _offset;

    public PinnedFloats(int length)
    {
        Length = length;
        _array = GC.AllocateArray<float>(length + Alignment / sizeof(float), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        _offset = (int)((Alignment - address % Alignment) % Alignment) / sizeof(float);
    }

    public int Length { get; }

    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>Stable for the array's lifetime (it is pinned); callers keep the owner reachable while they use it.</summary>
    public float* Pointer => (float*)Unsafe.AsPointer(ref _array[_offset]);
}
