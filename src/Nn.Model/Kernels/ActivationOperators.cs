using System.Numerics;

namespace Nn.Kernels;

// Forward operators: a = f(z). The parameter is LeakyReLU's slope and is ignored elsewhere.

internal readonly struct IdentityForward<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T parameter) => x;
    public static Vector<T> Invoke(Vector<T> x, Vector<T> parameter) => x;
}

internal readonly struct StepForward<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T parameter) => x >= T.Zero ? T.One : T.Zero;
    public static Vector<T> Invoke(Vector<T> x, Vector<T> parameter) =>
        Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
}

internal readonly struct ReluForward<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T parameter) => x > T.Zero ? x : T.Zero;
    public static Vector<T> Invoke(Vector<T> x, Vector<T> parameter) => Vector.Max(x, Vector<T>.Zero);
}

internal readonly struct LeakyReluForward<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T slope) => x > T.Zero ? x : slope * x;
    public static Vector<T> Invoke(Vector<T> x, Vector<T> slope) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, slope * x);
}

// Backward operators: g ← g ⊙ f'(z), with f' written in whichever of z or a = f(z) is cheaper.

internal readonly struct SigmoidBackward<T> : IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T z, T a, T g, T parameter) => g * a * (T.One - a);
    public static Vector<T> Invoke(Vector<T> z, Vector<T> a, Vector<T> g, Vector<T> parameter) => g * a * (Vector<T>.One - a);
}

internal readonly struct TanhBackward<T> : IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T z, T a, T g, T parameter) => g * (T.One - a * a);
    public static Vector<T> Invoke(Vector<T> z, Vector<T> a, Vector<T> g, Vector<T> parameter) => g * (Vector<T>.One - a * a);
}

internal readonly struct ReluBackward<T> : IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T z, T a, T g, T parameter) => z > T.Zero ? g : T.Zero;
    public static Vector<T> Invoke(Vector<T> z, Vector<T> a, Vector<T> g, Vector<T> parameter) =>
        Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<T>.Zero), g, Vector<T>.Zero);
}

internal readonly struct LeakyReluBackward<T> : IGradientOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T z, T a, T g, T slope) => z > T.Zero ? g : slope * g;
    public static Vector<T> Invoke(Vector<T> z, Vector<T> a, Vector<T> g, Vector<T> slope) =>
        Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<T>.Zero), g, slope * g);
}
