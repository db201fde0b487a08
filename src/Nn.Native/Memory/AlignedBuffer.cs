using System.Runtime.CompilerServices;

namespace Nn.Native.Memory;

/// <summary>
/// A fixed-length buffer of unmanaged elements in 64-byte-aligned native memory that the GC
/// never moves, so it can be handed to BLAS without pinning. Elements start zeroed.
/// </summary>
/// <remarks>
/// Thread safety: concurrent reads and writes of disjoint ranges are safe; Dispose must not race
/// with other use. Dispose is idempotent; a buffer that is never disposed is freed by the
/// finalizer of its SafeHandle.
/// </remarks>
public sealed unsafe class AlignedBuffer<T> : IDisposable where T : unmanaged
{
    private readonly AlignedMemoryHandle _handle;
    private readonly T* _pointer;

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative.</exception>
    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _handle = AlignedMemoryHandle.Allocate((nuint)length * (nuint)sizeof(T));
        _pointer = (T*)_handle.DangerousGetHandle();
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True once <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The whole buffer as a span.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return new Span<T>(_pointer, Length);
        }
    }

    /// <summary>A slice of the buffer.</summary>
    public Span<T> Slice(int start, int length) => Span.Slice(start, length);

    /// <summary>
    /// The address of the first element; valid until the buffer is disposed. Callers that pass it
    /// to native code must keep the buffer alive (GC.KeepAlive) until the call returns.
    /// </summary>
    public T* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _pointer;
        }
    }

    /// <summary>
    /// Keeps the memory alive across a use that must not race with <see cref="Dispose"/>: the caller pairs it with
    /// <see cref="ReleaseUse"/>. Dispose during the use defers the free until the last release.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    internal T* AcquireUse()
    {
        bool added = false;
        _handle.DangerousAddRef(ref added);
        return _pointer;
    }

    /// <summary>Ends a use begun by <see cref="AcquireUse"/>.</summary>
    internal void ReleaseUse() => _handle.DangerousRelease();

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Span.Clear();

    /// <summary>Frees the native memory. Calling it again does nothing.</summary>
    public void Dispose() => _handle.Dispose();
}
