using System.Text.Json.Serialization;

namespace TuneOperator.Bench.Trainer;

/// <summary>One sample of a memory-growth run, taken after a full garbage collection and a trim of malloc's arenas.</summary>
/// <param name="Step">Steps done after warm-up.</param>
/// <param name="Rss">Resident set size.</param>
/// <param name="GcHeap">The .NET GC heap size.</param>
/// <param name="GcCommitted">Memory the .NET GC has committed (its regions, free ones it keeps included).</param>
/// <param name="GcCollections">Collections so far, per generation (0, 1, 2).</param>
/// <param name="LiveTensors">Tensor handles alive in managed code (<c>torch.Tensor.TotalCount</c>).</param>
/// <param name="MallocInUse">Native bytes allocated through glibc malloc and not freed (libtorch's tensors included).</param>
/// <param name="MallocFree">Free bytes glibc keeps inside its arenas (fragmentation).</param>
/// <param name="ResidentByKind">Resident bytes per kind of mapping (<see cref="MemoryMaps.ByKind"/>).</param>
/// <param name="GrownMappings">The mappings whose resident size changed most since the previous sample.</param>
public sealed record GrowthSample(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("rss_bytes")] long Rss,
    [property: JsonPropertyName("gc_heap_bytes")] long GcHeap,
    [property: JsonPropertyName("gc_committed_bytes")] long GcCommitted,
    [property: JsonPropertyName("gc_collections")] IReadOnlyList<int> GcCollections,
    [property: JsonPropertyName("live_tensors")] long LiveTensors,
    [property: JsonPropertyName("malloc_in_use_bytes")] long MallocInUse,
    [property: JsonPropertyName("malloc_free_bytes")] long MallocFree,
    [property: JsonPropertyName("rss_by_mapping_kind_bytes")] IReadOnlyDictionary<string, long> ResidentByKind,
    [property: JsonPropertyName("grown_mappings")] IReadOnlyList<string> GrownMappings)
{
    /// <summary>Collects garbage (finalizers included) and takes a sample; <paramref name="maps"/> holds the previous sample's mappings and receives this one's.</summary>
    public static GrowthSample Take(int step, ref MemoryMaps? maps)
    {
        var collections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // The trainer trims malloc's arenas every 100 steps; finalizers that just ran may have freed native blocks
        // since, so the sample trims too and every sample sees the trimmed state the trainer returns to.
        TuneOperator.Trainer.Training.NativeHeapTrim.Trim();
        var (inUse, free) = NativeHeap.Read();
        var info = GC.GetGCMemoryInfo();
        var rss = ProcessMemory.ResidentBytes();
        var now = MemoryMaps.Read();
        var grown = maps is null ? [] : now.GrownSince(maps, 3);
        maps = now;
        return new GrowthSample(step, rss, info.HeapSizeBytes, info.TotalCommittedBytes, collections, TorchSharp.torch.Tensor.TotalCount, inUse, free, now.ByKind(), grown);
    }
}
