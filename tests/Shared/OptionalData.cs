using Nn.Data;
using Xunit;

namespace Nn.Testing;

/// <summary>Fashion-MNIST for a test: skipped where it is not installed, required when NN_REQUIRE_FASHION_MNIST=1.</summary>
internal static class OptionalData
{
    public static string RequireFashionMnist()
    {
        string? directory = FashionMnist.FindDirectory();
        if (directory is not null)
        {
            return directory;
        }
        string reason = $"Fashion-MNIST is not installed (Debian package dataset-fashion-mnist, or set {FashionMnist.DirectoryVariable}).";
        if (Environment.GetEnvironmentVariable("NN_REQUIRE_FASHION_MNIST") == "1")
        {
            Assert.Fail("NN_REQUIRE_FASHION_MNIST=1 but " + reason);
        }
        Assert.Skip(reason);
        throw new InvalidOperationException("unreachable");
    }
}
