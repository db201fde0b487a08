using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Kernels;

/// <summary>A unary operator with a parameter (LeakyReLU's slope), in scalar and Vector&lt;T&gt; form.</summary>
internal interface IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Invoke(T x, T parameter);
    static abstract Vector<T> Invoke(Vector<T> x, Vector<T> parameter);
}

/// <summary>g' = f(z, a, g, parameter): an activation's backward step from pre-activation z, output a and upstream gradient g.</summary>
internal interface IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Invoke(T z, T a, T g, T parameter);
    static abstract Vector<T> Invoke(Vector<T> z, Vector<T> a, Vector<T> g, Vector<T> parameter);
}

/// <summary>Runs operator structs over spans: full vectors first, then a scalar remainder. Allocates nothing.</summary>
internal static class Elementwise
{
    /// <summary>z ← z + bias; a ← op(z), for one row. The fused forward step of a dense layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddBiasActivate<TOp, T>(Span<T> z, ReadOnlySpan<T> bias, Span<T> a, T parameter)
        where TOp : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T br = ref MemoryMarshal.GetReference(bias);
        ref T ar = ref MemoryMarshal.GetReference(a);
        int i = 0;
        if (Vector.IsHardwareAccelerated && z.Length >= Vector<T>.Count)
        {
            var p = new Vector<T>(parameter);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref zr, (nuint)i) + Vector.LoadUnsafe(ref br, (nuint)i);
                v.StoreUnsafe(ref zr, (nuint)i);
                TOp.Invoke(v, p).StoreUnsafe(ref ar, (nuint)i);
            }
        }
        for (; i < z.Length; i++)
        {
            T v = Unsafe.Add(ref zr, i) + Unsafe.Add(ref br, i);
            Unsafe.Add(ref zr, i) = v;
            Unsafe.Add(ref ar, i) = TOp.Invoke(v, parameter);
        }
    }

    /// <summary>g ← op(z, a, g) over whole spans of equal length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradient<TOp, T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> g, T parameter)
        where TOp : IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T gr = ref MemoryMarshal.GetReference(g);
        int i = 0;
        if (Vector.IsHardwareAccelerated && g.Length >= Vector<T>.Count)
        {
            var p = new Vector<T>(parameter);
            for (; i <= g.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                TOp.Invoke(Vector.LoadUnsafe(ref zr, (nuint)i), Vector.LoadUnsafe(ref ar, (nuint)i),
                    Vector.LoadUnsafe(ref gr, (nuint)i), p).StoreUnsafe(ref gr, (nuint)i);
            }
        }
        for (; i < g.Length; i++)
        {
            Unsafe.Add(ref gr, i) = TOp.Invoke(Unsafe.Add(ref zr, i), Unsafe.Add(ref ar, i), Unsafe.Add(ref gr, i), parameter);
        }
    }
}
