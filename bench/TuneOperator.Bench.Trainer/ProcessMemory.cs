using System.Globalization;

namespace TuneOperator.Bench.Trainer;

/// <summary>Resident memory of this process from <c>/proc/self/status</c> (Linux), in bytes.</summary>
public static class ProcessMemory
{
    /// <summary>The current resident set size (VmRSS).</summary>
    public static long ResidentBytes() => Read("VmRSS:");

    /// <summary>The peak resident set size since the process started (VmHWM).</summary>
    public static long PeakResidentBytes() => Read("VmHWM:");

    private static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field} line; the memory figures need Linux.");
    }
}
