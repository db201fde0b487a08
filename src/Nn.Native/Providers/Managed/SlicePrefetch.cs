using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// Walks the next slice of a row-major operand (a part's columns of each of its rows) one cache line at a time, so a
/// kernel can ask for it in L2 while it computes the current slice. ThinRowKernel asks for two lines per sample step:
/// without it, the first column block of every slice waited on memory.
/// </summary>
internal unsafe struct SlicePrefetch
{
    private const int Line = 64;
    private readonly long _rowStrideBytes;
    private readonly int _rowBytes;
    private byte* _row;
    private int _offset, _rowsLeft;

    private SlicePrefetch(byte* row, long rowStrideBytes, int rowBytes, int rows)
    {
        _row = row;
        _rowStrideBytes = rowStrideBytes;
        _rowBytes = rowBytes;
        _rowsLeft = rows;
    }

    /// <summary>The <paramref name="rows"/> rows of <paramref name="n"/> elements that start <paramref name="depth"/> rows after <paramref name="slice"/>.</summary>
    public static SlicePrefetch After<T>(T* slice, int depth, int ld, int n, int rows) where T : unmanaged =>
        new((byte*)(slice + depth * (long)ld), ld * (long)sizeof(T), n * sizeof(T), rows);

    /// <summary>The next line to ask for (every 64 bytes of each row from its start), or null once the slice is covered.</summary>
    public byte* Next()
    {
        if (_rowsLeft <= 0) return null;
        byte* line = _row + _offset;
        _offset += Line;
        if (_offset >= _rowBytes)
        {
            _offset = 0;
            _row += _rowStrideBytes;
            _rowsLeft--;
        }
        return line;
    }

    /// <summary>Asks for the next two lines in L2 (a hint: it never faults and changes no value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Two()
    {
        if (!Sse.IsSupported) return;
        byte* line = Next();
        if (line != null) Sse.Prefetch1(line);
        line = Next();
        if (line != null) Sse.Prefetch1(line);
    }
}
