using TuneOperator.Trainer.Training;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>Collects events synchronously and optionally reacts to each one.</summary>
internal sealed class RecordingEvents(Action<TrainingEvent>? react = null) : IProgress<TrainingEvent>
{
    public List<TrainingEvent> Events { get; } = [];

    public void Report(TrainingEvent value)
    {
        Events.Add(value);
        react?.Invoke(value);
    }
}
