using Google.Protobuf.WellKnownTypes;

namespace TuneOperator.Trainer.Control;

/// <summary>Converts the checkpoint store's records to the messages of the control contract.</summary>
public static class CheckpointMessages
{
    /// <summary>The <c>CheckpointInfo</c> message of <paramref name="checkpoint"/> (metric 0 and no name when it has none).</summary>
    public static Protos.CheckpointInfo ToMessage(Checkpoints.CheckpointInfo checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new Protos.CheckpointInfo
        {
            Step = checkpoint.Step,
            Path = checkpoint.Path,
            Sha256 = checkpoint.Sha256,
            MetricName = checkpoint.MetricName ?? string.Empty,
            Metric = checkpoint.MetricValue ?? 0,
            Time = Timestamp.FromDateTimeOffset(checkpoint.CreatedAt),
        };
    }
}
