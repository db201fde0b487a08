using Nn.Native;
using Xunit;

namespace Nn.Testing;

/// <summary>
/// Gets a BLAS provider for a test: skips with the reason where it is missing, but fails when the
/// comma-separated NN_REQUIRE_PROVIDERS (set by .ci/run) names it.
/// </summary>
internal static class ProviderAvailability
{
    public static TheoryData<BlasProviderKind> AllKinds =>
        new(BlasProviderKind.Mkl, BlasProviderKind.OpenBlas, BlasProviderKind.Managed);

    public static BlasProvider Require(BlasProviderKind kind)
    {
        BlasProvider? provider = Blas.TryLoad(kind, out string? reason);
        if (provider is not null)
        {
            return provider;
        }
        if (IsRequired(kind))
        {
            Assert.Fail($"NN_REQUIRE_PROVIDERS requires {kind} but it did not load: {reason}");
        }
        Assert.Skip($"{kind} is not installed here: {reason}");
        throw new InvalidOperationException("unreachable");
    }

    public static bool IsRequired(BlasProviderKind kind)
    {
        string required = Environment.GetEnvironmentVariable("NN_REQUIRE_PROVIDERS") ?? "";
        return required.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(name => Blas.ParseKind(name) == kind);
    }
}
