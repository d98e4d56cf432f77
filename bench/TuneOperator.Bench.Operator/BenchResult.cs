namespace TuneOperator.Bench.Operator;

/// <summary>The figures of one run (the JSON written under bench/results/).</summary>
internal sealed record BenchResult
{
    public required int Jobs { get; init; }
    public required int RatePerSecond { get; init; }
    public required int Workers { get; init; }
    public required bool LeaderElection { get; init; }
    public required string GcMode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Machine { get; init; }
    public required string LoadAverageAtStart { get; init; }
    public required string LoadAverageAtEnd { get; init; }
    public required double CreateSeconds { get; init; }
    public required double AchievedCreateRate { get; init; }
    public required int JobsWithPod { get; init; }
    public required double LatencyP50Ms { get; init; }
    public required double LatencyP99Ms { get; init; }
    public required double LatencyMaxMs { get; init; }
    public required int PodsSeenBeforeCreateReturned { get; init; }
    public required double Reconciles { get; init; }
    public required double ReconcileWindowSeconds { get; init; }
    public required double ReconcilesPerSecond { get; init; }
    public required double PeakReconcilesPerSecond { get; init; }
    public required bool Quiesced { get; init; }
    public required long IdleWorkingSetBytes { get; init; }
    public required long IdleManagedHeapBytes { get; init; }
    public required long LoadedWorkingSetBytes { get; init; }
    public required long IdleAnonymousBytes { get; init; }
    public required long IdleFileBackedBytes { get; init; }
    public required long LoadedAnonymousBytes { get; init; }
    public required long LoadedFileBackedBytes { get; init; }
    public required long LoadedManagedHeapBytes { get; init; }
    public required double WorkingSetPerJobBytes { get; init; }
    public required double ManagedHeapPerJobBytes { get; init; }
    public required double ServerLatencyP50Seconds { get; init; }
    public required double ServerLatencyP99Seconds { get; init; }
    public required double ServerLatencyMaxSeconds { get; init; }
    public required double MeanQueueWaitMs { get; init; }
    public required double MeanReconcileMs { get; init; }
    public required int PodWatchReconnects { get; init; }
    public required int CreateErrors { get; init; }
}
