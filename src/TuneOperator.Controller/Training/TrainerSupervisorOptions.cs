namespace TuneOperator.Controller.Training;

/// <summary>Timing of trainer sessions.</summary>
public sealed record TrainerSupervisorOptions
{
    /// <summary>How long a Checkpoint() before suspend, deletion or eviction may take before the operator goes on.</summary>
    public TimeSpan CheckpointTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The pause before reconnecting a broken Start or Watch.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);
}
