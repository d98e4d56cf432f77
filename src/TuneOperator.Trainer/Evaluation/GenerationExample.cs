namespace TuneOperator.Trainer.Evaluation;

/// <summary>A prompt and the answer the model should generate for it.</summary>
/// <param name="Prompt">The prompt's token ids.</param>
/// <param name="Reference">The expected answer's token ids (without the stop id).</param>
public sealed record GenerationExample(IReadOnlyList<int> Prompt, IReadOnlyList<int> Reference);
