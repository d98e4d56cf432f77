namespace TuneOperator.Trainer.Training;

/// <summary>Something the training loop reports while it runs.</summary>
/// <param name="Step">The step it happened at.</param>
public abstract record TrainingEvent(int Step);
