using System.Runtime.InteropServices;
using Nn.Native.Interop;

namespace Nn.Native.Distributed;

/// <summary>
/// Open MPI's C API (libmpi.so.40) through function pointers. Open MPI's handles are addresses of exported objects
/// (MPI_COMM_WORLD is &amp;ompi_mpi_comm_world), so they are looked up like functions; MPICH's integer handles are not supported.
/// The library is opened with global visibility first because Open MPI's plugins resolve their symbols from it.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    public const int ThreadSerialized = 2;
    private static readonly IntPtr InPlaceMarker = 1;   // MPI_IN_PLACE in Open MPI

    public readonly string Path;
    public readonly IntPtr CommWorld, Float, Double, Byte, Sum;
    public readonly delegate* unmanaged<int*, int> Initialized, Finalized;
    public readonly delegate* unmanaged<int*, IntPtr, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<IntPtr, int*, int> CommRank, CommSize;
    public readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int> AllReduce;
    public readonly delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int> Broadcast;
    public readonly delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, IntPtr, int> AllGather;
    public readonly delegate* unmanaged<IntPtr, int> Barrier;
    public readonly delegate* unmanaged<IntPtr, int, int> Abort;
    public readonly delegate* unmanaged<byte*, int*, int> LibraryVersion;
    public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString;

    public static void* InPlace => (void*)InPlaceMarker;

    private MpiLibrary(IntPtr handle, string path)
    {
        Path = path;
        IntPtr Symbol(string name) => NativeLibrary.TryGetExport(handle, name, out IntPtr address)
            ? address
            : throw new MpiUnavailableException($"{path} does not export {name}: it is not Open MPI's libmpi (MPICH and others use another ABI).");
        CommWorld = Symbol("ompi_mpi_comm_world");
        Float = Symbol("ompi_mpi_float");
        Double = Symbol("ompi_mpi_double");
        Byte = Symbol("ompi_mpi_byte");
        Sum = Symbol("ompi_mpi_op_sum");
        Initialized = (delegate* unmanaged<int*, int>)Symbol("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Symbol("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, IntPtr, int, int*, int>)Symbol("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");
        CommRank = (delegate* unmanaged<IntPtr, int*, int>)Symbol("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<IntPtr, int*, int>)Symbol("MPI_Comm_size");
        AllReduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int>)Symbol("MPI_Allreduce");
        Broadcast = (delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int>)Symbol("MPI_Bcast");
        AllGather = (delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, IntPtr, int>)Symbol("MPI_Allgather");
        Barrier = (delegate* unmanaged<IntPtr, int>)Symbol("MPI_Barrier");
        Abort = (delegate* unmanaged<IntPtr, int, int>)Symbol("MPI_Abort");
        LibraryVersion = (delegate* unmanaged<byte*, int*, int>)Symbol("MPI_Get_library_version");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Symbol("MPI_Error_string");
    }

    /// <summary>The library files tried, in order: NN_MPI_LIBRARY if set, then Open MPI's soname.</summary>
    public static IReadOnlyList<string> Candidates
    {
        get
        {
            string? forced = Environment.GetEnvironmentVariable("NN_MPI_LIBRARY");
            return string.IsNullOrWhiteSpace(forced) ? ["libmpi.so.40", "libmpi.so"] : [forced];
        }
    }

    public static MpiLibrary Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new MpiUnavailableException("Distributed training uses Open MPI's libmpi.so.40, which Nn supports on Linux only.");
        }
        foreach (string candidate in Candidates)
        {
            if (LibC.TryLoadGlobal(candidate) && NativeLibrary.TryLoad(candidate, out IntPtr handle))
            {
                return new MpiLibrary(handle, candidate);
            }
        }
        throw new MpiUnavailableException(
            $"Open MPI could not be loaded; tried: {string.Join(", ", Candidates)}. Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi3) " +
            "or set NN_MPI_LIBRARY to the path of libmpi.so.40.");
    }

    public void Check(int code, string call)
    {
        if (code == 0) return;
        byte* text = stackalloc byte[512];
        int length = 0;
        string description = ErrorString(code, text, &length) == 0 ? System.Text.Encoding.UTF8.GetString(text, Math.Clamp(length, 0, 512)) : "unknown error";
        throw new MpiException(call, code, description);
    }
}
