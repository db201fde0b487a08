using System.Runtime.InteropServices;
using Nn.Native.Interop;

namespace Nn.Native.Providers.Native;

/// <summary>
/// Intel MKL through its single dynamic library libmkl_rt. Debian ships no Intel OpenMP runtime,
/// so the provider loads GNU OpenMP (libgomp) with global visibility and selects MKL's GNU
/// threading layer before any other MKL call; without libgomp it falls back to the sequential layer.
/// </summary>
internal sealed unsafe class MklLibrary : CblasLibrary
{
    private const int ThreadingLayerSequential = 1;
    private const int ThreadingLayerGnu = 3;

    public static readonly string[] Candidates =
    [
        "libmkl_rt.so.2",
        "libmkl_rt.so",
        "/usr/lib/x86_64-linux-gnu/libmkl_rt.so",
        "/opt/intel/oneapi/mkl/latest/lib/intel64/libmkl_rt.so.2",
        "/opt/intel/oneapi/mkl/latest/lib/libmkl_rt.so.2",
    ];

    public const string Remedy =
        "Install the Debian package libmkl-rt (add the 'non-free' component for bookworm to the apt sources first), or set NN_BLAS=openblas or NN_BLAS=managed.";

    private readonly delegate* unmanaged<int, void> _setNumThreads;
    private readonly delegate* unmanaged<int> _getMaxThreads;
    private int _threads;

    private MklLibrary(IntPtr handle, string path, string threadingLayer) : base(handle, path)
    {
        ThreadingLayer = threadingLayer;
        _setNumThreads = (delegate* unmanaged<int, void>)LibraryProbe.Export(handle, path, "MKL_Set_Num_Threads");
        _getMaxThreads = (delegate* unmanaged<int>)LibraryProbe.Export(handle, path, "MKL_Get_Max_Threads");
        Version = ReadVersion(handle) + $" [{threadingLayer} threading]";
    }

    /// <summary>"gnu" (libgomp) or "sequential".</summary>
    public string ThreadingLayer { get; }

    public override BlasProviderKind Kind => BlasProviderKind.Mkl;

    public override string Version { get; }

    public override int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _setNumThreads(value);
            _threads = ThreadingLayer == "sequential" ? 1 : _getMaxThreads();
        }
    }

    public static MklLibrary Load(string? explicitPath, int threads)
    {
        // Must precede loading MKL: its GNU layer looks up omp_* in the global namespace.
        bool haveGomp = LibC.TryLoadGlobal("libgomp.so.1");
        (IntPtr handle, string path) = explicitPath is null
            ? LibraryProbe.Load(Candidates, "Intel MKL (libmkl_rt)", Remedy)
            : LibraryProbe.Load([explicitPath], $"Intel MKL '{explicitPath}'", Remedy);

        // The threading layer must be chosen before any other MKL function runs.
        var setLayer = (delegate* unmanaged<int, int>)LibraryProbe.Export(handle, path, "MKL_Set_Threading_Layer");
        string layer = haveGomp ? "gnu" : "sequential";
        setLayer(haveGomp ? ThreadingLayerGnu : ThreadingLayerSequential);

        var library = new MklLibrary(handle, path, layer);
        library.Threads = threads;
        return library;
    }


    private static string ReadVersion(IntPtr handle)
    {
        IntPtr address = LibraryProbe.OptionalExport(handle, "MKL_Get_Version_String");
        if (address == IntPtr.Zero)
        {
            return "Intel MKL (version unknown)";
        }
        var getVersion = (delegate* unmanaged<byte*, int, void>)address;
        byte* buffer = stackalloc byte[256];
        new Span<byte>(buffer, 256).Clear();
        getVersion(buffer, 255);
        return (Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "Intel MKL").Trim();
    }
}
