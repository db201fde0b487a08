using System.Runtime.InteropServices;
using Nn.Native.Interop;

namespace Nn.Native.Providers.Native;

/// <summary>OpenBLAS through libopenblas.so.0, with its own thread-count and configuration API.</summary>
internal sealed unsafe class OpenBlasLibrary : CblasLibrary
{
    public static readonly string[] Candidates =
    [
        "libopenblas.so.0",
        "libopenblas.so",
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
    ];

    public const string Remedy = "Install the Debian package libopenblas0-pthread, or set NN_BLAS=mkl or NN_BLAS=managed.";

    private readonly delegate* unmanaged<int, void> _setNumThreads;
    private readonly delegate* unmanaged<int> _getNumThreads;

    private OpenBlasLibrary(IntPtr handle, string path) : base(handle, path)
    {
        _setNumThreads = (delegate* unmanaged<int, void>)LibraryProbe.Export(handle, path, "openblas_set_num_threads");
        _getNumThreads = (delegate* unmanaged<int>)LibraryProbe.Export(handle, path, "openblas_get_num_threads");
        Version = $"{ReadString(handle, "openblas_get_config")} core={ReadString(handle, "openblas_get_corename")}";
    }

    public override BlasProviderKind Kind => BlasProviderKind.OpenBlas;

    public override string Version { get; }

    public override int Threads
    {
        get => _getNumThreads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _setNumThreads(value);
        }
    }

    public static OpenBlasLibrary Load(string? explicitPath, int threads)
    {
        (IntPtr handle, string path) = explicitPath is null
            ? LibraryProbe.Load(Candidates, "OpenBLAS (libopenblas.so.0)", Remedy)
            : LibraryProbe.Load([explicitPath], $"OpenBLAS '{explicitPath}'", Remedy);
        var library = new OpenBlasLibrary(handle, path);
        library.Threads = threads;
        return library;
    }


    private static string ReadString(IntPtr handle, string symbol)
    {
        IntPtr address = LibraryProbe.OptionalExport(handle, symbol);
        return address == IntPtr.Zero ? "?" : (Marshal.PtrToStringUTF8((IntPtr)((delegate* unmanaged<byte*>)address)()) ?? "?").Trim();
    }
}
