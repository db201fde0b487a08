using Nn.Native;
using Nn.Native.Distributed;
using Nn.Training;

namespace Nn.Cli.Commands;

/// <summary>
/// nn train --distributed: one rank of an <c>mpirun</c> job. MPI starts before the work and is finalised after it. A failure
/// that every rank meets at the same point (disagreeing configurations, divergence) ends every rank normally with rank 0's
/// message; a failure on one rank alone (a missing file on one machine) ends the whole job with MPI_Abort, so no rank waits forever.
/// </summary>
internal static class DistributedRun
{
    public static int Run(Arguments args, TextWriter output, Func<Arguments, TextWriter, MpiCommunicator?, int> train)
    {
        MpiCommunicator world;
        try
        {
            world = MpiCommunicator.Initialize();
        }
        catch (MpiUnavailableException error)
        {
            throw new UsageException($"--distributed needs Open MPI: {error.Message}");
        }
        if (world.Size == 1 && world.Rank == 0)
        {
            output.WriteLine("mpi       1 rank: training as a single process (start with mpirun -np N nn train --distributed … for more)");
        }
        if (world.Rank == 0 && BoundToFewerCores() is { } warning) output.WriteLine(warning);
        int code;
        try
        {
            code = train(args, world.Rank == 0 ? output : TextWriter.Null, world);
        }
        catch (Exception error) when (error is DistributedTrainingException or TrainingDivergedException)
        {
            // Every rank throws these from the same reduced values: finish MPI cleanly and let rank 0 report.
            world.Dispose();
            if (world.Rank == 0) throw;
            return 1;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"nn: rank {world.Rank} of {world.Size}: {error.Message}");
            Console.Error.WriteLine($"nn: ending all {world.Size} ranks (MPI_Abort), since the others would wait for this one.");
            Console.Error.Flush();
            world.Abort(error is UsageException ? 2 : 1);
            return 1;
        }
        world.Dispose();
        return code;
    }

    /// <summary>
    /// mpirun binds each rank to one core by default (up to 2 ranks); the rank's GC, JIT and MPI progress threads then share that
    /// core with the training thread, which measured 2.4 × slower here than leaving the ranks unbound.
    /// </summary>
    private static string? BoundToFewerCores()
    {
        try
        {
            string online = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
            int cores = online.Split(',').Sum(range => range.Split('-') is [var a, var b] ? int.Parse(b) - int.Parse(a) + 1 : 1);
            int local = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int size) && size > 0 ? size : 1;
            return Environment.ProcessorCount < cores && Environment.ProcessorCount * local <= cores
                ? $"warning   mpirun bound each rank to {Environment.ProcessorCount} of this machine's {cores} cores, which the runtime's own threads must share; " +
                  "start with mpirun --bind-to none for faster steps"
                : null;
        }
        catch (Exception error) when (error is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Without --threads or NN_THREADS, the ranks on one machine share its cores instead of each taking all of them.</summary>
    public static void ShareCores(Arguments args)
    {
        if (args.Has("threads") || Environment.GetEnvironmentVariable("NN_THREADS") is not null) return;
        int local = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int size) && size > 0 ? size : 1;
        Blas.Provider.Threads = Math.Max(1, Environment.ProcessorCount / local);
    }

    /// <summary>Rank 0 reads <paramref name="path"/>; every rank receives its bytes.</summary>
    public static byte[] BroadcastFile(ICommunicator world, string path)
    {
        byte[]? bytes = world.Rank == 0 ? File.ReadAllBytes(path) : null;
        Span<byte> length = stackalloc byte[sizeof(long)];
        if (bytes is not null) BitConverter.TryWriteBytes(length, (long)bytes.Length);
        world.Broadcast(length, root: 0);
        bytes ??= new byte[BitConverter.ToInt64(length)];
        world.Broadcast(bytes, root: 0);
        return bytes;
    }
}
