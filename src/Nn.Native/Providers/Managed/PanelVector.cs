using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The few vector operations the GEMM micro-kernel needs, so one kernel serves 256- and 512-bit registers.
/// Implemented by structs, so the JIT specialises and inlines every call.
/// </summary>
internal interface IPanelVector<TSelf, T> where TSelf : struct, IPanelVector<TSelf, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int Count { get; }
    static abstract unsafe TSelf Load(T* source);
    static abstract unsafe void Store(TSelf value, T* destination);
    static abstract TSelf Broadcast(T value);
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf addend);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract T Sum(TSelf value);

    /// <summary>True when every lane of both is ±0 (their bits OR'd: ±0 only if both are).</summary>
    static abstract bool AllZero(TSelf a, TSelf b);
}

internal static class PanelVector
{
    // The kernels run in float or double; System.Runtime.Intrinsics has no fused multiply-add for other element types.
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TPanel Unsupported<TPanel, T>() =>
        throw new NotSupportedException($"The GEMM kernels run in float or double, not {typeof(T).Name}.");
}

internal readonly struct Panel256<T>(Vector256<T> value) : IPanelVector<Panel256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector256<T> _value = value;

    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Panel256<T> Load(T* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Panel256<T> value, T* destination) => Vector256.Store(value._value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel256<T> Broadcast(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel256<T> Add(Panel256<T> a, Panel256<T> b) => new(a._value + b._value);

    /// <summary>The sum of the lanes.</summary>
    public static T Sum(Panel256<T> value) => Vector256.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllZero(Panel256<T> a, Panel256<T> b) => Vector256.EqualsAll(a._value | b._value, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel256<T> MultiplyAdd(Panel256<T> a, Panel256<T> b, Panel256<T> addend)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector256.FusedMultiplyAdd(a._value.AsSingle(), b._value.AsSingle(), addend._value.AsSingle()).As<float, T>());
        }
        if (typeof(T) == typeof(double))
        {
            return new(Vector256.FusedMultiplyAdd(a._value.AsDouble(), b._value.AsDouble(), addend._value.AsDouble()).As<double, T>());
        }
        return PanelVector.Unsupported<Panel256<T>, T>();
    }
}

internal readonly struct Panel512<T>(Vector512<T> value) : IPanelVector<Panel512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector512<T> _value = value;

    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Panel512<T> Load(T* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(Panel512<T> value, T* destination) => Vector512.Store(value._value, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel512<T> Broadcast(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel512<T> Add(Panel512<T> a, Panel512<T> b) => new(a._value + b._value);

    /// <summary>The sum of the lanes.</summary>
    public static T Sum(Panel512<T> value) => Vector512.Sum(value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllZero(Panel512<T> a, Panel512<T> b) => Vector512.EqualsAll(a._value | b._value, Vector512<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Panel512<T> MultiplyAdd(Panel512<T> a, Panel512<T> b, Panel512<T> addend)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector512.FusedMultiplyAdd(a._value.AsSingle(), b._value.AsSingle(), addend._value.AsSingle()).As<float, T>());
        }
        if (typeof(T) == typeof(double))
        {
            return new(Vector512.FusedMultiplyAdd(a._value.AsDouble(), b._value.AsDouble(), addend._value.AsDouble()).As<double, T>());
        }
        return PanelVector.Unsupported<Panel512<T>, T>();
    }
}
