using TorchSharp;

namespace TuneOperator.Trainer;

/// <summary>
/// Prepares libtorch before first use. libtorch sizes its thread pools when the native library loads, and its
/// threads collapse when they outnumber the cores the container may use, so the thread count is set explicitly:
/// the environment variables must be in place before the first call into TorchSharp.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool initialized;

    /// <summary>The number of threads in use once <see cref="Initialize"/> ran.</summary>
    public static int Threads { get; private set; }

    /// <summary>Sets the intra-op and inter-op thread counts (default: the CPUs this process may use) and loads libtorch.</summary>
    public static void Initialize(int? threads = null)
    {
        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            var count = Math.Max(1, threads ?? Environment.ProcessorCount);
            var text = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Environment.SetEnvironmentVariable("OMP_NUM_THREADS", text);
            Environment.SetEnvironmentVariable("MKL_NUM_THREADS", text);
            torch.set_num_threads(count);
            torch.set_num_interop_threads(1);
            Threads = count;
            initialized = true;
        }
    }
}
