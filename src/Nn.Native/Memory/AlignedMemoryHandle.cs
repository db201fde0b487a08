using System.Runtime.InteropServices;

namespace Nn.Native.Memory;

/// <summary>
/// Owns one block of 64-byte-aligned native memory. Releasing it (explicitly or from the
/// SafeHandle's critical finalizer) frees the block exactly once.
/// </summary>
/// <remarks>Thread safety: SafeHandle reference counting makes release safe against concurrent use.</remarks>
internal sealed unsafe class AlignedMemoryHandle : SafeHandle
{
    /// <summary>Cache-line and AVX-512 register alignment.</summary>
    public const int Alignment = 64;

    private static long s_liveBytes;
    private static long s_liveBlocks;

    private readonly nuint _byteCount;

    private AlignedMemoryHandle(nuint byteCount) : base(IntPtr.Zero, ownsHandle: true)
    {
        _byteCount = byteCount;
    }

    /// <summary>Bytes currently allocated through this type and not yet freed.</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    /// <summary>Blocks currently allocated through this type and not yet freed.</summary>
    public static long LiveBlocks => Interlocked.Read(ref s_liveBlocks);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public nuint ByteCount => _byteCount;

    /// <summary>Allocates <paramref name="byteCount"/> zeroed bytes (at least one byte is reserved).</summary>
    public static AlignedMemoryHandle Allocate(nuint byteCount)
    {
        var result = new AlignedMemoryHandle(byteCount);
        // Allocation happens after the handle object exists, so an exception cannot leak the block.
        nuint reserved = byteCount == 0 ? 1 : byteCount;
        void* pointer;
        if (HugePages.Worthwhile(reserved))
        {
            // Whole 2 MiB pages, asked for before the first touch (the clear below) faults them in.
            reserved = HugePages.RoundUp(reserved);
            pointer = NativeMemory.AlignedAlloc(reserved, HugePages.Size);
            HugePages.Advise(pointer, reserved);
        }
        else
        {
            pointer = NativeMemory.AlignedAlloc(reserved, Alignment);
        }
        NativeMemory.Clear(pointer, reserved);
        result.SetHandle((IntPtr)pointer);
        Interlocked.Add(ref s_liveBytes, (long)byteCount);
        Interlocked.Increment(ref s_liveBlocks);
        if (byteCount > 0)
        {
            GC.AddMemoryPressure((long)byteCount);
        }
        return result;
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        Interlocked.Add(ref s_liveBytes, -(long)_byteCount);
        Interlocked.Decrement(ref s_liveBlocks);
        if (_byteCount > 0)
        {
            GC.RemoveMemoryPressure((long)_byteCount);
        }
        return true;
    }
}
