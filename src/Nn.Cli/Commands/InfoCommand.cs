using Nn.Native;

namespace Nn.Cli.Commands;

/// <summary>nn info: the BLAS provider, its version and threads, and the CPU.</summary>
internal static class InfoCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "blas", "threads" };

    public static int Run(Arguments args, TextWriter output)
    {
        ConfigureBlas(args);
        output.WriteLine(Blas.Describe());
        foreach (BlasProviderKind kind in Blas.PreferenceOrder)
        {
            BlasProvider? provider = Blas.TryLoad(kind, out string? reason);
            output.WriteLine($"  {kind,-9} {(provider is null ? "unavailable: " + reason : "available: " + provider.Version)}");
        }
        return 0;
    }

    /// <summary>Applies --blas and --threads (after NN_BLAS / NN_THREADS, which they override).</summary>
    public static void ConfigureBlas(Arguments args)
    {
        if (args.OptionalText("blas") is { } name)
        {
            if (Blas.ParseKind(name) is { } kind) Blas.Use(kind);
            else Blas.Use(name);
        }
        if (args.Has("threads"))
        {
            Blas.Provider.Threads = args.Int("threads", 1, 1, 1024);
        }
    }
}
