using System.Text.Json.Serialization;

namespace TuneOperator.Bench.Trainer;

/// <summary>One sample of a memory-growth run, taken after a full garbage collection.</summary>
/// <param name="Step">Steps done after warm-up.</param>
/// <param name="Rss">Resident set size.</param>
/// <param name="GcHeap">The .NET GC heap size.</param>
/// <param name="LiveTensors">Tensor handles alive in managed code (<c>torch.Tensor.TotalCount</c>).</param>
/// <param name="MallocInUse">Native bytes allocated through glibc malloc and not freed (libtorch's tensors included).</param>
/// <param name="MallocFree">Free bytes glibc keeps inside its arenas (fragmentation).</param>
public sealed record GrowthSample(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("rss_bytes")] long Rss,
    [property: JsonPropertyName("gc_heap_bytes")] long GcHeap,
    [property: JsonPropertyName("live_tensors")] long LiveTensors,
    [property: JsonPropertyName("malloc_in_use_bytes")] long MallocInUse,
    [property: JsonPropertyName("malloc_free_bytes")] long MallocFree)
{
    /// <summary>Collects garbage (finalizers included) and takes a sample.</summary>
    public static GrowthSample Take(int step)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (inUse, free) = NativeHeap.Read();
        return new GrowthSample(step, ProcessMemory.ResidentBytes(), GC.GetGCMemoryInfo().HeapSizeBytes, TorchSharp.torch.Tensor.TotalCount, inUse, free);
    }
}
