namespace TuneOperator.Trainer.Peft;

/// <summary>The LoRA adapter applied to a model.</summary>
/// <param name="Options">The settings it was applied with.</param>
/// <param name="Modules">The full names of the wrapped modules (e.g. <c>model.layers.0.self_attn.q_proj</c>).</param>
/// <param name="TargetNames">The distinct short names of the wrapped modules, as adapter_config.json lists them.</param>
/// <param name="ModulesToSave">Modules trained in full and saved with the adapter (the classification <c>score</c> head).</param>
/// <param name="FanInFanOut">Whether the wrapped layers store weights [in, out] (GPT-2's Conv1D).</param>
public sealed record LoraAdapter(
    LoraOptions Options,
    IReadOnlyList<string> Modules,
    IReadOnlyList<string> TargetNames,
    IReadOnlyList<string> ModulesToSave,
    bool FanInFanOut);
