using System.Runtime.InteropServices;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Gives the pages that glibc's allocator holds free back to the operating system. libtorch allocates and frees the
/// activations of every step through malloc; the free space left inside malloc's arenas grows with fragmentation
/// and stays resident, so a long run's resident memory creeps although nothing leaks (bench/README.md, "memory
/// growth"). Trimming every <see cref="Interval"/> steps keeps it flat for the cost of one short call.
/// </summary>
public static class NativeHeapTrim
{
    /// <summary>Steps between trims.</summary>
    public const int Interval = 100;

    private static bool unavailable;

    /// <summary>Trims when <paramref name="step"/> is a multiple of <see cref="Interval"/>.</summary>
    /// <param name="step">The step just completed (1-based).</param>
    public static void AfterStep(long step)
    {
        if (step % Interval == 0)
        {
            Trim();
        }
    }

    /// <summary>Releases free pages of every malloc arena; does nothing where glibc's <c>malloc_trim</c> is absent.</summary>
    public static void Trim()
    {
        if (unavailable || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = true;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
