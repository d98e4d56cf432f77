namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>Settings of the FineTuneJob reconciler's trainer side.</summary>
public sealed record FineTuneJobReconcilerOptions
{
    /// <summary>The port dialled on the trainer pod's IP.</summary>
    public int TrainerPort { get; init; } = TrainerPodBuilder.GrpcPort;

    /// <summary>At most one status write per job per this interval when only progress or metrics changed.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);
}
