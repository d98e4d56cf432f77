using System.Globalization;

namespace TuneOperator.Trainer.Training;

/// <summary>Reads the CPU limit of the container from the cgroup file system (v2 <c>cpu.max</c>, v1 CFS quota).</summary>
public static class ContainerCpuLimit
{
    /// <summary>Where the cgroup file system is mounted in a container.</summary>
    public const string DefaultCgroupRoot = "/sys/fs/cgroup";

    /// <summary>
    /// The CPU limit in (possibly fractional) CPUs, or null when the container has none: cgroup v2
    /// <c>cpu.max</c> ("quota period" or "max period"), else cgroup v1 <c>cpu/cpu.cfs_quota_us</c> over
    /// <c>cpu/cpu.cfs_period_us</c> (quota -1 means unlimited).
    /// </summary>
    public static double? Read(string cgroupRoot = DefaultCgroupRoot)
    {
        var v2 = Path.Combine(cgroupRoot, "cpu.max");
        if (File.Exists(v2))
        {
            var parts = File.ReadAllText(v2).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length >= 2 && parts[0] != "max" && TryParse(parts[0], out var quota) && TryParse(parts[1], out var period))
            {
                return Ratio(quota, period);
            }

            return null;
        }

        foreach (var folder in new[] { "cpu", "cpu,cpuacct", "cpuacct,cpu" })
        {
            var quotaFile = Path.Combine(cgroupRoot, folder, "cpu.cfs_quota_us");
            var periodFile = Path.Combine(cgroupRoot, folder, "cpu.cfs_period_us");
            if (File.Exists(quotaFile) && File.Exists(periodFile))
            {
                if (TryParse(File.ReadAllText(quotaFile).Trim(), out var quota) && TryParse(File.ReadAllText(periodFile).Trim(), out var period))
                {
                    return Ratio(quota, period);
                }

                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The number of threads to give libtorch: the CPU limit rounded up (a limit of 1.5 CPUs gives 2 threads),
    /// never more than <see cref="Environment.ProcessorCount"/>, which is also the answer without a limit.
    /// </summary>
    public static int ResolveThreads(string cgroupRoot = DefaultCgroupRoot)
    {
        var processors = Environment.ProcessorCount;
        var limit = Read(cgroupRoot);
        if (limit is null)
        {
            return processors;
        }

        return Math.Clamp((int)Math.Ceiling(limit.Value - 1e-9), 1, processors);
    }

    private static double? Ratio(long quota, long period) => quota > 0 && period > 0 ? (double)quota / period : null;

    private static bool TryParse(string text, out long value)
        => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
