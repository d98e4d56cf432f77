namespace TuneOperator.Controller.Training;

/// <summary>A failure the trainer reported.</summary>
/// <param name="Reason">CamelCase reason, e.g. InvalidDataset.</param>
/// <param name="Message">The trainer's message.</param>
/// <param name="Permanent">True when retrying cannot help: the job fails without another attempt.</param>
public sealed record TrainerFailure(string Reason, string Message, bool Permanent);
