using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Debug endpoints for benchmarks, served on the health port only when <see cref="OperatorOptions.DebugEndpoints"/>
/// is set: <c>POST /debug/gc</c> runs a full, blocking, compacting collection that also returns free memory to the
/// operating system, and answers the process working set afterwards.
/// </summary>
public static class DebugEndpoints
{
    /// <summary>Maps the debug endpoints on the health port when the option is on.</summary>
    public static void MapDebugEndpoints(this IEndpointRouteBuilder app, OperatorOptions options)
    {
        if (!options.DebugEndpoints)
        {
            return;
        }

        app.MapPost("/debug/gc", () =>
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return Results.Json(new DebugGcResult(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false)));
        }).RequireHost($"*:{options.HealthPort}");
    }

    /// <summary>The answer of <c>POST /debug/gc</c>.</summary>
    /// <param name="WorkingSetBytes">The process working set after the collection.</param>
    /// <param name="ManagedHeapBytes">The bytes the managed heap holds after the collection.</param>
    public sealed record DebugGcResult(long WorkingSetBytes, long ManagedHeapBytes);
}
