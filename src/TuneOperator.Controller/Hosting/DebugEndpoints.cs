using System.Globalization;
using System.Runtime;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Debug endpoints for benchmarks, served by <see cref="OperatorEndpoints"/> on the health port only when
/// <see cref="OperatorOptions.DebugEndpoints"/> is set: <c>POST /debug/gc</c> runs a full, blocking, compacting
/// collection that also returns free memory to the operating system, and answers the process working set afterwards.
/// </summary>
public static class DebugEndpoints
{
    /// <summary>Runs the full collection of <c>POST /debug/gc</c> and measures the process afterwards.</summary>
    public static DebugGcResult CollectGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new DebugGcResult(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
    }

    /// <summary>The answer of <c>POST /debug/gc</c>.</summary>
    /// <param name="WorkingSetBytes">The process working set after the collection.</param>
    /// <param name="ManagedHeapBytes">The bytes the managed heap holds after the collection.</param>
    public sealed record DebugGcResult(long WorkingSetBytes, long ManagedHeapBytes)
    {
        /// <summary>The JSON body: <c>{"workingSetBytes":…,"managedHeapBytes":…}</c>.</summary>
        public string ToJson() =>
            "{\"workingSetBytes\":" + WorkingSetBytes.ToString(CultureInfo.InvariantCulture)
            + ",\"managedHeapBytes\":" + ManagedHeapBytes.ToString(CultureInfo.InvariantCulture) + "}";
    }
}
