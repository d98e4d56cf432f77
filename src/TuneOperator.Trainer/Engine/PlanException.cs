namespace TuneOperator.Trainer.Engine;

/// <summary>The plan cannot be run as written; the message names the field and how to fix it.</summary>
/// <param name="message">What is wrong, naming the spec field.</param>
public sealed class PlanException(string message) : Exception(message);
