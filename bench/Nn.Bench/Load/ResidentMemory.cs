namespace Nn.Bench.Load;

/// <summary>Resident set size of this process, from /proc (Environment.WorkingSet elsewhere), after a full collection.</summary>
public static class ResidentMemory
{
    public static long Bytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (string line in File.ReadLines(status))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        return Environment.WorkingSet;
    }
}
