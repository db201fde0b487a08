using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The per-thread packing buffers of the managed kernels: kept between calls so a steady-state GEMM allocates nothing,
/// and replaced (the old one freed at once, not left to the finalizer) only when a call needs more room.
/// </summary>
internal static unsafe class ScratchBuffer
{
    /// <summary>
    /// Makes <paramref name="buffer"/> hold at least <paramref name="length"/> elements and returns its start. Only
    /// the owning thread may call this for a given [ThreadStatic] field.
    /// </summary>
    /// <exception cref="OverflowException">More elements than one buffer can hold (2³¹ − 1).</exception>
    public static T* Ensure<T>(ref AlignedBuffer<T>? buffer, long length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            int checkedLength = checked((int)length);
            buffer?.Dispose();
            buffer = new AlignedBuffer<T>(checkedLength);
        }
        return buffer.Pointer;
    }
}
